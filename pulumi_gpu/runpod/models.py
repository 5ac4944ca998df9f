"""RunPod REST v2 objects as the client returns them, and the pod status map.

Response models ignore fields they do not know, so a richer API does not break us.
Field names are snake_case here and camelCase on the wire (``dataCenterId``).
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import AliasGenerator, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from pulumi_gpu.core.phases import Observed, Phase, StatusMap


class _Response(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=to_camel),
    )


CloudType = Literal["SECURE", "COMMUNITY"]
"""Where a pod runs: RunPod's data centers, or machines others host (cheaper)."""
CLOUD_TYPES: tuple[CloudType, ...] = get_args(CloudType)

DataCenterRegion = Literal[
    "NORTH_AMERICA",
    "SOUTH_AMERICA",
    "EUROPE",
    "ASIA",
    "MIDDLE_EAST",
    "AFRICA",
    "OCEANIA",
    "ANTARCTICA",
    "UNKNOWN",
]
"""The spec's ``DataCenterRegion``."""
REGIONS: tuple[DataCenterRegion, ...] = get_args(DataCenterRegion)

LogSource = Literal["container", "system"]
"""A pod log's source: what the container prints, or RunPod's own lines (image pull, start)."""

# Pod statuses (PodStatus).
PROVISIONING = "PROVISIONING"
STARTING = "STARTING"
RUNNING = "RUNNING"
EXITED = "EXITED"
ERROR = "ERROR"
TERMINATED = "TERMINATED"

POD_PHASES = StatusMap(
    {
        PROVISIONING: Phase.PENDING,
        STARTING: Phase.PENDING,
        RUNNING: Phase.READY,
        EXITED: Phase.STOPPED,
        ERROR: Phase.FAILED,
        TERMINATED: Phase.GONE,
    }
)
"""RunPod pod status -> phase (RUNNING is ready only when reachable, see ``Pod.observe``)."""

INJECTED_ENV = ("PUBLIC_KEY", "JUPYTER_PASSWORD")
"""Variables RunPod adds to a pod's environment for ``startSsh`` / ``startJupyter``."""


def proxy_url(pod_id: str, port: int) -> str:
    """RunPod's HTTPS proxy address of an ``/http`` port of a pod."""
    return f"https://{pod_id}-{port}.proxy.runpod.net"


class SshEndpoint(_Response):
    host: str
    port: int
    username: str
    command: str


class PodSsh(_Response):
    proxy: SshEndpoint | None = None
    direct: SshEndpoint | None = None


class RuntimePort(_Response):
    private: int
    public: int | None = None
    type: str = "tcp"
    ip: str | None = None


class Utilization(_Response):
    util: float = 0.0
    memory_util: float | None = None


class PodRuntime(_Response):
    """What a running pod reports of itself (None while it is not RUNNING)."""

    uptime: int = 0
    ports: list[RuntimePort] = Field(default_factory=list)
    gpus: list[Utilization] = Field(default_factory=list)
    cpu: Utilization | None = None
    memory: Utilization | None = None

    def telemetry(self) -> dict[str, Any]:
        """Uptime and utilisation in percent (GPUs one entry each)."""
        return {
            "uptime_seconds": self.uptime,
            "gpu_util": [g.util for g in self.gpus],
            "gpu_memory_util": [g.memory_util for g in self.gpus],
            "cpu_util": self.cpu.util if self.cpu else None,
            "memory_util": self.memory.util if self.memory else None,
        }


class GpuConfig(_Response):
    id: str
    count: int = 1


class CpuConfig(_Response):
    id: str
    vcpu_count: int = 0
    memory: int = 0


class PersistentMount(_Response):
    size: int
    path: str


class NetworkMount(_Response):
    volume_id: str
    path: str


class Mounts(_Response):
    persistent: PersistentMount | None = None
    network: list[NetworkMount] = Field(default_factory=list)


