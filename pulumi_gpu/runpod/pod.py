"""``runpod.Pod``: a GPU (or CPU) pod on RunPod, waited on until SSH and its ports work,
stopped and started in place through ``desired_status``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from pulumi_gpu.core.checking import Choices, exists
from pulumi_gpu.core.errors import (
    ApiError,
    ConflictError,
    GpuCloudError,
    InvalidRequestError,
    TransportError,
)
from pulumi_gpu.core.identity import OWNER_ENV, Inventoried
from pulumi_gpu.core.inputs import contains_unknown
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import Change, GpuProvider
from pulumi_gpu.core.resource import Machine, machine_outputs
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.lookups import catalog_choices
from pulumi_gpu.runpod.models import EXITED, CloudType, proxy_url
from pulumi_gpu.runpod.models import Pod as ApiPod
from pulumi_gpu.runpod.pod_inputs import (
    DEFAULT_VCPUS,
    MIGRATIONS,
    DesiredStatus,
    PodInputs,
    managed_env,
)

__all__ = ["Pod", "PodInputs"]


def outputs(pod: ApiPod) -> dict[str, Any]:
    """What a person needs next, from the pod as RunPod reports it."""
    running = pod.status == "RUNNING"
    direct, proxy = (pod.ssh.direct, pod.ssh.proxy) if running else (None, None)
    ssh = direct or proxy
    if pod.gpu is not None:
        compute = f"{pod.gpu.count}x {pod.gpu.id}"
    elif pod.cpu is not None:
        compute = f"{pod.cpu.vcpu_count} vCPU {pod.cpu.id}"
    else:
        compute = None
    found = machine_outputs(
        ssh.command if ssh else None,
        ports=pod.public_ports,
        public_ip=pod.public_ip,
        cost_per_hour=pod.cost,
    )
    if ssh is not None:
        found.update(ssh_host=ssh.host, ssh_port=ssh.port, ssh_user=ssh.username)
    return {
        **found,
        "ssh_proxy_command": proxy.command if proxy else None,
        "http_urls": {str(p): proxy_url(pod.id, p) for p in pod.exposed("http")} if running else {},
        "data_center_id": pod.data_center_id,
        "cuda_version": pod.cuda_version,
        "compute": compute,
        "jupyter_password": pod.env.get("JUPYTER_PASSWORD"),
        "runtime": pod.runtime.telemetry() if running and pod.runtime else None,
    }


def reflected(pod: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
    """Input-named values as they really are, so ``pulumi refresh`` shows drift.

    Only what the program set is compared: a value left to the template or to RunPod's
    default is not reported as drift.
    """
    live: dict[str, Any] = {"name": pod.name}
    for name, value in (
        ("image", pod.image),
        ("args", pod.args),
        ("exposed_ports", pod.ports),
        ("container_disk_gb", pod.disk),
    ):
        if state.get(name) is not None:
            live[name] = value
    if state.get("registry_id") is not None:
        live["registry_id"] = pod.registry
    if state.get("gpu_type") is not None:
        live["gpu_type"] = pod.gpu.id if pod.gpu else None
        live["gpu_count"] = pod.gpu.count if pod.gpu else None
    if state.get("cpu_flavor") is not None:
        live["cpu_flavor"] = pod.cpu.id if pod.cpu else None
    if state.get("cloud_type") is not None and pod.cloud:
        live["cloud_type"] = pod.cloud
    wanted = dict(state.get("env") or {})
    live["env"] = {k: pod.env[k] for k in wanted if k in pod.env}
    if state.get("ssh_public_keys"):
        given = pod.env.get("PUBLIC_KEY", "")
        live["ssh_public_keys"] = [k for k in given.split("\n") if k.strip()] or None
    if state.get("volume_mount_path") is not None:
        mount = pod.mounts.persistent or next(iter(pod.mounts.network), None)
        live["volume_mount_path"] = mount.path if mount else None
    return live


def system_tail(client: RunPodClient, pod_id: str) -> str | None:
    """RunPod's own last log lines of a pod (an image pull denied, a container that
    exits), joined; None if there are none or they cannot be read."""
    try:
        lines = client.pod_logs(pod_id, tail=5, source="system")
    except GpuCloudError:
        return None
    return "; ".join(line for _, line in lines if line.strip()) or None


def reference_exists(client: RunPodClient, field: str, value: str) -> bool | None:
    """Whether the volume, template or registry credentials a RunPod input names exist."""
    getters = {
        "network_volume_id": client.get_network_volume,
        "template_id": client.get_template,
        "registry_id": client.get_registry,
    }
    get = getters.get(field)
    return exists(get, value) if get is not None else None


_ACTION_TARGETS = {"start": ("STARTING", "RUNNING"), "stop": (EXITED,)}


def act(client: RunPodClient, pod_id: str, action: str, *, attempts: int = 2) -> None:
    """Start or stop a pod. Both set a state, so when the answer is lost the pod is read
    and the action sent again if it did not take; a 409 because the pod already got
    there is success."""
    target = _ACTION_TARGETS[action]
    for attempt in range(attempts):
        try:
            client.pod_action(pod_id, action)
        except ConflictError:
            if client.get_pod(pod_id).status in target:
                return
            raise
        except (ApiError, TransportError) as exc:
            if not exc.outcome_unknown:
                raise
            if client.get_pod(pod_id).status in target:
                return
            if attempt + 1 >= attempts:
                raise
            report(f"runpod pod {pod_id}: the answer to {action} was lost; sending it again")
            continue
        return


class PodProvider(GpuProvider[PodInputs, ApiPod]):
    inputs_model = PodInputs
    kind = "runpod Pod"
    migrations = MIGRATIONS
    secret_outputs = frozenset({"jupyter_password"})
    startable = True
    listed = True
    phase_fields = frozenset({"desired_status"})

    def client(self) -> RunPodClient:
        return runpod_client()

    # -- policy ---------------------------------------------------------------------

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        new = news.get(field)
        if field == "data_center_ids":
            placed = olds.get("data_center_id")
            if contains_unknown(new) or (new and placed not in new):
                return Change.REPLACE
            return Change.NONE
        if field == "vcpu_count":
            same = (olds.get(field) or DEFAULT_VCPUS) == (new or DEFAULT_VCPUS)
            return Change.NONE if same else Change.REPLACE
        unsettable = ("image", "args", "exposed_ports", "container_disk_gb", "volume_mount_path")
        if field in (*unsettable, "ssh_public_keys") and new is None:
            # Back to the template's or RunPod's value: only a new pod can do that.
            return Change.REPLACE
        return super().change_kind(field, olds, news)

    def desired_phase(self, values: Mapping[str, Any]) -> Phase:
        return Phase.STOPPED if values.get("desired_status") == "stopped" else Phase.READY

    # -- the cloud object -----------------------------------------------------------

    def list_objects(self) -> list[ApiPod]:
        return self.client().list_pods()

    def find(self, inputs: PodInputs) -> list[ApiPod]:
        return [p for p in self.listing() if p.name == inputs.name]

    def create_object(self, inputs: PodInputs, token: str) -> ApiPod:
        client = self.client()
        what = self.describe(inputs.model_dump())
        _warn_without_keys(client, inputs, what)
        try:
            pod = client.create_pod(inputs.create_body())
        except InvalidRequestError as exc:
            hint = _hint(client, inputs)
            raise GpuCloudError(f"{what}: RunPod refused the pod: {exc.message}{hint}") from exc
        where = f"{pod.data_center_id or 'a data center'} ({pod.cloud or inputs.cloud_type})"
        report(f"{what}: created {pod.id} in {where}")
        return pod

    def object_id(self, obj: ApiPod) -> str:
        return obj.id

    def mark_of(self, obj: ApiPod) -> str | None:
        return obj.env.get(OWNER_ENV)

    def reference_exists(self, field: str, value: str) -> bool | None:
        return reference_exists(self.client(), field, value)

    def choices(self, field: str) -> Choices | None:
        return catalog_choices(self.client(), field)

    def inventory(self) -> list[Inventoried]:
        return [
            Inventoried(p.id, p.name, p.env.get(OWNER_ENV), p.created_at, p.cost)
            for p in self.client().list_pods()
        ]

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiPod:
        return self.client().get_pod(id_)

    def explain(self, obj: ApiPod) -> ApiPod:
        """A pod in ERROR comes with RunPod's own last log lines: its answer does not
        say why."""
        if obj.observe().phase is not Phase.FAILED:
            return obj
        said = system_tail(self.client(), obj.id)
        return obj.model_copy(update={"failure_log": said}) if said else obj

    def observe(self, obj: ApiPod) -> Observed[ApiPod]:
        return obj.observe()

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_pod(id_)

    def outputs(self, obj: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
        return outputs(obj)

    def reflect(self, obj: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
        return reflected(obj, state)

    def ssh_endpoint(self, obj: ApiPod, state: Mapping[str, Any]) -> tuple[str, int] | None:
        """The pod's own sshd (direct SSH); through RunPod's proxy there is nothing of the
        pod's to check."""
        direct = obj.ssh.direct if obj.status == "RUNNING" else None
        return (direct.host, direct.port) if direct else None

    def start_object(self, id_: str, state: Mapping[str, Any]) -> None:
        try:
            act(self.client(), id_, "start")
        except InvalidRequestError as exc:
            raise GpuCloudError(
                f"{self.describe(state)} ({id_}) could not be started: {exc.message}"
            ) from exc

    def stop_object(self, id_: str, state: Mapping[str, Any]) -> None:
        act(self.client(), id_, "stop")

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: PodInputs, changed: set[str]
    ) -> set[str]:
        """One ``PATCH /pods/{id}`` for every container change (RunPod restarts it)."""
        client = self.client()
        patch = _patch(client, id_, state, inputs, changed)
        if patch:
            report(f"{self.describe(inputs.model_dump())}: updating {', '.join(sorted(patch))}")
            client.update_pod(id_, patch)
        return changed


