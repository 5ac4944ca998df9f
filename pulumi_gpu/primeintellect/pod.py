"""``primeintellect.Pod``: a GPU pod created from an availability offer, ready for SSH."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult
from pydantic import Field, ValidationError, field_validator, model_validator

from pulumi_gpu.core.batching import BatchPoller
from pulumi_gpu.core.checks import check_env_names
from pulumi_gpu.core.config import shared_client
from pulumi_gpu.core.errors import ApiError, GpuCloudError, NotFoundError
from pulumi_gpu.core.lifecycle import cleanup_on_failure, create_once
from pulumi_gpu.core.log import report
from pulumi_gpu.core.provider import (
    PROVIDER_KEY,
    REPLACES,
    SECRET,
    Change,
    GpuProvider,
    ResourceInputs,
    contains_unknown,
    references,
)
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.core.ssh import parse_ssh
from pulumi_gpu.primeintellect.client import PrimeClient, prime_client, team
from pulumi_gpu.primeintellect.lookups import OfferQuery
from pulumi_gpu.primeintellect.models import (
    CUSTOM_TEMPLATE,
    DEFAULT_IMAGE,
    DELETING,
    INSTALL_FAILED,
    TERMINATED,
    GpuOffer,
    GpuType,
    Image,
    PodStatus,
    ProviderType,
    Region,
    Security,
    Socket,
    is_capacity_error,
)
from pulumi_gpu.primeintellect.models import Pod as ApiPod

__all__ = ["Pod", "PodInputs"]

OFFER_FIELDS = (
    "gpu_type",
    "gpu_count",
    "socket",
    "cloud_id",
    "provider",
    "data_center_id",
    "country",
    "region",
    "security",
    "max_price_per_hour",
)
"""Inputs that choose the offer: a change replaces the pod unless it still fits its offer."""
SIZING_FIELDS = ("image", "disk_size", "vcpus", "memory")
OFFER_ATTEMPTS = 8
"""Offers tried, cheapest first, when the cheapest ones run out of capacity meanwhile."""
MISSING_POLLS = 3
"""Status answers in a row without the pod before a wait says it is gone."""

_POD_NAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9-]+$")
_REPLACES_SECRET = {**REPLACES, **SECRET}


class PodInputs(ResourceInputs):
    """Inputs of a Prime Intellect pod.

    The offer (``/availability/gpus`` row) is chosen by the offer fields: give
    ``cloud_id`` (with ``provider``, ``socket``, ``data_center_id`` as the listing shows
    them) to pin one offer, checked at preview; or give only some of them, and the
    cheapest offer in stock that matches every given field (and fits image, disk,
    vCPUs, memory, disks and max price) is chosen at create time and recorded in the
    ``offer`` output. Prime Intellect cannot change a running pod: any change of what
    it runs replaces it, and so does an offer field change the recorded offer no longer
    satisfies (a change it still satisfies changes nothing).
    """

    name: str = Field(
        min_length=1,
        max_length=128,
        description=(
            "Pod name: letters, digits and dashes, at least one letter. Pods cannot be "
            "renamed: a new name replaces the pod."
        ),
        json_schema_extra=REPLACES,
    )
    gpu_type: GpuType = Field(
        description="GPU model, e.g. 'H100_80GB', 'A100_80GB', 'RTX4090_24GB'.",
        examples=["H100_80GB"],
    )
    gpu_count: int = Field(1, ge=1, le=256, description="Number of GPUs of the pod.")
    socket: Socket | None = Field(
        None, description="GPU socket, e.g. 'SXM5' or 'PCIe' (any when not given)."
    )
    cloud_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "The offer's cloudId from get_availability(); pins the offer (checked at "
            "preview). Without it the cheapest matching offer is chosen."
        ),
    )
    provider: ProviderType | None = Field(
        None, description="Provider behind the offer, e.g. 'hyperstack', 'runpod'."
    )
    data_center_id: str | None = Field(
        None, min_length=1, description="Data center of the offer, e.g. 'CANADA-1'."
    )
    country: str | None = Field(
        None, min_length=2, description="Country code of the data center, e.g. 'US'."
    )
    region: Region | None = Field(None, description="Region of the offer, e.g. 'eu_north'.")
    security: Security | None = Field(
        None, description="'secure_cloud' (data centers) or 'community_cloud' (any when unset)."
    )
    max_price_per_hour: float | None = Field(
        None,
        gt=0,
        description=(
            "Highest price for the whole pod, USD per hour: offers above it are not "
            "chosen, and it is sent as the pod's maxPrice (without it, the chosen "
            "offer's current price is sent, as some providers require one)."
        ),
    )
    image: Image | None = Field(
        None,
        description=(
            "Built-in environment, e.g. 'cuda_12_4_pytorch_2_5' (default "
            "'ubuntu_22_cuda_12', or 'custom_template' with custom_template_id)."
        ),
        json_schema_extra=REPLACES,
    )
    custom_template_id: str | None = Field(
        None,
        min_length=1,
        description="Id of a custom template made in the Prime Intellect dashboard.",
        json_schema_extra=REPLACES,
    )
    disk_size: int | None = Field(
        None,
        gt=0,
        description="Local disk in GB (the offer's default when unset).",
        json_schema_extra=REPLACES,
    )
    vcpus: int | None = Field(
        None,
        gt=0,
        description="vCPUs (the offer's default when unset).",
        json_schema_extra=REPLACES,
    )
    memory: int | None = Field(
        None,
        gt=0,
        description="Memory in GB (the offer's default when unset).",
        json_schema_extra=REPLACES,
    )
    env_vars: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables of the pod.",
        json_schema_extra=REPLACES,
    )
    jupyter_password: str | None = Field(
        None,
        min_length=1,
        description="Password of the pod's Jupyter server (kept encrypted in state).",
        json_schema_extra=_REPLACES_SECRET,
    )
    disk_ids: list[str] = Field(
        default_factory=list,
        description=(
            "Ids of primeintellect.Disks to attach (same provider and data center; the "
            "offer is chosen there). The disks outlive the pod."
        ),
        json_schema_extra=references("disks"),
    )
    auto_restart: bool = Field(
        False, description="Restart the pod when it stops.", json_schema_extra=REPLACES
    )
    wait_timeout: float = Field(
        1800, gt=0, description="Seconds to wait until the pod is ready (and for deletion)."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _POD_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a pod name: letters, digits and dashes only, "
                "with at least one letter"
            )
        return value

    @field_validator("env_vars")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        check_env_names(value)
        return value

    @field_validator("disk_ids")
    @classmethod
    def _disks(cls, value: list[str]) -> list[str]:
        if any(not d for d in value):
            raise ValueError("disk ids must not be empty")
        if len(set(value)) != len(value):
            raise ValueError(f"disk ids must be unique, got {value}")
        return value

    @model_validator(mode="after")
    def _template(self) -> PodInputs:
        if self.custom_template_id and self.image not in (None, CUSTOM_TEMPLATE):
            raise ValueError(
                f"custom_template_id runs the template's image: leave image unset or "
                f"'{CUSTOM_TEMPLATE}', not {self.image!r}"
            )
        if self.image == CUSTOM_TEMPLATE and not self.custom_template_id:
            raise ValueError(f"image '{CUSTOM_TEMPLATE}' needs custom_template_id")
        return self

    @property
    def effective_image(self) -> str:
        if self.image is not None:
            return self.image
        return CUSTOM_TEMPLATE if self.custom_template_id else DEFAULT_IMAGE

    def offer_query(self) -> OfferQuery:
        """What an offer must satisfy for this pod."""
        return OfferQuery.model_validate(
            {
                **{f: getattr(self, f) for f in OFFER_FIELDS},
                "image": self.effective_image,
                "disk_size": self.disk_size,
                "vcpus": self.vcpus,
                "memory": self.memory,
                "disks": tuple(self.disk_ids),
            }
        )


# -- offers ---------------------------------------------------------------------------


def _offer_record(offer: GpuOffer, price: float | None) -> dict[str, Any]:
    """The chosen offer as recorded in the ``offer`` output."""
    return {
        "cloud_id": offer.cloud_id,
        "gpu_type": offer.gpu_type,
        "socket": offer.socket,
        "gpu_count": offer.gpu_count,
        "provider": offer.provider,
        "data_center_id": offer.data_center,
        "country": offer.country,
        "region": offer.region,
        "security": offer.security,
        "price_per_hour": price,
    }


def _recorded_offer(record: Mapping[str, Any]) -> GpuOffer:
    return GpuOffer(
        cloud_id=record.get("cloud_id") or "",
        gpu_type=record.get("gpu_type") or "",
        socket=record.get("socket") or "",
        provider=record.get("provider") or "",
        data_center=record.get("data_center_id"),
        country=record.get("country"),
        region=record.get("region"),
        gpu_count=int(record.get("gpu_count") or 0),
        security=record.get("security") or "",
    )


def _still_fits(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """True if the new offer fields are all satisfied by the offer the pod runs on."""
    record = olds.get("offer")
    if not isinstance(record, Mapping) or not record.get("cloud_id"):
        return False
    values = {f: news.get(f) for f in OFFER_FIELDS}
    if contains_unknown(values):
        return False
    values["gpu_count"] = values["gpu_count"] or 1
    try:
        wanted = OfferQuery.model_validate(values)
    except ValidationError:
        return False
    if wanted.identity_mismatch(_recorded_offer(record)) is not None:
        return False
    price = record.get("price_per_hour")
    limit = wanted.max_price_per_hour
    return limit is None or (price is not None and float(price) <= limit + 1e-9)


def _max_price(inputs: PodInputs, query: OfferQuery, offer: GpuOffer) -> float | None:
    """The maxPrice to send: the user's, else the offer's current price (fixed prices)."""
    if inputs.max_price_per_hour is not None:
        return inputs.max_price_per_hour
    price = query.price(offer)
    if price is None or offer.prices.is_variable:
        return None
    return math.ceil(price * 100 - 1e-6) / 100


def _create_body(inputs: PodInputs, query: OfferQuery, offer: GpuOffer) -> dict[str, Any]:
    pod = {
        "name": inputs.name,
        "cloudId": offer.cloud_id,
        "gpuType": offer.gpu_type,
        "socket": offer.socket,
        "gpuCount": offer.gpu_count,
        "diskSize": inputs.disk_size,
        "vcpus": inputs.vcpus,
        "memory": inputs.memory,
        "maxPrice": _max_price(inputs, query, offer),
        "image": inputs.effective_image,
        "customTemplateId": inputs.custom_template_id,
        "dataCenterId": offer.data_center,
        "country": inputs.country,
        "security": offer.security,
        "envVars": [{"key": k, "value": v} for k, v in inputs.env_vars.items()] or None,
        "jupyterPassword": inputs.jupyter_password,
        "autoRestart": inputs.auto_restart,
    }
    body: dict[str, Any] = {
        "pod": {k: v for k, v in pod.items() if v is not None},
        "provider": {"type": offer.provider},
    }
    if inputs.disk_ids:
        body["disks"] = list(inputs.disk_ids)
    if team():
        body["team"] = team()
    return body


# -- waiting --------------------------------------------------------------------------


def status_poller(client: PrimeClient) -> BatchPoller[PodStatus]:
    """The process's batched ``/pods/status`` poller for this client (one per key)."""
    return shared_client(
        ("primeintellect-pod-status", id(client)),
        lambda: BatchPoller("primeintellect /pods/status", client.pod_statuses),
    )