class Pod(_Response):
    id: str
    name: str = ""
    status: str = ""
    actions: list[str] = Field(default_factory=list)
    image: str = ""
    registry: str | None = None
    args: str = ""
    disk: int = 0
    mounts: Mounts = Field(default_factory=Mounts)
    ports: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cloud: str = ""
    data_center_id: str | None = None
    cuda_version: str | None = None
    ssh: PodSsh = Field(default_factory=PodSsh)
    template: str | None = None
    cost: float = 0.0
    runtime: PodRuntime | None = None
    gpu: GpuConfig | None = None
    cpu: CpuConfig | None = None
    created_at: str | None = None
    started_at: str | None = None
    failure_log: str | None = Field(None, exclude=True)
    """RunPod's own last log lines of a pod in ERROR (read by the provider, not sent)."""

    @field_validator("mounts", "ssh", mode="before")
    @classmethod
    def _object(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @field_validator("env", mode="before")
    @classmethod
    def _env(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    def exposed(self, protocol: str) -> list[int]:
        """Container ports exposed with ``protocol`` ("tcp" or "http")."""
        found = []
        for entry in self.ports:
            port, _, kind = entry.partition("/")
            if kind == protocol and port.isdigit():
                found.append(int(port))
        return found

    @property
    def public_ports(self) -> dict[int, int]:
        """Container port -> public port, for the ports that have one now."""
        if self.runtime is None:
            return {}
        return {p.private: p.public for p in self.runtime.ports if p.public is not None}

    @property
    def public_ip(self) -> str | None:
        if self.runtime is None:
            return None
        return next((p.ip for p in self.runtime.ports if p.ip and p.public), None)

    def unreachable(self) -> list[str]:
        """What a RUNNING pod still lacks before it can be used (empty: ready)."""
        if self.status != RUNNING:
            return [f"status {self.status}"]
        if self.runtime is None:
            return ["runtime"]
        missing = [f"{p}/tcp" for p in self.exposed("tcp") if p not in self.public_ports]
        if 22 in self.exposed("tcp") and self.ssh.direct is None:
            missing.append("direct SSH")
        return missing

    @property
    def ready(self) -> bool:
        """RUNNING with its runtime reported, every TCP port mapped, and SSH details."""
        return not self.unreachable()

    def observe(self) -> Observed[Pod]:
        """Ready when RUNNING with every TCP port mapped and SSH details present."""
        phase = POD_PHASES(self.status)
        missing = self.unreachable()
        if phase is Phase.READY and missing:
            note = f"waiting for {', '.join(missing)}"
            return Observed(Phase.PENDING, self.status, obj=self, note=note)
        reason = None
        if phase is Phase.FAILED:
            reason = self.failure_log or (
                "the container is in an unrecoverable error state; its logs are on RunPod "
                f"(GET /v2/pods/{self.id}/logs)"
            )
        return Observed(phase, self.status or "unknown", reason, self)


class TemplateMounts(_Response):
    persistent: PersistentMount | None = None


class Template(_Response):
    id: str
    name: str = ""
    image: str = ""
    registry: str | None = None
    args: str = ""
    disk: int = 0
    mounts: TemplateMounts = Field(default_factory=TemplateMounts)
    ports: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    category: str = "NVIDIA"
    serverless: bool = False
    public: bool = False
    start_ssh: bool = True
    start_jupyter: bool = False
    allowed_cuda_versions: list[str] = Field(default_factory=list)

    @field_validator("mounts", mode="before")
    @classmethod
    def _mounts(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @field_validator("env", mode="before")
    @classmethod
    def _env(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class NetworkVolume(_Response):
    id: str
    name: str = ""
    size: int = 0
    data_center: str = ""
    type: str = ""


class GpuPrice(_Response):
    secure: float = 0.0
    community: float = 0.0
    serverless: float | None = None


class GpuMaxCount(_Response):
    secure: int = 0
    community: int = 0


class DataCenterAvailability(_Response):
    id: str
    name: str = ""
    availability: str = "NONE"


class DataCenter(_Response):
    """A data center of the catalog (``GET /catalog/datacenters``)."""

    id: str
    name: str = ""
    region: str = "UNKNOWN"
    global_network: bool = False
    network_volume_types: list[str] = Field(default_factory=list)
    compliance: list[str] = Field(default_factory=list)
    gpu_availability: list[DataCenterAvailability] = Field(default_factory=list)

    @property
    def gpus_in_stock(self) -> dict[str, str]:
        """GPU type id -> stock here, NONE left out."""
        return {g.id: g.availability for g in self.gpu_availability if g.availability != "NONE"}


class CudaVersionAvailability(_Response):
    version: str
    available: bool = False


class GpuType(_Response):
    """One GPU type of the catalog (``GET /catalog/gpus``)."""

    id: str
    name: str = ""
    pool: str | None = None
    manufacturer: str = "UNKNOWN"
    memory: int = 0
    secure: bool = False
    community: bool = False
    price: GpuPrice = Field(default_factory=GpuPrice)
    max_count: GpuMaxCount = Field(default_factory=GpuMaxCount)
    availability: str | None = None
    data_centers: list[DataCenterAvailability] = Field(default_factory=list)
    cuda_versions: list[CudaVersionAvailability] = Field(default_factory=list)

    def offered_in(self, cloud: str) -> bool:
        return self.secure if cloud == "SECURE" else self.community

    def price_per_gpu(self, cloud: str) -> float:
        return self.price.secure if cloud == "SECURE" else self.price.community

    def max_gpus(self, cloud: str) -> int:
        return self.max_count.secure if cloud == "SECURE" else self.max_count.community


_PORT = re.compile(r"^(?P<port>\d{1,5})/(?P<kind>http|tcp)$")


def check_ports(ports: list[str], field: str = "exposed_ports") -> None:
    """Raise ValueError unless every entry is '<1-65535>/http' or '/tcp', each port once."""
    numbers = []
    for index, entry in enumerate(ports):
        match = _PORT.match(entry)
        if match is None or not 1 <= int(match["port"]) <= 65535:
            raise ValueError(
                f"{field}[{index}] is {entry!r}; expected '<port>/http' or '<port>/tcp' with a "
                "port from 1 to 65535, e.g. '8888/http' or '22/tcp'"
            )
        numbers.append(int(match["port"]))
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise ValueError(f"each port may be exposed once; repeated: {repeated}")


class Registry(_Response):
    """Credentials of a private container registry (the password is never returned)."""

    id: str
    name: str = ""
