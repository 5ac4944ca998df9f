"""``gpudev.Job`` inputs: the reservation asked for, and how it may change."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.inputs import (
    REPLACES,
    UPDATES,
    EnvVars,
    references,
    wait_timeout_field,
    with_exception,
)
from pulumi_gpu.core.jobs import RunInputs
from pulumi_gpu.gpudev.models import GPU_TYPES

__all__ = ["GpuTypeName", "JobInputs", "submit_body"]

GpuTypeName = Literal[
    "t4", "t4-small", "l4", "a10g", "a100", "h100", "h200", "b200", "cpu-x86", "cpu-arm"
]
_GITHUB_USER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_DISK_NAME = r"^[A-Za-z0-9_-]+$"
RESERVED_ENV = {
    "RESERVATION_ID": "set by pulumi-gpu (a new id per job)",
    "POD_NAME": "use the name input",
    "GPU_TYPE": "use the gpu_type input",
    "GPU_COUNT": "use the gpu_count input",
    "GITHUB_USER": "use the github_user input",
    "JUPYTER_ENABLED": "use the jupyter input",
    "USER_ID": "the service takes it from the API key",
}
"""Variables of the submit body's ``env_vars`` that the service reads as job settings."""


class JobInputs(RunInputs):
    """Inputs of a GPU Dev job (a reservation of a GPU dev server for some hours).

    In place: a longer ``duration_hours`` (an extension; at most 48 hours in total),
    ``jupyter`` on/off, more ``extra_users``. Anything else - a shorter duration, another
    GPU type or count, image, disk, environment, command, a removed user - replaces the
    job: the old reservation is cancelled first (its GPUs and disk are needed by the
    new one), then a new one is queued.
    """

    name: str | None = Field(
        None,
        min_length=1,
        max_length=63,
        pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
        description=(
            "Name of the job's server (its pod): lower-case letters, digits and dashes; "
            "by default pulumi-gpu's (see README, Identity). pulumi-gpu finds the job by it, "
            "so a run that was interrupted is adopted, never submitted twice. A new name "
            "replaces the job. A job made before 0.2.0 has the name the service gave it "
            "(gpu-dev-<id>), kept while no name is given."
        ),
        json_schema_extra=REPLACES,
    )
    gpu_type: GpuTypeName = Field(
        description=(
            "GPU type of the node: t4, t4-small, l4, a10g, a100, h100, h200, b200, or the "
            "CPU-only types cpu-x86 and cpu-arm."
        ),
        examples=["h100"],
        json_schema_extra=REPLACES,
    )
    gpu_count: int = Field(
        1,
        ge=0,
        le=16,
        description=(
            "GPUs to reserve: 1, 2, 4 or 8 up to the type's GPUs per node (t4, l4, a10g: 4; "
            "t4-small: 1; a100, h100, h200, b200: 8, or 16 on two nodes); 0 for CPU types."
        ),
        json_schema_extra=REPLACES,
    )
    duration_hours: int = Field(
        1,
        ge=1,
        le=72,
        description="Hours reserved, counted from when the job becomes active (1-72).",
        json_schema_extra=with_exception(
            UPDATES,
            "raising it extends the job, up to 48 hours in total; lowering it replaces the job",
        ),
    )
    image: str | None = Field(
        None,
        min_length=1,
        description="Container image; unset, the service's default PyTorch image.",
        examples=["pytorch/pytorch:2.8.0-cuda12.9-cudnn9-devel"],
        json_schema_extra=REPLACES,
    )
    instance_type: str | None = Field(
        None,
        min_length=1,
        description="Node instance type; unset, the type's own (p5.48xlarge for h100, ...).",
        json_schema_extra=REPLACES,
    )
    disk_name: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        pattern=_DISK_NAME,
        description=(
            "Persistent disk mounted into the server: a gpudev.Disk's name (pass the "
            "resource's name output so it is made first), or a disk that exists. A name of "
            "no disk is refused at preview (the service would make a disk no resource owns). "
            "A disk serves one job at a time."
        ),
        json_schema_extra=references("disks", output="name"),
    )
    disk_size_gb: int | None = Field(
        None,
        ge=10,
        le=10000,
        description=(
            "Deprecated since 0.2.0 (a job no longer makes its disk: size a gpudev.Disk "
            "instead). Sent as the size of disk_name; the service uses it only for a disk "
            "it makes."
        ),
        json_schema_extra=REPLACES,
    )
    env_vars: EnvVars = Field(
        default_factory=dict,
        description=(
            "Environment variables of the server (kept secret in the state: they often "
            "hold tokens)."
        ),
        json_schema_extra=REPLACES,
    )
    command: str | None = Field(
        None,
        min_length=1,
        description=(
            "Command the server runs; the job then ends with it (succeeded or failed), and "
            "duration_hours is its time box. Without one, the job is a dev server that ends "
            "when its reservation expires."
        ),
        json_schema_extra=REPLACES,
    )
    github_user: str | None = Field(
        None,
        description="GitHub user whose public SSH keys are installed when the job starts.",
        json_schema_extra=REPLACES,
    )
    extra_users: list[str] = Field(
        default_factory=list,
        description="More GitHub users whose public SSH keys are added to the server.",
        json_schema_extra=with_exception(
            UPDATES, "removing one replaces the job (keys cannot be taken back)"
        ),
    )
    jupyter: bool = Field(
        False,
        description="Run Jupyter Lab on the server; toggles in place.",
        json_schema_extra=UPDATES,
    )
    wait_timeout: float = wait_timeout_field(
        3600, "for the job to become active, time in the queue included"
    )

    @field_validator("gpu_count")
    @classmethod
    def _count(cls, value: int, info: ValidationInfo) -> int:
        gpu_type = info.data.get("gpu_type")
        if gpu_type not in GPU_TYPES:
            return value  # gpu_type is invalid or unknown: it gets its own error
        allowed = GPU_TYPES[gpu_type].allowed_counts()
        if value not in allowed:
            if allowed == (0,):
                raise ValueError(f"{gpu_type} is a CPU-only type: gpu_count must be 0")
            shown = ", ".join(map(str, allowed))
            raise ValueError(f"{gpu_type} takes gpu_count {shown}; got {value}")
        return value

    @field_validator("disk_size_gb")
    @classmethod
    def _size(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and "disk_name" in info.data and info.data["disk_name"] is None:
            raise ValueError("disk_size_gb needs disk_name (it sizes that disk)")
        return value

    @field_validator("env_vars")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = sorted(k for k in value if k in RESERVED_ENV)
        if reserved:
            hints = "; ".join(f"{k}: {RESERVED_ENV[k]}" for k in reserved)
            raise ValueError(f"env_vars may not set {', '.join(reserved)} ({hints})")
        return value

    @field_validator("github_user")
    @classmethod
    def _github_user(cls, value: str | None) -> str | None:
        if value is not None and not _GITHUB_USER.match(value):
            raise ValueError(f"{value!r} is not a GitHub username")
        return value

    @field_validator("extra_users")
    @classmethod
    def _extra_users(cls, value: list[str]) -> list[str]:
        bad = [u for u in value if not _GITHUB_USER.match(u)]
        if bad:
            raise ValueError(f"not GitHub usernames: {bad}")
        if len({u.lower() for u in value}) != len(value):
            raise ValueError(f"extra_users has duplicates: {value}")
        return value

    def hourly_price(self) -> Price:
        return Price(None, "GPU Dev sets no hourly price")


def submit_body(inputs: JobInputs, reservation_id: str) -> dict[str, Any]:
    """The ``POST /v1/jobs/submit`` request; the service reads its settings from env_vars."""
    env = {
        **inputs.env_vars,
        "RESERVATION_ID": reservation_id,
        "POD_NAME": inputs.name,
        "GPU_TYPE": inputs.gpu_type,
        "GPU_COUNT": str(inputs.gpu_count),
        "JUPYTER_ENABLED": "true" if inputs.jupyter else "false",
    }
    if inputs.github_user:
        env["GITHUB_USER"] = inputs.github_user
    body: dict[str, Any] = {
        "image": inputs.image,
        "instance_type": inputs.instance_type or GPU_TYPES[inputs.gpu_type].instance_type,
        "duration_hours": inputs.duration_hours,
        "disk_name": inputs.disk_name,
        "disk_size_gb": inputs.disk_size_gb,
        "env_vars": env,
        "command": inputs.command,
    }
    return {k: v for k, v in body.items() if v is not None}
