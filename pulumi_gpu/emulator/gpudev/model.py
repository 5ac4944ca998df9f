"""The GPU Dev emulator's data: status names, the GPU type table, the test identities,
timings and switches, and the rows of the service's tables (users, keys, jobs, disks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.emulator.commands import Script
from pulumi_gpu.emulator.runs import Run

# Job statuses
PENDING, QUEUED, PREPARING, ACTIVE = "pending", "queued", "preparing", "active"
CANCELLED, EXPIRED, FAILED, COMPLETED = "cancelled", "expired", "failed", "completed"
TERMINAL = frozenset({CANCELLED, EXPIRED, FAILED, COMPLETED})
HOLDING = frozenset({PREPARING, ACTIVE})
"""Statuses whose jobs hold GPUs (and count as ``in_use``)."""
WAITING = frozenset({PENDING, QUEUED})
"""Statuses whose jobs count as ``queued`` GPUs."""

# Disk operation statuses; "queued" is ours: the processor has not seen the operation yet.
OP_QUEUED, OP_IN_PROGRESS, OP_COMPLETED, OP_FAILED = "queued", "in_progress", "completed", "failed"

ALLOWED_ROLE = "SSOCloudDevGpuReservation"
MAX_TOTAL_HOURS = 48
"""The processor refuses extensions past 48 hours after launch."""
STALE_QUEUE_SECONDS = 48 * 3600
PREPARING_WATCHDOG_SECONDS = 3600
DISK_RETENTION_DAYS = 30
DEFAULT_DISK_GB = 1024
DEFAULT_IMAGE = "pytorch/pytorch:2.8.0-cuda12.9-cudnn9-devel"
PROCESSOR_VERSION = "0.4.0"


@dataclass(frozen=True)
class GpuType:
    """A row of the ``gpu_types`` table (fixture 001_initial_gpu_types.sql)."""

    instance_type: str
    max_per_node: int
    cpus: int
    memory_gb: int
    total_cluster_gpus: int


GPU_TYPES: dict[str, GpuType] = {
    "t4": GpuType("g4dn.12xlarge", 4, 48, 192, 8),
    "t4-small": GpuType("g4dn.2xlarge", 1, 8, 32, 1),
    "l4": GpuType("g6.12xlarge", 4, 48, 192, 4),
    "a10g": GpuType("g5.12xlarge", 4, 48, 192, 4),
    "a100": GpuType("p4d.24xlarge", 8, 96, 1152, 16),
    "h100": GpuType("p5.48xlarge", 8, 192, 2048, 16),
    "h200": GpuType("p5e.48xlarge", 8, 192, 2048, 16),
    "b200": GpuType("p6-b200.48xlarge", 8, 192, 2048, 16),
    "cpu-x86": GpuType("c7i.8xlarge", 0, 32, 64, 0),
    "cpu-arm": GpuType("c7g.8xlarge", 0, 32, 64, 0),
}
VALID_GPU_TYPES = (
    "t4",
    "l4",
    "a10g",
    "t4-small",
    "a100",
    "h100",
    "h200",
    "b200",
    "cpu-arm",
    "cpu-x86",
)
"""In the order of the processor's "Must be one of" message."""
GPU_COUNTS = (1, 2, 4, 8, 16)