def _wait_ready(client: PrimeClient, pod_id: str, what: str, timeout: float) -> PodStatus:
    misses = [0]

    def failure(status: PodStatus | None) -> str | None:
        if status is None:
            misses[0] += 1
            return "the pod no longer exists" if misses[0] >= MISSING_POLLS else None
        misses[0] = 0
        reason = status.failure_reason()
        if reason is not None and (status.installation_status or "").upper() in INSTALL_FAILED:
            reason += _last_log_lines(client, pod_id)
        return reason

    ready = status_poller(client).wait(
        pod_id,
        f"{what} ({pod_id})",
        status=lambda s: s.describe() if s is not None else "not found",
        ready=lambda s: s is not None and s.ready,
        failure=failure,
        timeout=timeout,
    )
    assert ready is not None
    return ready


def _last_log_lines(client: PrimeClient, pod_id: str, count: int = 5) -> str:
    try:
        lines = client.pod_logs(pod_id, tail=count)
    except GpuCloudError:
        return ""
    return "\nlast log lines:\n" + "\n".join(lines) if lines else ""


def _delete_and_wait(client: PrimeClient, pod_id: str, timeout: float) -> None:
    try:
        client.delete_pod(pod_id)
    except NotFoundError:
        return
    status_poller(client).wait(
        pod_id,
        f"primeintellect pod {pod_id} deletion",
        status=lambda s: s.status if s is not None else "gone",
        ready=lambda s: s is None or s.status == TERMINATED,
        timeout=timeout,
    )