def _patch(
    client: RunPodClient,
    id_: str,
    state: Mapping[str, Any],
    inputs: PodInputs,
    changed: set[str],
) -> dict[str, Any]:
    """The ``PATCH /pods/{id}`` body for the in-place changes (empty: none to send)."""
    patch: dict[str, Any] = {}
    for field, key in (
        ("name", "name"),
        ("image", "image"),
        ("args", "args"),
        ("exposed_ports", "ports"),
        ("container_disk_gb", "disk"),
    ):
        value = getattr(inputs, field)
        if field in changed and value is not None:
            patch[key] = value
    if "registry_id" in changed:
        patch["registry"] = inputs.registry_id  # None: no credentials any more
    if changed & {"env", "ssh_public_keys", "volume_mount_path"}:
        live = client.get_pod(id_)
        if changed & {"env", "ssh_public_keys"}:
            before = managed_env(state.get("env"), state.get("ssh_public_keys"))
            env = {k: v for k, v in live.env.items() if k not in before}
            env.update(inputs.managed_env())
            if env != live.env:
                patch["env"] = env
        if "volume_mount_path" in changed and inputs.volume_mount_path is not None:
            patch["mounts"] = _moved_mount(live, inputs.volume_mount_path)
    return patch


def _warn_without_keys(client: RunPodClient, inputs: PodInputs, what: str) -> None:
    if not inputs.start_ssh or "PUBLIC_KEY" in inputs.managed_env():
        return
    try:
        keys = client.list_ssh_keys()
    except ApiError:
        return  # a key without the account scope: nothing to warn about for sure
    if not keys:
        report(
            f"warning: {what}: start_ssh is set but no ssh_public_keys are given and the "
            "RunPod account has no registered SSH keys, so SSH will refuse every login"
        )


