"""Prime Intellect API objects as the client returns them, enums, and the status map.

Response models ignore fields they do not know and accept the API's camelCase names
(``cloudId``) as well as ours (``cloud_id``). The enums are the OpenAPI document's.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from pulumi_gpu.core.errors import ApiError
from pulumi_gpu.core.phases import Observed, Phase, StatusMap

GpuType = Literal[
    "CPU_NODE",
    "A10_24GB",
    "A100_80GB",
    "A100_40GB",
    "A30_24GB",
    "A40_48GB",
    "B200_180GB",
    "B300_262GB",
    "GB200",
    "GB300",
    "RTX3070_8GB",
    "RTX3080_10GB",
    "RTX3080Ti_12GB",
    "RTX3090_24GB",
    "RTX3090Ti_24GB",
    "RTX4070Ti_12GB",
    "RTX4080_16GB",
    "RTX4080Ti_16GB",
    "RTX4090_24GB",
    "RTX5090_32GB",
    "H100_80GB",
    "H200_96GB",
    "GH200_96GB",
    "H200_141GB",
    "GH200_480GB",
    "GH200_624GB",
    "L4_24GB",
    "L40_48GB",
    "L40S_48GB",
    "RTX4000_8GB",
    "RTX5000_16GB",
    "RTX6000_24GB",
    "RTX8000_48GB",
    "RTX2000Ada_16GB",
    "RTX4000Ada_20GB",
    "RTX5000Ada_32GB",
    "RTX6000Ada_48GB",
    "A2000_6GB",
    "A4000_16GB",
    "A4500_20GB",
    "A5000_24GB",
    "A6000_48GB",
    "V100_16GB",
    "V100_32GB",
    "P100_16GB",
    "T4_16GB",
    "P4_8GB",
    "P40_24GB",
    "RTX_PRO_6000B_96GB",
]
Socket = Literal["PCIe", "SXM2", "SXM3", "SXM4", "SXM5", "SXM6"]
Security = Literal["secure_cloud", "community_cloud"]
Region = Literal[
    "africa",
    "asia_south",
    "asia_northeast",
    "australia",
    "canada",
    "eu_east",
    "eu_north",
    "eu_west",
    "middle_east",
    "south_america",
    "united_states",
]
ProviderType = Literal[
    "runpod",
    "fluidstack",
    "lambdalabs",
    "hyperstack",
    "oblivus",
    "cudocompute",
    "scaleway",
    "tensordock",
    "datacrunch",
    "latitude",
    "crusoecloud",
    "massedcompute",
    "akash",
    "primeintellect",
    "primecompute",
    "dc_impala",
    "dc_kudu",
    "dc_roan",
    "nebius",
    "dc_eland",
    "dc_wildebeest",
    "vultr",
    "dc_gnu",
    "denvr",
]
Image = Literal[
    "ubuntu_22_cuda_12",
    "cuda_12_1_pytorch_2_2",
    "cuda_11_8_pytorch_2_1",
    "cuda_12_1_pytorch_2_3",
    "cuda_12_1_pytorch_2_4",
    "cuda_12_4_pytorch_2_4",
    "cuda_12_4_pytorch_2_5",
    "cuda_12_4_pytorch_2_6",
    "cuda_12_6_pytorch_2_7",
    "stable_diffusion",
    "axolotl",
    "bittensor",
    "hivemind",
    "petals_llama",
    "vllm_llama_8b",
    "vllm_llama_70b",
    "vllm_llama_405b",
    "custom_template",
    "flux",
    "prime_rl",
]
DEFAULT_IMAGE = "ubuntu_22_cuda_12"
CUSTOM_TEMPLATE = "custom_template"

# Pod statuses (PodStatusEnum) and installation statuses (InstallationStatusEnum).
ACTIVE = "ACTIVE"
ERROR = "ERROR"
DELETING = "DELETING"
TERMINATED = "TERMINATED"
INSTALL_DONE = frozenset({"FINISHED", "COMPLETE"})
"""``FINISHED`` in the OpenAPI enum; the older docs said ``COMPLETE``."""
INSTALL_FAILED = frozenset({"ERROR", "FAILED"})

POD_PHASES = StatusMap(
    {
        "PROVISIONING": Phase.PENDING,
        "PENDING": Phase.PENDING,
        "ACTIVE": Phase.READY,
        "STOPPED": Phase.STOPPED,
        "ERROR": Phase.FAILED,
        "DELETING": Phase.DELETING,
        "TERMINATED": Phase.GONE,
        "UNKNOWN": Phase.PENDING,
    }
)
"""Pod status -> phase (ACTIVE is ready only once installed, see ``PodStatus.observe``)."""

DISK_PHASES = StatusMap(
    {
        "PROVISIONING": Phase.PENDING,
        "PENDING": Phase.PENDING,
        "ACTIVE": Phase.READY,
        "STOPPED": Phase.READY,
        "ERROR": Phase.FAILED,
        "DELETING": Phase.DELETING,
        "TERMINATED": Phase.GONE,
        "UNKNOWN": Phase.PENDING,
    }
)
"""Disk status -> phase (a disk of a stopped pod is still usable)."""


_CAPACITY_WORDS = (
    "capacity",
    "out of stock",
    "unavailable",
    "insufficient resources",
    "not available",
    "no availability",
)
"""Words of a refused create that mean "no machine free now" (SkyPilot's list)."""


def is_capacity_error(error: ApiError) -> bool:
    """True when the cloud refused a create because the offer has nothing free.

    Only a definite refusal counts (400/409): after a 5xx the create may have happened,
    and trying another offer could make a second pod.
    """
    text = error.message.lower()
    return (
        error.status in (400, 409)
        and not error.outcome_unknown
        and any(word in text for word in _CAPACITY_WORDS)
    )


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


def _as_sent(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    return value


AsSent = PlainValidator(_as_sent)
"""An answer's value of one of the enums above, read as sent: typed as the enum, so an
offer's ``gpu_type`` or ``provider`` goes straight into a Pod's or Disk's input, yet a
value newer than this release's enum does not break the whole answer (an input given it
is refused at preview, naming the values it takes)."""


# -- availability --------------------------------------------------------------------


class SpecRange(_Response):
    """A ``CustomSpecValue``: how much disk, vCPU or memory a pod on an offer may have."""

    min_count: int | None = None
    default_count: int | None = None
    max_count: int | None = None
    price_per_unit: float | None = None
    step: int | None = None
    default_included_in_price: bool | None = None

    def admits(self, value: int) -> bool:
        low = self.min_count if self.min_count is not None else 0
        high = self.max_count
        step = self.step or 1
        return value >= low and (high is None or value <= high) and (value - low) % step == 0

    def describe(self, unit: str = "") -> str:
        low = self.min_count if self.min_count is not None else 0
        high = "" if self.max_count is None else f" to {self.max_count}"
        step = f" in steps of {self.step}" if self.step and self.step > 1 else ""
        return f"{low}{high}{unit}{step}"

    def extra_price(self, value: int | None) -> float:
        """Hourly price of asking for more than the default (estimate, USD)."""
        if value is None or not self.price_per_unit:
            return 0.0
        if self.default_included_in_price is False:
            return value * self.price_per_unit
        return max(0, value - (self.default_count or 0)) * self.price_per_unit


class Prices(_Response):
    on_demand: float | None = None
    community_price: float | None = None
    is_variable: bool | None = None
    currency: str = "USD"

    @property
    def price(self) -> float | None:
        """The price that applies: community price if set, else on-demand (as the CLI)."""
        return self.community_price if self.community_price is not None else self.on_demand


class GpuOffer(_Response):
    """One row of ``/availability/gpus``: a GPU configuration a pod can be created from."""

    cloud_id: str
    gpu_type: Annotated[GpuType, AsSent]
    socket: Annotated[Socket, AsSent]
    provider: Annotated[ProviderType, AsSent]
    region: Annotated[Region, AsSent] | None = None
    data_center: str | None = None
    country: str | None = None
    gpu_count: int
    gpu_memory: int | None = None
    disk: SpecRange = Field(default_factory=SpecRange)
    vcpu: SpecRange = Field(default_factory=SpecRange)
    memory: SpecRange = Field(default_factory=SpecRange)
    internet_speed: int | None = None
    interconnect: int | None = None
    interconnect_type: str | None = None
    provisioning_time: int | None = None
    stock_status: str = "Available"
    security: Annotated[Security, AsSent]
    prices: Prices = Field(default_factory=Prices)
    images: list[Annotated[Image, AsSent]] = Field(default_factory=list)
    is_spot: bool | None = None
    prepaid_time: float | None = None

    @field_validator("disk", "vcpu", "memory", "prices", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def price_per_hour(self) -> float | None:
        """USD (or the offer's currency) per hour for the whole configuration."""
        return self.prices.price

    @property
    def available(self) -> bool:
        return self.stock_status != "Unavailable"

    def estimate(
        self, *, disk_size: int | None = None, vcpus: int | None = None, memory: int | None = None
    ) -> float | None:
        """Hourly price of a pod on this offer with these resources (None if unpriced)."""
        base = self.price_per_hour
        if base is None:
            return None
        extra = (
            self.disk.extra_price(disk_size)
            + self.vcpu.extra_price(vcpus)
            + self.memory.extra_price(memory)
        )
        return round(base + extra, 4)


class DiskOffer(_Response):
    """One row of ``/availability/disks``: where a disk can be created, and its sizes."""

    cloud_id: str | None = None
    provider: Annotated[ProviderType, AsSent]
    data_center: str | None = None
    country: str | None = None
    region: Annotated[Region, AsSent] | None = None
    spec: SpecRange = Field(default_factory=SpecRange)
    stock_status: str = "Available"
    security: Annotated[Security, AsSent]
    is_multinode: bool | None = True


# -- pods ---------------------------------------------------------------------------


class PortMapping(_Response):
    internal: str
    external: str
    protocol: str = "TCP"
    used_by: str | None = None
    description: str | None = None


def _first(value: Any) -> Any:
    """``sshConnection``/``ip`` may be a list (one per node); the first node counts."""
    if isinstance(value, list):
        return next((v for v in value if v), None)
    return value


class PodStatus(_Response):
    """One entry of ``/pods/status``: what a wait needs to know about a pod."""

    pod_id: str
    provider_type: str = ""
    status: str
    ssh_connection: str | None = None
    ip: str | None = None
    installation_status: str | None = None
    installation_failure: str | None = None
    installation_progress: int | None = None
    price_hr: float | None = None

    @field_validator("ssh_connection", "ip", mode="before")
    @classmethod
    def _node(cls, value: Any) -> Any:
        return _first(value)

    def observe(self) -> Observed[Any]:
        """Ready when ACTIVE, the image installed, and an SSH connection to use."""
        installation = (self.installation_status or "").upper()
        phase = POD_PHASES(self.status)
        if installation in INSTALL_FAILED:
            phase = Phase.FAILED
        elif phase is Phase.READY and (installation not in INSTALL_DONE or not self.ssh_connection):
            phase = Phase.PENDING
        reason = None
        if phase is Phase.FAILED:
            reason = self.installation_failure or "the pod failed without a reason"
        return Observed(phase, self.status, reason, note=self.installation())

    def installation(self) -> str | None:
        """'installing 40%', 'installation FINISHED' while ACTIVE; None otherwise."""
        installation = (self.installation_status or "").upper()
        if self.status != ACTIVE or not installation:
            return None
        if installation in INSTALL_DONE:
            return f"installation {installation}"
        progress = self.installation_progress
        return f"installing {progress}%" if progress is not None else "installing"


class InstanceResources(BaseModel):
    model_config = ConfigDict(extra="ignore")

    memory: int | None = None
    disk: int | None = None
    shared_disk: int | None = None
    vcpus: int | None = None

    @field_validator("memory", "disk", "shared_disk", "vcpus", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        """The docs show numbers as strings ("128"); the spec as integers."""
        return None if value in (None, "") else int(value)


class AttachedResource(_Response):
    resource_type: str = "DISK"
    id: str
    status: str | None = None
    mount_path: str | None = None
    size: int | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value)


class Pod(_Response):
    """A pod (``APIPodConfig``)."""

    id: str
    name: str = ""
    provider_type: str = ""
    status: str = "PROVISIONING"
    installation_status: str | None = None
    installation_failure: str | None = None
    installation_progress: int | None = None
    gpu_name: str = ""
    gpu_count: int = 0
    socket: str | None = None
    price_hr: float | None = None
    environment_type: str | None = None
    custom_template_id: str | None = None
    prime_port_mapping: list[PortMapping] = Field(default_factory=list)
    ssh_connection: str | None = None
    ip: str | None = None
    resources: InstanceResources = Field(default_factory=InstanceResources)
    attached_resources: list[AttachedResource] = Field(default_factory=list)
    auto_restart: bool | None = None
    created_at: str | None = None
    chosen: GpuOffer | None = Field(None, exclude=True)
    """The offer this pod was created from (set by the creator, not the API)."""

    @field_validator("ssh_connection", "ip", mode="before")
    @classmethod
    def _node(cls, value: Any) -> Any:
        return _first(value)

    @field_validator("prime_port_mapping", "attached_resources", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("resources", mode="before")
    @classmethod
    def _resources(cls, value: Any) -> Any:
        return {} if value is None else value

    def as_status(self) -> PodStatus:
        return PodStatus(
            pod_id=self.id,
            provider_type=self.provider_type,
            status=self.status,
            ssh_connection=self.ssh_connection,
            ip=self.ip,
            installation_status=self.installation_status,
            installation_failure=self.installation_failure,
            installation_progress=self.installation_progress,
            price_hr=self.price_hr,
        )


class HistoryEntry(_Response):
    """A terminated pod (``HistoryObj``)."""

    id: str
    name: str = ""
    provider_type: str = ""
    type: str = "Instance"
    created_at: str | None = None
    terminated_at: str | None = None
    gpu_name: str = ""
    gpu_count: int = 0
    price_hr: float = 0.0
    total_billed_price: float = 0.0


# -- SSH keys -----------------------------------------------------------------------


class SshKey(_Response):
    """An account SSH key (``APISSHKeyConfig``)."""

    id: str
    name: str = ""
    public_key: str = ""
    is_primary: bool = False


# -- disks --------------------------------------------------------------------------


class Disk(_Response):
    """A disk (``APIDiskConfig``)."""

    id: str
    name: str = ""
    status: str = "PROVISIONING"
    provider_type: str = ""
    size: int = 0
    info: dict[str, Any] = Field(default_factory=dict)
    price_hr: float | None = None
    pods: list[str] = Field(default_factory=list)
    created_at: str | None = None

    @field_validator("info", mode="before")
    @classmethod
    def _info(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @field_validator("pods", mode="before")
    @classmethod
    def _pods(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def data_center_id(self) -> str | None:
        value = self.info.get("dataCenterId") or self.info.get("data_center_id")
        return str(value) if value else None

    @property
    def cloud_id(self) -> str | None:
        value = self.info.get("cloudId") or self.info.get("cloud_id")
        return str(value) if value else None

    @property
    def country(self) -> str | None:
        value = self.info.get("country")
        return str(value) if value else None