# -- outputs --------------------------------------------------------------------------


def _outputs(pod: ApiPod, offer: Mapping[str, Any]) -> dict[str, Any]:
    target = parse_ssh(pod.ssh_connection)
    user = (target.user or "root") if target else None
    host = target.host if target else None
    port = target.port if target else None
    ports = {m.internal: int(m.external) for m in pod.prime_port_mapping if m.external.isdigit()}
    jupyter = next((m for m in pod.prime_port_mapping if m.used_by == "JUPYTER_NOTEBOOK"), None)
    address = host or pod.ip
    price = pod.price_hr if pod.price_hr is not None else offer.get("price_per_hour")
    return {
        "status": pod.status,
        "installation_status": pod.installation_status,
        "ssh_command": f"ssh {user}@{host} -p {port}" if host else None,
        "ssh_user": user,
        "ssh_host": host,
        "ssh_port": port,
        "ip": pod.ip,
        "ports": ports,
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
        "price_per_hour": price,
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


# -- provider -------------------------------------------------------------------------


class PodProvider(GpuProvider[PodInputs]):
    inputs_model = PodInputs
    kind = "primeintellect Pod"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = super().check(olds, news)
        if result.failures:
            return result
        values = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        return CheckResult(result.inputs, self._offer_failures(olds, values))

    def _offer_failures(self, olds: dict[str, Any], values: dict[str, Any]) -> list[CheckFailure]:
        """With ``cloud_id`` the offer is known at preview: check sizes, image and price."""
        judged = (*OFFER_FIELDS, *SIZING_FIELDS, "custom_template_id")
        if values.get("cloud_id") is None or contains_unknown({f: values.get(f) for f in judged}):
            return []
        if olds and not set(self.changed_fields(olds, values)) & set(judged):
            return []  # nothing that picks or sizes the offer changed
        name = values.get("name") if isinstance(values.get("name"), str) else "pod"
        subset = {f: values[f] for f in judged if values.get(f) is not None}
        try:
            inputs = PodInputs.model_validate({"name": name, **subset})
        except ValidationError:
            return []
        query = inputs.offer_query()
        try:
            offers = prime_client().gpu_availability(**{**query.api_filters(), "disks": None})
        except GpuCloudError as exc:
            report(f"primeintellect pod {inputs.name}: could not check the offer at preview: {exc}")
            return []
        same = [o for o in offers if query.identity_mismatch(o) is None]
        if not same:
            try:
                near = prime_client().gpu_availability(cloud_id=query.cloud_id)
            except GpuCloudError:
                near = []
            return [CheckFailure("cloud_id", _no_offer(query, near))]
        fitting = [o for o in same if not query.problems(o)]
        if fitting:
            return []
        best = min(same, key=query.sort_key)
        return [CheckFailure(field, reason) for field, reason in query.problems(best).items()]

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(id_, olds, news)
        if result.replaces and (olds.get("disk_ids") or news.get("disk_ids")):
            # A new pod cannot always share the disk: let the old one release it first.
            result.delete_before_replace = True
        return result

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field in OFFER_FIELDS:
            return Change.NONE if _still_fits(olds, news) else Change.REPLACE
        return super().change_kind(field, olds, news)

    def create_resource(self, inputs: PodInputs) -> tuple[str, dict[str, Any]]:
        client = prime_client()
        what = f"primeintellect pod {inputs.name}"
        query = inputs.offer_query()
        pod, offer = self._create(client, inputs, query, what)
        report(
            f"{what}: created {pod.id}, {offer.gpu_count}x {offer.gpu_type} ({offer.socket}) "
            f"on {offer.provider} {offer.data_center} at ${pod.price_hr or 0:.2f}/h"
        )

        def ready() -> ApiPod:
            _wait_ready(client, pod.id, what, inputs.wait_timeout)
            return client.get_pod(pod.id)  # inside the cleanup: a failed read leaks nothing

        live = cleanup_on_failure(
            what,
            pod.id,
            wait=ready,
            delete=lambda: _delete_and_wait(client, pod.id, inputs.wait_timeout),
        )
        return pod.id, _outputs(live, _offer_record(offer, live.price_hr))

    def _create(
        self, client: PrimeClient, inputs: PodInputs, query: OfferQuery, what: str
    ) -> tuple[ApiPod, GpuOffer]:
        """Create on the cheapest matching offer; move on while offers run out meanwhile."""
        offers = query.search(client)
        if not offers:
            raise GpuCloudError(
                f"no Prime Intellect offer in stock matches {query.describe()}"
                + _cheapest_hint(client, query)
            )
        tried: list[str] = []
        for offer in offers[:OFFER_ATTEMPTS]:
            body = _create_body(inputs, query, offer)
            try:
                pod = create_once(
                    what,
                    _bind(client.create_pod, body),
                    existing=lambda: [p for p in client.list_pods() if p.name == inputs.name],
                    ident=lambda p: p.id,
                )
            except ApiError as exc:
                if not is_capacity_error(exc):
                    raise
                tried.append(f"{offer.provider} {offer.data_center} {offer.cloud_id}")
                report(f"{what}: {offer.cloud_id} in {offer.data_center} is full; next offer")
                continue
            return pod, offer
        raise GpuCloudError(
            f"{what}: every offer tried was out of capacity ({'; '.join(tried)}); "
            "try again later or widen the offer fields"
        )

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            pod = prime_client().get_pod(id_)
        except NotFoundError:
            return None
        if pod.status in (DELETING, TERMINATED):
            return None
        return {**_reflect(state, pod), **_outputs(pod, state.get("offer") or {})}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: PodInputs, changed: set[str]
    ) -> dict[str, Any]:
        # Only inputs that need no API call reach here (wait_timeout, offer fields the
        # pod still satisfies): every other change is a replacement.
        pod = prime_client().get_pod(id_)
        return _outputs(pod, state.get("offer") or {})

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        _delete_and_wait(prime_client(), id_, float(state.get("wait_timeout") or 1800))