def _moved_mount(live: ApiPod, path: str) -> dict[str, Any]:
    if live.mounts.persistent is not None:
        return {"persistent": {"size": live.mounts.persistent.size, "path": path}}
    if live.mounts.network:
        return {"network": [{"volumeId": live.mounts.network[0].volume_id, "path": path}]}
    raise GpuCloudError(f"runpod pod {live.id} has no volume to move to {path}")


def _hint(client: RunPodClient, inputs: PodInputs) -> str:
    """Where the wanted GPU is in stock now, to make a refused create actionable."""
    if inputs.gpu_type is None:
        return ""
    try:
        catalog = client.list_gpu_types(
            availability=True, count=inputs.gpu_count, cloud=inputs.cloud_type
        )
    except GpuCloudError:
        return ""
    wanted = next((g for g in catalog if g.id == inputs.gpu_type), None)
    if wanted is None:
        close = [g.id for g in catalog if inputs.gpu_type.lower() in f"{g.id} {g.name}".lower()]
        known = close or [g.id for g in catalog]
        return f". Known GPU types: {', '.join(known[:8])}"
    stocked = [d for d in wanted.data_centers if d.availability != "NONE"]
    count = f"{inputs.gpu_count}x {wanted.id} on {inputs.cloud_type}"
    if not stocked:
        stocked_types = [
            g
            for g in catalog
            if g.availability not in (None, "NONE") and g.offered_in(inputs.cloud_type)
        ]
        alternatives = sorted(stocked_types, key=lambda g: g.price_per_gpu(inputs.cloud_type))[:3]
        others = ", ".join(
            f"{g.id} (${g.price_per_gpu(inputs.cloud_type):.2f}/GPU/h)" for g in alternatives
        )
        return f". No data center has {count} now" + (f"; in stock: {others}" if others else "")
    places = ", ".join(f"{d.id} ({d.availability})" for d in stocked)
    return f". {count} is in stock now in: {places}"


