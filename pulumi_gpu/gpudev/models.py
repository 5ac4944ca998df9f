"""GPU Dev API objects as the client returns them, the GPU type table and the status map.

Response models ignore fields they do not know, so a richer API does not break us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from pulumi_gpu.core.jobs import RunStatus

# Job statuses (pending | queued | preparing | creating_server | active | cancelled |
# expired | failed | completed).
PENDING = "pending"
QUEUED = "queued"
PREPARING = "preparing"
ACTIVE = "active"
CANCELLED = "cancelled"
EXPIRED = "expired"
FAILED = "failed"
COMPLETED = "completed"
TERMINAL = frozenset({CANCELLED, EXPIRED, FAILED, COMPLETED})
"""Statuses a job never leaves: the reservation is over."""

RUN_STATUSES = {
    PENDING: RunStatus.QUEUED,
    QUEUED: RunStatus.QUEUED,
    PREPARING: RunStatus.STARTING,
    "creating_server": RunStatus.STARTING,
    ACTIVE: RunStatus.RUNNING,
    COMPLETED: RunStatus.SUCCEEDED,
    FAILED: RunStatus.FAILED,
    EXPIRED: RunStatus.EXPIRED,
    CANCELLED: RunStatus.CANCELLED,
}
"""Job status -> the run's status (a status not listed counts as still starting)."""


# Disk operation statuses ("unknown" when the row has none).
OPERATION_COMPLETED = "completed"
OPERATION_FAILED = "failed"

MAX_TOTAL_HOURS = 48
"""The service refuses an extension that makes a reservation last more than 48 hours."""


@dataclass(frozen=True)
class GpuType:
    """One GPU type of the GPU Dev cluster (the service's ``gpu_types`` table)."""

    instance_type: str
    max_per_node: int
    """GPUs per node; 0 for CPU-only types."""

    @property
    def cpu_only(self) -> bool:
        return self.max_per_node == 0

    def allowed_counts(self) -> tuple[int, ...]:
        """GPU counts a job of this type may ask for (16 = two 8-GPU nodes)."""
        if self.cpu_only:
            return (0,)
        counts = tuple(c for c in (1, 2, 4, 8) if c <= self.max_per_node)
        return (*counts, 16) if self.max_per_node == 8 else counts


GPU_TYPES: dict[str, GpuType] = {
    "t4": GpuType("g4dn.12xlarge", 4),
    "t4-small": GpuType("g4dn.2xlarge", 1),
    "l4": GpuType("g6.12xlarge", 4),
    "a10g": GpuType("g5.12xlarge", 4),
    "a100": GpuType("p4d.24xlarge", 8),
    "h100": GpuType("p5.48xlarge", 8),
    "h200": GpuType("p5e.48xlarge", 8),
    "b200": GpuType("p6-b200.48xlarge", 8),
    "cpu-x86": GpuType("c7i.8xlarge", 0),
    "cpu-arm": GpuType("c7g.8xlarge", 0),
}
"""The types the reservation processor accepts, with their node instance type."""


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class IssuedKey(_Response):
    """An API key from ``/v1/auth/aws-login`` or ``/v1/keys/rotate``."""

    api_key: str = Field(repr=False)
    key_prefix: str = ""
    user_id: int | None = None
    username: str = ""
    aws_arn: str | None = None
    expires_at: datetime | None = None
    ttl_hours: int | None = None


class JobSubmission(_Response):
    job_id: str
    status: str = ""
    message: str = ""
    estimated_start_time: str | None = None


class Job(_Response):
    """``JobDetail``. The last four fields are in the service's database and read by the
    gpu-dev CLI, but not every deployment returns them."""

    job_id: str
    reservation_id: str | None = None
    user_id: str | None = None
    status: str
    gpu_type: str | None = None
    gpu_count: int | None = None
    instance_type: str | None = None
    duration_hours: float | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    name: str | None = None
    pod_name: str | None = None
    node_ip: str | None = None
    node_port: int | None = None
    ssh_command: str | None = None
    jupyter_enabled: bool = False
    jupyter_url: str | None = None
    jupyter_token: str | None = Field(None, repr=False)
    github_user: str | None = None
    queue_position: int | None = None
    failure_reason: str | None = None
    current_detailed_status: str | None = None
    extension_error: str | None = None

    queue_note: str | None = Field(None, exclude=True)
    """Where a queued job stands, when the service does not say (set by the provider)."""

    @property
    def ended(self) -> bool:
        return self.status.lower() in TERMINAL


class JobPage(_Response):
    jobs: list[Job] = Field(default_factory=list)
    total: int = 0
    limit: int = 50
    offset: int = 0


class JobAction(_Response):
    job_id: str
    action: str
    status: str = ""
    message: str = ""


class GpuAvailability(_Response):
    """Capacity of one GPU type, computed by the service from its reservations."""

    gpu_type: str
    total: int = 0
    available: int = 0
    in_use: int = 0
    queued: int = 0
    max_per_node: int = 0


class ClusterStatus(_Response):
    total_gpus: int = 0
    available_gpus: int = 0
    in_use_gpus: int = 0
    queued_gpus: int = 0
    active_reservations: int = 0
    preparing_reservations: int = 0
    queued_reservations: int = 0
    pending_reservations: int = 0
    by_gpu_type: dict[str, GpuAvailability] = Field(default_factory=dict)
    timestamp: datetime | None = None


class DiskOperation(_Response):
    """The answer to a queued disk create or delete."""

    operation_id: str
    disk_name: str
    action: str = ""
    message: str = ""
    requested_at: datetime | None = None


class DiskOperationStatus(_Response):
    operation_id: str
    disk_name: str = ""
    status: str = "unknown"
    error: str | None = None
    is_deleted: bool = False
    delete_date: str | None = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
    completed: bool = False

    @property
    def succeeded(self) -> bool:
        return self.completed and self.status == OPERATION_COMPLETED

    def failure_reason(self) -> str | None:
        if self.status != OPERATION_FAILED:
            return None
        return self.error or "the disk operation failed without a reason"


class Disk(_Response):
    """``DiskInfo``: a named persistent disk of the caller."""

    disk_name: str
    user_id: str | None = None
    size_gb: int | None = None
    created_at: datetime | None = None
    last_used: datetime | None = None
    in_use: bool = False
    reservation_id: str | None = None
    is_backing_up: bool = False
    is_deleted: bool = False
    snapshot_count: int = 0
    creating: DiskOperationStatus | None = Field(None, exclude=True)
    """While this provider's create operation runs: its last status (the disk is not
    listed until the operation completes)."""


class DiskContent(_Response):
    disk_name: str
    content: str | None = None
    s3_path: str | None = None
    snapshot_date: str | None = None
    message: str | None = None


class DiskRename(_Response):
    message: str = ""
    old_name: str
    new_name: str
    snapshots_updated: int = 0
    errors: list[str] = Field(default_factory=list)


class Health(_Response):
    status: str
    database: str = ""
    queue: str = ""
    timestamp: datetime | None = None


def iso(moment: datetime | None) -> str | None:
    """A timestamp as ISO-8601 UTC text for outputs ('2026-01-20T20:00:00Z')."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