def _bind(create: Callable[[dict[str, Any]], ApiPod], body: dict[str, Any]) -> Callable[[], ApiPod]:
    return lambda: create(body)


def _no_offer(query: OfferQuery, offers: Sequence[GpuOffer]) -> str:
    described = query.model_copy(
        update={"image": None, "disk_size": None, "vcpus": None, "memory": None, "disks": ()}
    ).describe()
    close = [o for o in offers if o.cloud_id == query.cloud_id]
    if close:
        shown = "; ".join(
            f"{o.gpu_count}x {o.gpu_type} {o.socket} from {o.provider} in {o.data_center}"
            for o in close[:5]
        )
        return f"no offer matches {described}; offers with that cloud_id: {shown}"
    return f"no offer matches {described}; see primeintellect.get_availability()"


def _cheapest_hint(client: PrimeClient, query: OfferQuery) -> str:
    loose = OfferQuery(gpu_type=query.gpu_type, gpu_count=query.gpu_count)
    similar = loose.search(client)[:3]
    if not similar:
        return f"; no {query.gpu_count or ''}x {query.gpu_type or 'GPU'} offer is in stock now"
    shown = ", ".join(
        f"{o.provider} {o.data_center} {o.socket} at ${o.price_per_hour or 0:.2f}/h"
        for o in similar
    )
    return f"; cheapest {query.gpu_count}x {query.gpu_type} in stock now: {shown}"