class Pod(Machine, module="runpod", name="Pod"):
    """A RunPod pod: a container on GPUs (or CPUs), waited on until it can be used.

    ``pulumi up`` creates the pod and waits until it is RUNNING with its TCP ports
    mapped and SSH details present; ERROR ends the wait at once, terminates the pod and
    reports. ``desired_status="stopped"`` stops it in place (the GPUs are released and
    billing for them stops; volumes are kept) and ``"running"`` starts it again and waits.
    If the pod is stopped outside Pulumi, ``pulumi refresh`` shows it and the next
    ``pulumi up`` starts it again; if it is terminated outside Pulumi, refresh removes it.

    Example::

        import pulumi
        import pulumi_gpu.runpod as runpod

        data = runpod.NetworkVolume("data", size_gb=100, data_center_id="US-KS-2")
        pod = runpod.Pod(
            "trainer",
            gpu_type="NVIDIA GeForce RTX 4090",
            image="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
            exposed_ports=["8888/http", "22/tcp"],
            network_volume_id=data.id,
            ssh_public_keys=["ssh-ed25519 AAAA... me@laptop"],
        )
        pulumi.export("ssh", pod.ssh_command)
    """

    name: pulumi.Output[str]
    """Pod name in RunPod (``cloud_status``: PROVISIONING, STARTING, RUNNING, EXITED,
    ERROR or TERMINATED). ``ssh_command`` is direct (``ssh root@IP -p PORT``) when 22/tcp
    is exposed, else through RunPod's SSH proxy; None while stopped. ``ports`` change at
    every start; ``cost_per_hour`` is 0 while stopped."""
    desired_status: pulumi.Output[DesiredStatus]
    """'running' or 'stopped', as declared."""
    ssh_proxy_command: pulumi.Output[str | None]
    """SSH through ``ssh.runpod.io`` (a shell only: no scp, sftp or port forwarding)."""
    http_urls: pulumi.Output[dict[str, str]]
    """Container HTTP port -> ``https://<pod id>-<port>.proxy.runpod.net``."""
    data_center_id: pulumi.Output[str | None]
    cuda_version: pulumi.Output[str | None]
    compute: pulumi.Output[str | None]
    """What the pod runs on, e.g. ``1x NVIDIA GeForce RTX 4090``."""
    jupyter_password: pulumi.Output[str | None]
    """JupyterLab's password (secret), with start_jupyter."""
    runtime: pulumi.Output[dict[str, Any] | None]
    """While it runs, as of the last ``up`` or ``refresh``: ``uptime_seconds``, ``gpu_util``
    and ``gpu_memory_util`` (percent, per GPU), ``cpu_util``, ``memory_util``."""

    def __init__(
        self,
        resource_name: str,
        *,
        gpu_type: pulumi.Input[str] | None = None,
        cpu_flavor: pulumi.Input[str] | None = None,
        gpu_count: pulumi.Input[int] | None = None,
        vcpu_count: pulumi.Input[int] | None = None,
        image: pulumi.Input[str] | None = None,
        registry_id: pulumi.Input[str] | None = None,
        template_id: pulumi.Input[str] | None = None,
        args: pulumi.Input[str] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        exposed_ports: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        ports: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        container_disk_gb: pulumi.Input[int] | None = None,
        volume_gb: pulumi.Input[int] | None = None,
        network_volume_id: pulumi.Input[str] | None = None,
        volume_mount_path: pulumi.Input[str] | None = None,
        cloud_type: pulumi.Input[CloudType] | None = None,
        data_center_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        allowed_cuda_versions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        min_cuda_version: pulumi.Input[str] | None = None,
        start_ssh: pulumi.Input[bool] | None = None,
        start_jupyter: pulumi.Input[bool] | None = None,
        desired_status: pulumi.Input[DesiredStatus] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        wait_for_ssh: pulumi.Input[bool] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a pod; see :class:`PodInputs` for every input's rules."""
        self._register(
            PodProvider(),
            resource_name,
            {
                "name": name,
                "gpu_type": gpu_type,
                "cpu_flavor": cpu_flavor,
                "gpu_count": gpu_count,
                "vcpu_count": vcpu_count,
                "image": image,
                "registry_id": registry_id,
                "template_id": template_id,
                "args": args,
                "env": env,
                "exposed_ports": exposed_ports,
                "ports": ports,  # renamed exposed_ports in 0.1.1: taken with a warning
                "ssh_public_keys": ssh_public_keys,
                "container_disk_gb": container_disk_gb,
                "volume_gb": volume_gb,
                "network_volume_id": network_volume_id,
                "volume_mount_path": volume_mount_path,
                "cloud_type": cloud_type,
                "data_center_ids": data_center_ids,
                "allowed_cuda_versions": allowed_cuda_versions,
                "min_cuda_version": min_cuda_version,
                "start_ssh": start_ssh,
                "start_jupyter": start_jupyter,
                "desired_status": desired_status,
                "wait_timeout": wait_timeout,
                "wait_for_ssh": wait_for_ssh,
                "adopt_id": adopt_id,
            },
            opts,
        )
