"""Celium API objects as the client returns them, and the status maps.

Response models ignore fields they do not know, so a richer API does not break us.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pulumi_gpu.core.phases import Observed, Phase, StatusMap


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


TEMPLATE_PHASES = StatusMap(
    {
        "CREATED": Phase.PENDING,
        "UPDATED": Phase.PENDING,
        "VERIFY_PENDING": Phase.PENDING,
        "VERIFY_SUCCESS": Phase.READY,
        "VERIFY_FAILED": Phase.FAILED,
    }
)
"""Template status -> phase: usable once verified."""

POD_PHASES = StatusMap(
    {
        "PENDING": Phase.PENDING,
        "RUNNING": Phase.READY,
        "STOPPED": Phase.STOPPED,
        "FAILED": Phase.FAILED,
        "DELETING": Phase.DELETING,
    }
)
"""Pod status -> phase (RUNNING is ready only with an SSH command, see ``Pod.observe``)."""


class Location(_Response):
    country: str = ""
    country_code: str = ""
    city: str = ""


class Executor(_Response):
    """A machine for rent."""

    id: str
    machine_name: str
    price_per_hour: float = 0.0
    price_per_gpu: float = 0.0
    gpu_count: int = 0
    location: Location = Field(default_factory=Location)
    executor_ip_address: str = ""
    uptime_in_minutes: int = 0
    tier: str = ""

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        """GPU count lives in ``specs``; older answers have only the per-GPU price."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if not data.get("gpu_count"):
            data["gpu_count"] = ((data.get("specs") or {}).get("gpu") or {}).get("count") or 0
        if not data.get("price_per_hour") and data.get("price_per_gpu"):
            data["price_per_hour"] = data["price_per_gpu"] * data["gpu_count"]
        return data


class Template(_Response):
    id: str
    user_id: str | None = None
    name: str = ""
    docker_image: str = ""
    docker_image_tag: str | None = None
    docker_image_digest: str | None = None
    internal_ports: list[int] | None = None
    startup_commands: str | None = None
    environment: dict[str, str] | None = None
    entrypoint: str | None = None
    volumes: list[str] | None = None
    category: str | None = None
    is_private: bool | None = None
    description: str | None = None
    readme: str | None = None
    status: str = ""
    verification_logs: str | None = None


class DockerImage(_Response):
    """An image Celium recommends for a machine (``GET /executors/default-docker-image``)."""

    docker_image: str
    docker_image_tag: str = "latest"

    @property
    def reference(self) -> str:
        """``image:tag``."""
        return f"{self.docker_image}:{self.docker_image_tag}"


class GpuLoad(_Response):
    """One GPU's use, in percent."""

    gpu_utilization: float | None = None
    memory_utilization: float | None = None


class GpuSpecs(_Response):
    count: int = 0
    driver: str | None = None
    details: list[GpuLoad] = Field(default_factory=list)


class Load(_Response):
    """A CPU's or the memory's size and use: ``count`` cores or ``total`` KiB (guess: the
    contract gives no unit), ``utilization`` in percent."""

    count: int | None = None
    model: str | None = None
    total: int | None = None
    utilization: float | None = None


class ExecutorSpecs(_Response):
    """The machine as Celium's validators last measured it."""

    gpu: GpuSpecs = Field(default_factory=GpuSpecs)
    cpu: Load = Field(default_factory=Load)
    ram: Load = Field(default_factory=Load)
    os: str | None = None

    def facts(self) -> dict[str, Any]:
        """What the machine is: CPU, cores, memory (GB), OS and GPU driver."""
        kib = self.ram.total
        return {
            "cpu": self.cpu.model,
            "cpu_count": self.cpu.count,
            "ram_gb": round(kib / 1024 / 1024) if kib else None,
            "os": self.os,
            "gpu_driver": self.gpu.driver,
        }

    def telemetry(self) -> dict[str, Any]:
        """Utilisation in percent (GPUs one entry each), the shape of RunPod's ``runtime``."""
        return {
            "gpu_util": [g.gpu_utilization for g in self.gpu.details],
            "gpu_memory_util": [g.memory_utilization for g in self.gpu.details],
            "cpu_util": self.cpu.utilization,
            "memory_util": self.ram.utilization,
        }


class PodExecutor(_Response):
    id: str = ""
    machine_name: str = ""
    price_per_hour: float = 0.0
    executor_ip_address: str = ""
    specs: ExecutorSpecs | None = None


class ExecutorStatus(_Response):
    logs: list[Any] = Field(default_factory=list)


class Pod(_Response):
    id: str
    pod_name: str = ""
    status: str = ""
    ssh_connect_cmd: str | None = None
    ports_mapping: dict[str, int] = Field(default_factory=dict)
    gpu_name: str = ""
    gpu_count: int = 0
    price: float | None = None
    executor: PodExecutor = Field(default_factory=PodExecutor)
    executor_status: ExecutorStatus | None = None
    created_at: str | None = None
    """When it was rented, by Celium's clock (naive ISO time, UTC)."""
    removal_scheduled_at: str | None = None
    """When Celium removes the pod by itself (naive ISO time, UTC), if scheduled."""
    template: dict[str, Any] | None = None
    """The template it was rented with (its fields, without id and status)."""
    rented_from: Executor | None = Field(None, exclude=True)
    """The listed executor this pod was rented from (set by the renter, not the API: the
    pod's own answer does not say where the machine is)."""

    @field_validator("ports_mapping", mode="before")
    @classmethod
    def _ports(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @field_validator("gpu_count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return int(value) if value not in (None, "") else 0

    def observe(self) -> Observed[Pod]:
        """Celium's own rule: ready when RUNNING with an SSH command to use."""
        phase = POD_PHASES(self.status)
        if phase is Phase.READY and not self.ssh_connect_cmd:
            return Observed(Phase.PENDING, self.status, obj=self, note="no SSH command yet")
        reason = None
        if phase is Phase.FAILED:
            status = self.executor_status
            logs = [str(line) for line in (status.logs if status else [])]
            reason = "; ".join(logs[-5:]) or "the pod failed without logs"
        return Observed(phase, self.status, reason, self)


class User(_Response):
    """``GET /users/me``: the account behind the API key."""

    id: str | int


class SshKey(_Response):
    id: str
    name: str = ""
    public_key: str = ""


class Volume(_Response):
    id: str
    name: str = ""
    description: str = ""
    current_size_bytes: int = 0
    current_size_gb: float = 0.0