@dataclass(frozen=True)
class AwsIdentity:
    """Credentials the emulated STS ``GetCallerIdentity`` knows, and who they are."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    arn: str


def _session_token(name: str) -> str:
    return f"IQoJb3JpZ2luX2VjEGpudev-emulator-{name}-" + "Q" * 96


EMULATOR_AWS = AwsIdentity(
    "ASIAGPUDEVEMULATOR01",
    "gpudev+emulator+secret+access+key+0000000001",
    _session_token("emulator-user"),
    f"arn:aws:sts::123456789012:assumed-role/{ALLOWED_ROLE}/emulator-user",
)
"""The test credentials stacks get from :meth:`GpuDevBackend.stack_config`."""
OTHER_AWS = AwsIdentity(
    "ASIAGPUDEVOTHERUSER1",
    "gpudev+emulator+secret+access+key+0000000002",
    _session_token("other-user"),
    f"arn:aws:sts::123456789012:assumed-role/{ALLOWED_ROLE}/other-user",
)
WRONG_ROLE_AWS = AwsIdentity(
    "ASIAGPUDEVWRONGROLE1",
    "gpudev+emulator+secret+access+key+0000000003",
    _session_token("read-only"),
    "arn:aws:sts::123456789012:assumed-role/SSOReadOnly/emulator-user",
)
IAM_USER_AWS = AwsIdentity(
    "AKIAGPUDEVIAMUSER001",
    "gpudev+emulator+secret+access+key+0000000004",
    None,
    "arn:aws:iam::123456789012:user/emulator-user",
)
AWS_IDENTITIES = (EMULATOR_AWS, OTHER_AWS, WRONG_ROLE_AWS, IAM_USER_AWS)

STATIC_API_KEY = "gpudev-emulator-static-api-key-0001"
"""A key issued to ``emulator-user`` at reset, valid for 168 h (the longest TTL): for
``pulumi-gpu:gpudevApiKey`` without an AWS login."""


@dataclass
class Timings:
    """Simulated seconds each step takes (tests shorten or lengthen them)."""

    pickup: float = 5.0
    """The processor polls its queue every 5 s: a message takes effect this much later."""
    schedule: float = 2.0
    """A new job stays ``pending`` this long before it is queued or prepared (guess)."""
    prepare: float = 90.0
    """``preparing`` -> ``active``: pod creation, image pull (guess: no boot time is documented)."""
    disk_create: float = 20.0
    disk_delete: float = 10.0
    expiry_grace: float = 120.0
    ssh_banner: float = 5.0
    """``active`` -> the SSH port sends its banner (sshd up; guess)."""


@dataclass
class Settings:
    """Service configuration and switches for documented defects."""

    key_ttl_seconds: float = 2 * 3600.0
    """API_KEY_TTL_HOURS (default 2); tests set a few seconds to expire keys mid-run."""
    action_500_quirk: bool = True
    """The real handlers of cancel/extend/jupyter/users answer 500 instead of 404/403."""
    strict_job_detail: bool = False
    """Drop ``queue_position``, ``failure_reason``, ``current_detailed_status`` and
    ``extension_error`` from job answers, as the pinned ``response_model`` does. Off by
    default (guess): the gpu-dev CLI reads those fields from this very answer."""
    extend_version_gate_bug: bool = False
    """The processor's CLI-version gate fails a job on an ``extend`` (probable bug)."""


@dataclass
class ApiUser:
    id: int
    username: str
    aws_arn: str | None = None
    is_active: bool = True


@dataclass
class ApiKey:
    key_hash: str
    key_prefix: str
    username: str
    created_at: float
    expires_at: float
    revoked: bool = False
    last_used_at: float | None = None
    plaintext: str = field(default="", repr=False)
    """The real service keeps only the hash; the emulator keeps the key so tests can
    look for it where it must not be (state files, logs)."""


@dataclass
class Message:
    id: int
    queue: str
    body: dict[str, Any]
    process_at: float


@dataclass
class Job:
    id: str
    owner: str
    gpu_type: str
    gpu_count: int
    instance_type: str
    duration_hours: float
    image: str | None
    disk_name: str | None
    disk_size_gb: int | None
    env_vars: dict[str, str]
    command: str | None
    github_user: str | None
    jupyter_enabled: bool
    pod_name: str
    created_at: float
    status: str = PENDING
    status_since: float = 0.0
    decide_at: float = 0.0
    ready_at: float | None = None
    launched_at: float | None = None
    expires_at: float | None = None
    node_ip: str | None = None
    node_port: int | None = None
    jupyter_url: str | None = None
    jupyter_token: str | None = None
    failure_reason: str | None = None
    detailed_status: str | None = None
    extension_error: str | None = None
    planned_failure: str | None = None
    stuck: bool = False
    allocation: list[tuple[int, int]] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    queue_position: int | None = None
    run: Run | None = None
    """Its ``command``, run from the moment the job is active (None: no command)."""
    planned: Script | None = None
    """What the run does instead of the command (the run control, before it starts)."""


@dataclass
class Disk:
    name: str
    owner: str
    size_gb: int
    created_at: float
    last_used: float | None = None
    in_use: bool = False
    reservation_id: str | None = None
    is_backing_up: bool = False
    is_deleted: bool = False
    delete_date: str | None = None
    snapshot_count: int = 0
    last_snapshot_at: float | None = None


@dataclass
class DiskOperation:
    id: str
    owner: str
    disk_name: str
    action: str
    requested_at: float
    process_at: float
    size_gb: int | None = None
    status: str = OP_QUEUED
    error: str | None = None
    done_at: float | None = None
    last_updated: float = 0.0
    delete_date: str | None = None
    planned_error: str | None = None
    """An injected failure: the operation fails with this error when it would complete."""
