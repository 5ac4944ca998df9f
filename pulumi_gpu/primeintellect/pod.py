"""``primeintellect.Pod``: a GPU pod created from an availability offer, ready for SSH."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from pulumi_gpu.core.checking import exists
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.identity import Inventoried, NameRule
from pulumi_gpu.core.inputs import contains_unknown
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.pricing import PriceCap
from pulumi_gpu.core.provider import Change, GpuProvider, Replacement
from pulumi_gpu.core.resource import Machine, machine_outputs
from pulumi_gpu.primeintellect import offers
from pulumi_gpu.primeintellect.client import PrimeClient, prime_client
from pulumi_gpu.primeintellect.models import (
    GpuType,
    Image,
    ProviderType,
    Region,
    Security,
    Socket,
)
from pulumi_gpu.primeintellect.models import Pod as ApiPod
from pulumi_gpu.primeintellect.pod_inputs import OFFER_FIELDS, PodInputs

__all__ = ["Pod", "PodInputs"]


def _outputs(pod: ApiPod, offer: Mapping[str, Any]) -> dict[str, Any]:
    ports = {m.internal: int(m.external) for m in pod.prime_port_mapping if m.external.isdigit()}
    jupyter = next((m for m in pod.prime_port_mapping if m.used_by == "JUPYTER_NOTEBOOK"), None)
    price = pod.price_hr if pod.price_hr is not None else offer.get("price_per_hour")
    found = machine_outputs(
        f"ssh {pod.ssh_connection}" if pod.ssh_connection else None,
        ports=ports,
        public_ip=pod.ip,
        cost_per_hour=price,
    )
    address = found["ssh_host"] or pod.ip
    return {
        **found,
        "installation_status": pod.installation_status,
        "installation_progress": pod.installation_progress,
        "resources": pod.resources.model_dump(),
        "port_mappings": [
            {
                "internal": m.internal,
                "external": m.external,
                "protocol": m.protocol,
                "used_by": m.used_by,
                "description": m.description,
            }
            for m in pod.prime_port_mapping
        ],
        "jupyter_url": f"http://{address}:{jupyter.external}/" if jupyter and address else None,
        "provider_type": pod.provider_type or offer.get("provider"),
        "offer": {**offer, "price_per_hour": price},
    }


def _reflect(state: Mapping[str, Any], pod: ApiPod) -> dict[str, Any]:
    """Input-named values as the pod really is, so refresh shows drift."""
    live: dict[str, Any] = {
        "name": pod.name or state.get("name"),
        "gpu_type": pod.gpu_name or state.get("gpu_type"),
        "gpu_count": pod.gpu_count or state.get("gpu_count"),
    }
    optional = {
        "socket": pod.socket,
        "provider": pod.provider_type,
        "image": pod.environment_type,
        "custom_template_id": pod.custom_template_id,
        "disk_size": pod.resources.disk,
        "vcpus": pod.resources.vcpus,
        "memory": pod.resources.memory,
    }
    for name, value in optional.items():
        if state.get(name) is not None and value not in (None, ""):
            live[name] = value
    if state.get("disk_ids"):
        live["disk_ids"] = [a.id for a in pod.attached_resources if a.resource_type == "DISK"]
    return live


class PodProvider(GpuProvider[PodInputs, ApiPod]):
    inputs_model = PodInputs
    kind = "primeintellect Pod"
    name_rule = NameRule(underscores=False)
    batched = True
    listed = True
    visible_after = 30.0

    def client(self) -> PrimeClient:
        return prime_client()

    def reference_exists(self, field: str, value: str) -> bool | None:
        client = self.client()
        if field == "disk_ids":
            return exists(client.get_disk, value)
        if field == "ssh_key_id":
            return any(key.id == value for key in client.list_ssh_keys())
        return None

    def price_cap(self, inputs: PodInputs) -> PriceCap | None:
        return offers.price_cap(self.client, inputs)

    # -- policy ---------------------------------------------------------------------

    def check_inputs(
        self, olds: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[CheckFailure]:
        """With ``cloud_id`` the offer is known at preview: check sizes, image and price."""
        chosen = offers.judged(values)
        if values.get("cloud_id") is None or contains_unknown(chosen):
            return []
        if olds and offers.judged(olds) == chosen:
            return []  # nothing that picks or sizes the offer changed
        name = values.get("name") if isinstance(values.get("name"), str) else "pod"
        try:
            inputs = PodInputs.model_validate(
                {"name": name, **{k: v for k, v in chosen.items() if v is not None}}
            )
        except ValidationError:
            return []
        try:
            return offers.pinned_offer_failures(self.client(), inputs)
        except GpuCloudError as exc:
            report(f"{self.describe(values)}: could not check the offer at preview: {exc}")
            return []

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field in OFFER_FIELDS:
            return Change.NONE if offers.still_fits(olds, news) else Change.REPLACE
        return super().change_kind(field, olds, news)

    def replacement(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Replacement:
        """Delete first when disks are attached (a new pod cannot always share them); then
        an offer must be in stock for the new pod, or nothing would run afterwards."""
        if not (olds.get("disk_ids") or news.get("disk_ids")):
            return Replacement()
        return Replacement(delete_first=True, blocker=offers.replacement_blocker(self.client, news))

    # -- the cloud object -----------------------------------------------------------

    def list_objects(self) -> list[ApiPod]:
        return self.client().list_pods()

    def find(self, inputs: PodInputs) -> list[ApiPod]:
        return [p for p in self.listing() if p.name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [
            Inventoried(p.id, p.name, None, p.created_at, p.price_hr)
            for p in self.client().list_pods()
        ]

    def create_object(self, inputs: PodInputs, token: str) -> ApiPod:
        what = self.describe(inputs.model_dump())
        pod, offer = offers.create_on_offers(self.client(), inputs, what)
        report(
            f"{what}: created {pod.id}, {offer.gpu_count}x {offer.gpu_type} ({offer.socket}) "
            f"on {offer.provider} {offer.data_center} at ${pod.price_hr or 0:.2f}/h"
        )
        return pod.model_copy(update={"chosen": offer})

    def object_id(self, obj: ApiPod) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiPod:
        return self.client().get_pod(id_)

    def creation_facts(self, made: ApiPod) -> dict[str, Any]:
        """The offer the pod was made from (its answer does not say which)."""
        if made.chosen is None:
            return {}
        return {"offer": offers.offer_record(made.chosen, made.price_hr)}

    def watch_many(self, ids: Sequence[str]) -> dict[str, Observed[ApiPod]]:
        """One ``/pods/status`` request for every pod being waited on."""
        client = self.client()
        seen: dict[str, Observed[ApiPod]] = {}
        for pod_id, status in client.pod_statuses(ids).items():
            look = status.observe()
            if look.phase is Phase.FAILED and status.installation_failure:
                look = replace(look, reason=(look.reason or "") + _last_logs(client, pod_id))
            seen[pod_id] = look
        return seen

    def observe(self, obj: ApiPod) -> Observed[ApiPod]:
        look = obj.as_status().observe()
        return Observed(look.phase, look.status, look.reason, obj, look.note)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_pod(id_)

    def outputs(self, obj: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
        return _outputs(obj, state.get("offer") or {})

    def reflect(self, obj: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
        return _reflect(state, obj)


def _last_logs(client: PrimeClient, pod_id: str, count: int = 5) -> str:
    try:
        lines = client.pod_logs(pod_id, tail=count)
    except GpuCloudError:
        return ""
    return "\nlast log lines:\n" + "\n".join(lines) if lines else ""


class Pod(Machine, module="primeintellect", name="Pod"):
    """A Prime Intellect pod on the cheapest matching offer, waited on until SSH works.

    Give the offer fields from ``primeintellect.get_availability()`` (``cloud_id``,
    ``provider``, ``socket``, ``data_center_id``) to pin an offer, or only the ones you
    care about (``gpu_type``, ``gpu_count``, ``max_price_per_hour``, ``country``...)
    and the cheapest offer in stock that matches is chosen at create time. ``pulumi
    up`` waits until the pod is ACTIVE with its image installed and an SSH connection;
    an installation ERROR ends the wait at once, deletes the pod and shows Prime
    Intellect's reason. Waits of many pods share one ``/pods/status`` request per poll.

    Example::

        import pulumi
        import pulumi_gpu.primeintellect as primeintellect

        data = primeintellect.Disk("data", size=500, provider="hyperstack",
                                   data_center_id="CANADA-1")
        pod = primeintellect.Pod(
            "trainer",
            gpu_type="H100_80GB",
            gpu_count=1,
            provider="hyperstack",
            max_price_per_hour=4,
            image="cuda_12_4_pytorch_2_5",
            disk_ids=[data.id],
            jupyter_password=pulumi.Config().require_secret("jupyterPassword"),
        )
        pulumi.export("ssh", pod.ssh_command)
    """

    name: pulumi.Output[str]
    """Pod name in Prime Intellect (``cloud_status``: PROVISIONING, PENDING, ACTIVE with
    the installation's progress, STOPPED, ERROR, ...)."""
    installation_status: pulumi.Output[str]
    """Image installation: PENDING, ACTIVE, FINISHED or ERROR."""
    installation_progress: pulumi.Output[int | None]
    """Percent of the image installed, as of the last ``up`` or ``refresh``."""
    resources: pulumi.Output[dict[str, int | None]]
    """What the pod has: ``vcpus``, ``memory`` and ``disk`` (GB), ``shared_disk``."""
    port_mappings: pulumi.Output[list[dict[str, Any]]]
    """Prime Intellect's port mappings: internal, external, protocol, used_by, description."""
    jupyter_url: pulumi.Output[str | None]
    """``http://host:port/`` of Jupyter when a password was set (the password is not in it)."""
    provider_type: pulumi.Output[str]
    """The provider the pod runs at, e.g. ``hyperstack``."""
    offer: pulumi.Output[dict[str, Any]]
    """The offer the pod was created from: cloud_id, gpu_type, socket, gpu_count,
    provider, data_center_id, country, region, security, is_spot, price_per_hour."""

    def __init__(
        self,
        resource_name: str,
        *,
        gpu_type: pulumi.Input[GpuType],
        gpu_count: pulumi.Input[int] | None = None,
        socket: pulumi.Input[Socket] | None = None,
        cloud_id: pulumi.Input[str] | None = None,
        provider: pulumi.Input[ProviderType] | None = None,
        data_center_id: pulumi.Input[str] | None = None,
        country: pulumi.Input[str] | None = None,
        region: pulumi.Input[Region] | None = None,
        security: pulumi.Input[Security] | None = None,
        is_spot: pulumi.Input[bool] | None = None,
        max_price_per_hour: pulumi.Input[float] | None = None,
        image: pulumi.Input[Image] | None = None,
        custom_template_id: pulumi.Input[str] | None = None,
        disk_size: pulumi.Input[int] | None = None,
        vcpus: pulumi.Input[int] | None = None,
        memory: pulumi.Input[int] | None = None,
        env_vars: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        jupyter_password: pulumi.Input[str] | None = None,
        disk_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        ssh_key_id: pulumi.Input[str] | None = None,
        auto_restart: pulumi.Input[bool] | None = None,
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
                "gpu_count": gpu_count,
                "socket": socket,
                "cloud_id": cloud_id,
                "provider": provider,
                "data_center_id": data_center_id,
                "country": country,
                "region": region,
                "security": security,
                "is_spot": is_spot,
                "max_price_per_hour": max_price_per_hour,
                "image": image,
                "custom_template_id": custom_template_id,
                "disk_size": disk_size,
                "vcpus": vcpus,
                "memory": memory,
                "env_vars": env_vars,
                "jupyter_password": jupyter_password,
                "disk_ids": disk_ids,
                "ssh_key_id": ssh_key_id,
                "auto_restart": auto_restart,
                "wait_timeout": wait_timeout,
                "wait_for_ssh": wait_for_ssh,
                "adopt_id": adopt_id,
            },
            opts,
        )
