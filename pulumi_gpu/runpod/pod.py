"""``runpod.Pod``: a GPU (or CPU) pod on RunPod, waited on until SSH and its ports work,
stopped and started in place through ``desired_status``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pulumi
from pydantic import Field, ValidationInfo, field_validator, model_validator

from pulumi_gpu.core.checks import check_env_names
from pulumi_gpu.core.errors import (
    ApiError,
    ConflictError,
    GpuCloudError,
    InvalidRequestError,
    NotFoundError,
    TransportError,
)
from pulumi_gpu.core.lifecycle import cleanup_on_failure, create_once
from pulumi_gpu.core.log import report
from pulumi_gpu.core.provider import (
    REPLACES,
    SECRET,
    Change,
    GpuProvider,
    ResourceInputs,
    contains_unknown,
    references,
)
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.core.ssh import check_public_keys
from pulumi_gpu.core.waiting import wait_for
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.models import (
    ERROR,
    EXITED,
    TERMINATED,
    check_ports,
    desired_status_of,
    proxy_url,
)
from pulumi_gpu.runpod.models import Pod as ApiPod

__all__ = ["Pod", "PodInputs"]

_CUDA = r"^\d+\.\d+$"
DEFAULT_MOUNT_PATH = "/workspace"
DEFAULT_DISK_GB = 50
DEFAULT_VCPUS = 2

DesiredStatus = Literal["running", "stopped"]
Cloud = Literal["SECURE", "COMMUNITY"]


class PodInputs(ResourceInputs):
    """Inputs of a RunPod pod.

    What the pod is placed on (GPU type and count, CPU flavor, cloud, template, CUDA
    constraints, SSH/Jupyter provisioning, the kind and size of its volume) is fixed at
    create, so a change replaces the pod. The container (image, args, env, ports,
    container disk, SSH keys), its mount path, its name and ``desired_status`` update in
    place; RunPod restarts a running container to apply container changes.
    """

    name: str = Field(
        min_length=1, max_length=191, description="Pod name in RunPod; updates in place."
    )
    gpu_type: str | None = Field(
        None,
        min_length=1,
        description=(
            "GPU type id from the catalog (runpod.get_gpu_types), e.g. "
            "'NVIDIA GeForce RTX 4090'. Exactly one of gpu_type and cpu_flavor."
        ),
        examples=["NVIDIA GeForce RTX 4090", "NVIDIA A100 80GB PCIe", "NVIDIA H100 80GB HBM3"],
        json_schema_extra=REPLACES,
    )
    cpu_flavor: str | None = Field(
        None,
        min_length=1,
        description="CPU flavor id for a CPU-only pod, e.g. 'cpu5c' (instead of gpu_type).",
        examples=["cpu3c", "cpu5c"],
        json_schema_extra=REPLACES,
    )
    gpu_count: int = Field(
        1, ge=1, le=16, description="GPUs on the pod (GPU pods only).", json_schema_extra=REPLACES
    )
    vcpu_count: int | None = Field(
        None,
        ge=2,
        le=512,
        description="vCPUs of a CPU pod, a power of two (default 2).",
        json_schema_extra=REPLACES,
    )
    image: str | None = Field(
        None,
        min_length=1,
        description=(
            "Container image, e.g. 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04'; "
            "required unless template_id is given (then it overrides the template's)."
        ),
    )
    template_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "Template to take the container settings from (a runpod.Template's id, or a public "
            "template id). Settings given here win over the template's; env is merged."
        ),
        json_schema_extra=references("templates"),
    )
    args: str | None = Field(
        None, description="Arguments passed to the container entrypoint (default: none)."
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Environment variables of the container; kept secret in the state. Variables set "
            "outside this input (by the template, or by RunPod) are left alone."
        ),
        json_schema_extra=SECRET,
    )
    ports: list[str] | None = Field(
        None,
        description=(
            "Exposed ports as '<port>/http' (behind RunPod's HTTPS proxy) or '<port>/tcp' "
            "(a public port). Default: the template's, else ['22/tcp'] with start_ssh."
        ),
        examples=[["8888/http", "22/tcp"]],
    )
    ssh_public_keys: list[str] | None = Field(
        None,
        min_length=1,
        description=(
            "OpenSSH public keys allowed to log in (sent as PUBLIC_KEY). Default: the keys "
            "registered on the RunPod account, provisioned at create by start_ssh."
        ),
    )
    container_disk_gb: int | None = Field(
        None,
        ge=1,
        le=10000,
        description="Container disk in GB, wiped on every restart (default: template's, else 50).",
    )
    volume_gb: int | None = Field(
        None,
        ge=10,
        le=10000,
        description=(
            "Size in GB of a persistent volume on the pod's machine. It is deleted with the "
            "pod, so a change replaces the pod; prefer network_volume_id for data to keep."
        ),
        json_schema_extra=REPLACES,
    )
    network_volume_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "A runpod.NetworkVolume to mount; the pod is placed in the volume's data center "
            "and the volume outlives the pod."
        ),
        json_schema_extra=references("disks"),
    )
    volume_mount_path: str | None = Field(
        None,
        pattern=r"^/",
        description="Where the volume is mounted in the container (default /workspace).",
    )
    cloud_type: Cloud = Field(
        "SECURE",
        description="SECURE (RunPod data centers) or COMMUNITY (hosted by others, cheaper).",
        json_schema_extra=REPLACES,
    )
    data_center_ids: list[str] = Field(
        default_factory=list,
        description=(
            "Data centers to place the pod in, in order of preference (empty: any). A new "
            "list that still contains the pod's data center changes nothing."
        ),
        examples=[["US-KS-2", "EU-RO-1"]],
    )
    allowed_cuda_versions: list[str] | None = Field(
        None,
        description="CUDA versions the machine may have, as 'major.minor' (GPU pods).",
        examples=[["12.8", "12.6"]],
        json_schema_extra=REPLACES,
    )
    min_cuda_version: str | None = Field(
        None,
        pattern=_CUDA,
        description="Lowest CUDA version the machine may have, e.g. '12.4' (GPU pods).",
        json_schema_extra=REPLACES,
    )
    start_ssh: bool = Field(
        True,
        description="Have RunPod set up SSH access (with the account's or the given keys).",
        json_schema_extra=REPLACES,
    )
    start_jupyter: bool = Field(
        False,
        description=(
            "Have RunPod start JupyterLab with a generated password (output "
            "jupyter_password); expose '8888/http' to reach it."
        ),
        json_schema_extra=REPLACES,
    )
    desired_status: DesiredStatus = Field(
        "running",
        description=(
            "'running' or 'stopped'. Stopping releases the GPUs (and stops billing for them) "
            "and keeps the volumes; starting waits until the pod is reachable again."
        ),
    )
    wait_timeout: float = Field(
        1200, gt=0, description="Seconds to wait for the pod to run, stop or go away."
    )

    @field_validator("gpu_count")
    @classmethod
    def _gpu_only(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("cpu_flavor"):
            raise ValueError("gpu_count applies to GPU pods (gpu_type) only")
        return value

    @field_validator("vcpu_count")
    @classmethod
    def _vcpus(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return value
        if info.data.get("gpu_type"):
            raise ValueError("vcpu_count applies to CPU pods (cpu_flavor) only")
        if value & (value - 1):
            raise ValueError(f"vcpu_count must be a power of two (2, 4, 8, ...), got {value}")
        return value

    @field_validator("env")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        check_env_names(value)
        return value

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            check_ports(value)
        return value

    @field_validator("ssh_public_keys")
    @classmethod
    def _keys(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return value
        check_public_keys(value)
        if "PUBLIC_KEY" in (info.data.get("env") or {}):
            raise ValueError("give SSH keys either in ssh_public_keys or as env PUBLIC_KEY")
        return value

    @field_validator("volume_gb")
    @classmethod
    def _persistent(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("cpu_flavor"):
            raise ValueError("CPU pods cannot have a persistent volume; use network_volume_id")
        return value

    @field_validator("network_volume_id")
    @classmethod
    def _network(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("volume_gb") is not None:
            raise ValueError("give either volume_gb (persistent) or network_volume_id, not both")
        return value

    @field_validator("volume_mount_path")
    @classmethod
    def _mount_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        sources = ("volume_gb", "network_volume_id", "template_id")
        if any(k not in info.data for k in sources):
            return value  # one of them is not known yet (a preview) or invalid
        if value is not None and not any(info.data[k] for k in sources):
            raise ValueError("volume_mount_path needs volume_gb, network_volume_id or template_id")
        return value

    @field_validator("cloud_type")
    @classmethod
    def _cloud(cls, value: str, info: ValidationInfo) -> str:
        if value == "COMMUNITY" and info.data.get("network_volume_id"):
            raise ValueError("network volumes attach to SECURE cloud pods only")
        return value

    @field_validator("allowed_cuda_versions")
    @classmethod
    def _cuda_list(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return value
        if info.data.get("cpu_flavor"):
            raise ValueError("CUDA constraints apply to GPU pods only")
        bad = [v for v in value if not re.match(_CUDA, v)]
        if bad:
            raise ValueError(f"CUDA versions are 'major.minor', e.g. '12.8'; got {bad}")
        return value

    @field_validator("min_cuda_version")
    @classmethod
    def _cuda_floor(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("cpu_flavor"):
            raise ValueError("CUDA constraints apply to GPU pods only")
        if info.data.get("allowed_cuda_versions"):
            raise ValueError("give either allowed_cuda_versions or min_cuda_version, not both")
        return value

    @model_validator(mode="after")
    def _compute_and_image(self) -> PodInputs:
        if (self.gpu_type is None) == (self.cpu_flavor is None):
            raise ValueError("give exactly one of gpu_type (a GPU pod) and cpu_flavor (a CPU pod)")
        if self.image is None and self.template_id is None:
            raise ValueError("give image, or template_id to take the image from a template")
        return self

    # -- what the inputs mean ---------------------------------------------------------

    def managed_env(self) -> dict[str, str]:
        """The variables this resource owns: ``env`` plus PUBLIC_KEY from the SSH keys."""
        return managed_env(self.env, self.ssh_public_keys)

    def create_body(self) -> dict[str, Any]:
        """The ``POST /pods`` request."""
        body: dict[str, Any] = {
            "name": self.name,
            "cloud": self.cloud_type,
            "startSsh": self.start_ssh,
            "startJupyter": self.start_jupyter,
        }
        if self.gpu_type is not None:
            gpu: dict[str, Any] = {"id": self.gpu_type, "count": self.gpu_count}
            if self.allowed_cuda_versions is not None:
                gpu["allowedCudaVersions"] = self.allowed_cuda_versions
            if self.min_cuda_version is not None:
                gpu["minCudaVersion"] = self.min_cuda_version
            body["gpu"] = gpu
        else:
            body["cpu"] = {"id": self.cpu_flavor, "vcpuCount": self.vcpu_count or DEFAULT_VCPUS}
        if self.template_id is not None:
            body["templateId"] = self.template_id
        if self.image is not None:
            body["image"] = self.image
        if self.args is not None:
            body["args"] = self.args
        env = self.managed_env()
        if env:
            body["env"] = env
        if self.ports is not None:
            body["ports"] = self.ports
        elif self.template_id is None:
            body["ports"] = ["22/tcp"] if self.start_ssh else []
        if self.container_disk_gb is not None:
            body["disk"] = self.container_disk_gb
        elif self.template_id is None:
            body["disk"] = DEFAULT_DISK_GB
        path = self.volume_mount_path or DEFAULT_MOUNT_PATH
        if self.volume_gb is not None:
            body["mounts"] = {"persistent": {"size": self.volume_gb, "path": path}}
        elif self.network_volume_id is not None:
            body["mounts"] = {"network": [{"volumeId": self.network_volume_id, "path": path}]}
        if self.data_center_ids:
            body["dataCenterIds"] = self.data_center_ids
        return body


def managed_env(env: Mapping[str, str] | None, keys: Sequence[str] | None) -> dict[str, str]:
    found = dict(env or {})
    if keys:
        found["PUBLIC_KEY"] = "\n".join(k.strip() for k in keys)
    return found


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
    return {
        "status": pod.status,
        "ssh_command": ssh.command if ssh else None,
        "ssh_proxy_command": proxy.command if proxy else None,
        "ssh_host": ssh.host if ssh else None,
        "ssh_port": ssh.port if ssh else None,
        "ssh_user": ssh.username if ssh else None,
        "public_ip": pod.public_ip,
        "mapped_ports": {str(k): v for k, v in sorted(pod.public_ports.items())},
        "http_urls": {str(p): proxy_url(pod.id, p) for p in pod.exposed("http")} if running else {},
        "cost_per_hour": pod.cost,
        "data_center_id": pod.data_center_id,
        "cuda_version": pod.cuda_version,
        "compute": compute,
        "jupyter_password": pod.env.get("JUPYTER_PASSWORD"),
    }


def reflected(pod: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
    """Input-named values as they really are, so ``pulumi refresh`` shows drift.

    Only what the program set is compared: a value left to the template or to RunPod's
    default is not reported as drift.
    """
    live: dict[str, Any] = {"name": pod.name, "desired_status": desired_status_of(pod.status)}
    for name, value in (
        ("image", pod.image),
        ("args", pod.args),
        ("ports", pod.ports),
        ("container_disk_gb", pod.disk),
    ):
        if state.get(name) is not None:
            live[name] = value
    wanted = dict(state.get("env") or {})
    live["env"] = {k: pod.env[k] for k in wanted if k in pod.env}
    if state.get("ssh_public_keys"):
        given = pod.env.get("PUBLIC_KEY", "")
        live["ssh_public_keys"] = [k for k in given.split("\n") if k.strip()] or None
    if state.get("volume_mount_path") is not None:
        mount = pod.mounts.persistent or next(iter(pod.mounts.network), None)
        live["volume_mount_path"] = mount.path if mount else None
    return live


def _pod_or_none(client: RunPodClient, pod_id: str) -> ApiPod | None:
    try:
        pod = client.get_pod(pod_id)
    except NotFoundError:
        return None
    return None if pod.status == TERMINATED else pod


def terminate_and_wait(client: RunPodClient, pod_id: str, timeout: float) -> None:
    """Terminate a pod (already gone is fine) and wait until RunPod confirms."""
    try:
        client.delete_pod(pod_id)
    except NotFoundError:
        return
    wait_for(
        f"runpod pod {pod_id} termination",
        lambda: _pod_or_none(client, pod_id),
        status=lambda p: p.status if p else "gone",
        ready=lambda p: p is None,
        timeout=timeout,
    )


def wait_ready(client: RunPodClient, pod_id: str, what: str, timeout: float) -> ApiPod:
    """Wait until RUNNING with every TCP port mapped and SSH details; ERROR ends it."""
    seen_moving = False

    def fetch() -> ApiPod:
        nonlocal seen_moving
        pod = client.get_pod(pod_id)
        seen_moving = seen_moving or pod.status != EXITED
        return pod

    def failure(pod: ApiPod) -> str | None:
        if pod.status == ERROR:
            return (
                "the container is in an unrecoverable error state; its logs are on RunPod "
                f"(GET /v2/pods/{pod_id}/logs)"
            )
        if pod.status == TERMINATED:
            return "the pod was terminated"
        if pod.status == EXITED and seen_moving:
            return "the pod stopped (EXITED) before it was ready"
        return None

    return wait_for(
        what,
        fetch,
        status=lambda p: p.describe(),
        ready=lambda p: p.ready,
        failure=failure,
        timeout=timeout,
    )


def wait_stopped(client: RunPodClient, pod_id: str, what: str, timeout: float) -> ApiPod:
    return wait_for(
        what,
        lambda: client.get_pod(pod_id),
        status=lambda p: p.status,
        ready=lambda p: p.status in (EXITED, ERROR),
        failure=lambda p: "the pod was terminated" if p.status == TERMINATED else None,
        timeout=timeout,
    )


_ACTION_TARGETS = {"start": ("STARTING", "RUNNING"), "stop": (EXITED,)}


def act(client: RunPodClient, pod: ApiPod, action: str, *, attempts: int = 2) -> ApiPod:
    """Start or stop a pod. Both set a state, so when the answer is lost the pod is read
    and the action sent again if it did not take; a 409 because the pod already got
    there is success."""
    target = _ACTION_TARGETS[action]
    for attempt in range(attempts):
        try:
            done = client.pod_action(pod.id, action)
        except ConflictError:
            now = client.get_pod(pod.id)
            if now.status in target:
                return now
            raise
        except (ApiError, TransportError) as exc:
            if not exc.outcome_unknown:
                raise
            now = client.get_pod(pod.id)
            if now.status in target:
                return now
            if attempt + 1 >= attempts:
                raise
            report(f"runpod pod {pod.id}: the answer to {action} was lost; sending it again")
            continue
        return done if done is not None else client.get_pod(pod.id)
    raise AssertionError("unreachable")  # pragma: no cover


def converge(client: RunPodClient, pod: ApiPod, inputs: PodInputs, what: str) -> ApiPod:
    """Bring the pod to ``desired_status``: stop it, or start it and wait until reachable."""
    if inputs.desired_status == "stopped":
        if pod.status in (EXITED, ERROR):
            return pod
        report(f"{what}: stopping (the GPUs are released, the volumes kept)")
        act(client, pod, "stop")
        return wait_stopped(client, pod.id, what, inputs.wait_timeout)
    if pod.status in (EXITED, ERROR):
        report(f"{what}: starting")
        try:
            pod = act(client, pod, "start")
        except InvalidRequestError as exc:
            raise GpuCloudError(f"{what} could not be started: {exc.message}") from exc
    if pod.ready:
        return pod
    return wait_ready(client, pod.id, what, inputs.wait_timeout)


class PodProvider(GpuProvider[PodInputs]):
    inputs_model = PodInputs
    kind = "runpod Pod"

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
        unsettable = ("image", "args", "ports", "container_disk_gb", "volume_mount_path")
        if field in (*unsettable, "ssh_public_keys") and new is None:
            # Back to the template's or RunPod's value: only a new pod can do that.
            return Change.REPLACE
        return super().change_kind(field, olds, news)

    def create_resource(self, inputs: PodInputs) -> tuple[str, dict[str, Any]]:
        client = runpod_client()
        what = f"runpod pod {inputs.name}"
        self._warn_without_keys(client, inputs, what)
        try:
            pod = create_once(
                what,
                lambda: client.create_pod(inputs.create_body()),
                existing=lambda: [p for p in client.list_pods() if p.name == inputs.name],
                ident=lambda p: p.id,
            )
        except InvalidRequestError as exc:
            hint = _hint(client, inputs)
            raise GpuCloudError(f"{what}: RunPod refused the pod: {exc.message}{hint}") from exc
        where = f"{pod.data_center_id or 'a data center'} ({pod.cloud or inputs.cloud_type})"
        report(f"{what}: created {pod.id} in {where}")
        label = f"{what} ({pod.id})"

        def ready() -> ApiPod:
            found = wait_ready(client, pod.id, label, inputs.wait_timeout)
            return converge(client, found, inputs, label)

        done = cleanup_on_failure(
            what,
            pod.id,
            wait=ready,
            delete=lambda: terminate_and_wait(client, pod.id, inputs.wait_timeout),
        )
        return done.id, outputs(done)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        pod = _pod_or_none(runpod_client(), id_)
        if pod is None:
            return None
        return {**reflected(pod, state), **outputs(pod)}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: PodInputs, changed: set[str]
    ) -> dict[str, Any]:
        client = runpod_client()
        what = f"runpod pod {inputs.name} ({id_})"
        patch = self._patch(client, id_, state, inputs, changed)
        if patch:
            report(f"{what}: updating {', '.join(sorted(patch))}")
        pod = client.update_pod(id_, patch) if patch else client.get_pod(id_)
        return outputs(converge(client, pod, inputs, what))

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        timeout = float(state.get("wait_timeout") or 1200)
        terminate_and_wait(runpod_client(), id_, timeout)

    # -- helpers ----------------------------------------------------------------------

    def _patch(
        self,
        client: RunPodClient,
        id_: str,
        state: dict[str, Any],
        inputs: PodInputs,
        changed: set[str],
    ) -> dict[str, Any]:
        """The ``PATCH /pods/{id}`` body for the in-place changes (empty: none)."""
        patch: dict[str, Any] = {}
        for field, key in (
            ("name", "name"),
            ("image", "image"),
            ("args", "args"),
            ("ports", "ports"),
            ("container_disk_gb", "disk"),
        ):
            value = getattr(inputs, field)
            if field in changed and value is not None:
                patch[key] = value
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

    def _warn_without_keys(self, client: RunPodClient, inputs: PodInputs, what: str) -> None:
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


class Pod(GpuResource, module="runpod", name="Pod"):
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
            ports=["8888/http", "22/tcp"],
            network_volume_id=data.id,
            ssh_public_keys=["ssh-ed25519 AAAA... me@laptop"],
        )
        pulumi.export("ssh", pod.ssh_command)
    """

    _secret_outputs = ("jupyter_password",)

    name: pulumi.Output[str]
    """Pod name in RunPod."""
    desired_status: pulumi.Output[str]
    """'running' or 'stopped', as the pod really is after a refresh."""
    status: pulumi.Output[str]
    """RunPod status: PROVISIONING, STARTING, RUNNING, EXITED, ERROR or TERMINATED."""
    ssh_command: pulumi.Output[str | None]
    """Ready-to-run SSH command: direct (``ssh root@IP -p PORT``) when 22/tcp is exposed,
    else through RunPod's SSH proxy. None while stopped."""
    ssh_proxy_command: pulumi.Output[str | None]
    """SSH through ``ssh.runpod.io`` (a shell only: no scp, sftp or port forwarding)."""
    ssh_host: pulumi.Output[str | None]
    ssh_port: pulumi.Output[int | None]
    ssh_user: pulumi.Output[str | None]
    public_ip: pulumi.Output[str | None]
    mapped_ports: pulumi.Output[dict[str, int]]
    """Container TCP port -> public port on ``public_ip`` (they change at every start)."""
    http_urls: pulumi.Output[dict[str, str]]
    """Container HTTP port -> ``https://<pod id>-<port>.proxy.runpod.net``."""
    cost_per_hour: pulumi.Output[float]
    """USD per hour for the pod's compute now (0 while stopped)."""
    data_center_id: pulumi.Output[str | None]
    cuda_version: pulumi.Output[str | None]
    compute: pulumi.Output[str | None]
    """What the pod runs on, e.g. ``1x NVIDIA GeForce RTX 4090``."""
    jupyter_password: pulumi.Output[str | None]
    """JupyterLab's password (secret), with start_jupyter."""

    def __init__(
        self,
        resource_name: str,
        *,
        gpu_type: pulumi.Input[str] | None = None,
        cpu_flavor: pulumi.Input[str] | None = None,
        gpu_count: pulumi.Input[int] | None = None,
        vcpu_count: pulumi.Input[int] | None = None,
        image: pulumi.Input[str] | None = None,
        template_id: pulumi.Input[str] | None = None,
        args: pulumi.Input[str] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        ports: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        container_disk_gb: pulumi.Input[int] | None = None,
        volume_gb: pulumi.Input[int] | None = None,
        network_volume_id: pulumi.Input[str] | None = None,
        volume_mount_path: pulumi.Input[str] | None = None,
        cloud_type: pulumi.Input[str] | None = None,
        data_center_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        allowed_cuda_versions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        min_cuda_version: pulumi.Input[str] | None = None,
        start_ssh: pulumi.Input[bool] | None = None,
        start_jupyter: pulumi.Input[bool] | None = None,
        desired_status: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a pod; see :class:`PodInputs` for every input's rules."""
        self._register(
            PodProvider(),
            resource_name,
            {
                "name": name or default_name(resource_name),
                "gpu_type": gpu_type,
                "cpu_flavor": cpu_flavor,
                "gpu_count": gpu_count,
                "vcpu_count": vcpu_count,
                "image": image,
                "template_id": template_id,
                "args": args,
                "env": env,
                "ports": ports,
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
            },
            opts,
        )