def _default_pod_name(resource_name: str) -> str:
    """``<project>-<stack>-<name>`` with only letters, digits and dashes (the API's rule)."""
    return re.sub(r"-{2,}", "-", default_name(resource_name).replace("_", "-")).strip("-")


class Pod(GpuResource, module="primeintellect", name="Pod"):
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
    """Pod name in Prime Intellect."""
    status: pulumi.Output[str]
    """PROVISIONING, PENDING, ACTIVE, STOPPED, ERROR, DELETING, TERMINATED or UNKNOWN."""
    installation_status: pulumi.Output[str]
    """Image installation: PENDING, ACTIVE, FINISHED or ERROR."""
    ssh_command: pulumi.Output[str]
    """Ready-to-run SSH command, e.g. ``ssh root@1.2.3.4 -p 22``."""
    ssh_user: pulumi.Output[str]
    ssh_host: pulumi.Output[str]
    ssh_port: pulumi.Output[int]
    ip: pulumi.Output[str]
    ports: pulumi.Output[dict[str, int]]
    """Pod port -> public port (``{"22": 22, "8888": 8888}``)."""
    port_mappings: pulumi.Output[list[dict[str, Any]]]
    """Prime Intellect's port mappings: internal, external, protocol, used_by, description."""
    jupyter_url: pulumi.Output[str | None]
    """``http://host:port/`` of Jupyter when a password was set (the password is not in it)."""
    price_per_hour: pulumi.Output[float]
    """USD per hour for the whole pod."""
    provider_type: pulumi.Output[str]
    """The provider the pod runs at, e.g. ``hyperstack``."""
    offer: pulumi.Output[dict[str, Any]]
    """The offer the pod was created from: cloud_id, gpu_type, socket, gpu_count,
    provider, data_center_id, country, region, security, price_per_hour."""

    def __init__(
        self,
        resource_name: str,
        *,
        gpu_type: pulumi.Input[str],
        gpu_count: pulumi.Input[int] | None = None,
        socket: pulumi.Input[str] | None = None,
        cloud_id: pulumi.Input[str] | None = None,
        provider: pulumi.Input[str] | None = None,
        data_center_id: pulumi.Input[str] | None = None,
        country: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        security: pulumi.Input[str] | None = None,
        max_price_per_hour: pulumi.Input[float] | None = None,
        image: pulumi.Input[str] | None = None,
        custom_template_id: pulumi.Input[str] | None = None,
        disk_size: pulumi.Input[int] | None = None,
        vcpus: pulumi.Input[int] | None = None,
        memory: pulumi.Input[int] | None = None,
        env_vars: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        jupyter_password: pulumi.Input[str] | None = None,
        disk_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        auto_restart: pulumi.Input[bool] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a pod; see :class:`PodInputs` for every input's rules."""
        self._register(
            PodProvider(),
            resource_name,
            {
                "name": name or _default_pod_name(resource_name),
                "gpu_type": gpu_type,
                "gpu_count": gpu_count,
                "socket": socket,
                "cloud_id": cloud_id,
                "provider": provider,
                "data_center_id": data_center_id,
                "country": country,
                "region": region,
                "security": security,
                "max_price_per_hour": max_price_per_hour,
                "image": image,
                "custom_template_id": custom_template_id,
                "disk_size": disk_size,
                "vcpus": vcpus,
                "memory": memory,
                "env_vars": env_vars,
                "jupyter_password": jupyter_password,
                "disk_ids": disk_ids,
                "auto_restart": auto_restart,
                "wait_timeout": wait_timeout,
            },
            opts,
        )
