"""``gpudev.Job``: a GPU dev-server reservation, waited on through the queue until active."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import Field, ValidationInfo, field_validator

from pulumi_gpu.core.checks import check_env_names
from pulumi_gpu.core.errors import ApiError, GpuCloudError, NotFoundError, TransportError
from pulumi_gpu.core.lifecycle import cleanup_on_failure
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
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.core.waiting import wait_for
from pulumi_gpu.gpudev.client import GpuDevClient, gpudev_client
from pulumi_gpu.gpudev.models import (
    ACTIVE,
    CANCELLED,
    EXPIRED,
    GPU_TYPES,
    MAX_TOTAL_HOURS,
    QUEUED,
    iso,
)
from pulumi_gpu.gpudev.models import Job as ApiJob

__all__ = ["GpuTypeName", "Job", "JobInputs"]

GpuTypeName = Literal[
    "t4", "t4-small", "l4", "a10g", "a100", "h100", "h200", "b200", "cpu-x86", "cpu-arm"
]
_GITHUB_USER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_DISK_NAME = r"^[A-Za-z0-9_-]+$"
RESERVED_ENV = {
    "RESERVATION_ID": "set by pulumi-gpu (a new id per job)",
    "GPU_TYPE": "use the gpu_type input",
    "GPU_COUNT": "use the gpu_count input",
    "GITHUB_USER": "use the github_user input",
    "JUPYTER_ENABLED": "use the jupyter input",
    "USER_ID": "the service takes it from the API key",
}
"""Variables of the submit body's ``env_vars`` that the service reads as job settings."""

APPEAR_TIMEOUT = 120.0
"""Seconds a submitted job may take to appear (the processor polls its queue every 5 s)."""
ACTION_TIMEOUT = 300.0
"""Seconds an extension or Jupyter toggle may take to be applied (the gpu-dev CLI waits 3 min)."""
DELETE_TIMEOUT = 600.0


class JobInputs(ResourceInputs):
    """Inputs of a GPU Dev job (a reservation of a GPU dev server for some hours).

    In place: a longer ``duration_hours`` (an extension; at most 48 hours in total),
    ``jupyter`` on/off, more ``extra_users``. Anything else - a shorter duration, another
    GPU type or count, image, disk, environment, command, a removed user - replaces the
    job: the old reservation is cancelled first (its GPUs and disk are needed by the
    new one), then a new one is queued.
    """

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
        description=(
            "Hours reserved, counted from when the job becomes active (1-72). Raising it "
            "extends the job in place, up to 48 hours in total; lowering it replaces the job."
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
            "Persistent disk mounted into the server (a gpudev.Disk's name); the service "
            "creates it on first use. A disk serves one job at a time."
        ),
        json_schema_extra=references("disks", output="name"),
    )
    disk_size_gb: int | None = Field(
        None,
        ge=10,
        le=10000,
        description="Size of the disk when the service creates it on first use (needs disk_name).",
        json_schema_extra=REPLACES,
    )
    env_vars: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Environment variables of the server (kept secret in the state: they often "
            "hold tokens)."
        ),
        json_schema_extra={**REPLACES, **SECRET},
    )
    command: str | None = Field(
        None, min_length=1, description="Command run in the server.", json_schema_extra=REPLACES
    )
    github_user: str | None = Field(
        None,
        description="GitHub user whose public SSH keys are installed when the job starts.",
        json_schema_extra=REPLACES,
    )
    extra_users: list[str] = Field(
        default_factory=list,
        description=(
            "More GitHub users whose public SSH keys are added to the server. Adding names "
            "updates in place; removing one replaces the job (keys cannot be taken back)."
        ),
    )
    jupyter: bool = Field(False, description="Run Jupyter Lab on the server; toggles in place.")
    wait_timeout: float = Field(
        3600,
        gt=0,
        description="Seconds to wait for the job to become active, time in the queue included.",
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
        check_env_names(value)
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


def _submit_body(inputs: JobInputs, reservation_id: str) -> dict[str, Any]:
    env = {
        **inputs.env_vars,
        "RESERVATION_ID": reservation_id,
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


def _outputs(job: ApiJob, launched_at: datetime | None) -> dict[str, Any]:
    return {
        "status": job.status,
        "ssh_command": job.ssh_command,
        "node_ip": job.node_ip,
        "node_port": job.node_port,
        "pod_name": job.pod_name,
        "jupyter_url": job.jupyter_url,
        "jupyter_token": job.jupyter_token,
        "expires_at": iso(job.expires_at),
        "launched_at": iso(launched_at),
    }


def _settled(inputs: JobInputs) -> dict[str, Any]:
    """The inputs that are also outputs, with their defaults applied."""
    return {
        "gpu_type": inputs.gpu_type,
        "gpu_count": inputs.gpu_count,
        "duration_hours": inputs.duration_hours,
        "jupyter": inputs.jupyter,
    }


def _launched_at(job: ApiJob, duration_hours: float) -> datetime | None:
    """When an active job started: the service sets ``expires_at`` to launch + duration."""
    if job.expires_at is None:
        return None
    return job.expires_at - timedelta(hours=duration_hours)


def _recorded_launch(state: Mapping[str, Any]) -> datetime | None:
    text = state.get("launched_at")
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _hours_reserved(job: ApiJob, launched_at: datetime | None) -> int | None:
    """The reservation's length in whole hours, from launch to the current expiry."""
    if launched_at is None or job.expires_at is None:
        return None
    return round((job.expires_at - launched_at).total_seconds() / 3600)


@dataclass(frozen=True)
class _Seen:
    """One poll of a job that is being waited on: the job (None: not visible yet) and a
    note on where it stands in the queue."""

    job: ApiJob | None
    queue: str | None = None

    def status(self) -> str:
        if self.job is None:
            return "submitted, waiting for the reservation processor"
        if self.job.status == QUEUED:
            return f"queued ({self.queue})" if self.queue else "queued"
        detail = self.job.current_detailed_status
        return f"{self.job.status} ({detail})" if detail else self.job.status

    def failure(self) -> str | None:
        job = self.job
        if job is None or not job.ended:
            return None
        if job.failure_reason or job.current_detailed_status:
            return job.failure_reason or job.current_detailed_status
        if job.status == CANCELLED:
            return "the job was cancelled (by someone else, or after 48 h in the queue)"
        if job.status == EXPIRED:
            return "the reservation expired"
        return "the GPU Dev API does not say why (this deployment returns no failure_reason)"


def _queue_note(client: GpuDevClient, job: ApiJob) -> str | None:
    """Where a queued job stands: its position, else the service's words, else capacity."""
    if job.queue_position is not None:
        return f"position {job.queue_position}"
    if job.current_detailed_status:
        return job.current_detailed_status
    if job.gpu_type is None:
        return None
    capacity = client.gpu_availability().get(job.gpu_type)
    if capacity is None:
        return None
    return (
        f"{capacity.available} of {capacity.total} {job.gpu_type} GPUs free, "
        f"{capacity.queued} queued"
    )


def _peek(client: GpuDevClient, job_id: str) -> ApiJob | None:
    try:
        return client.get_job(job_id)
    except NotFoundError:
        return None


def _wait_active(client: GpuDevClient, job_id: str, what: str, timeout: float) -> ApiJob:
    def fetch() -> _Seen:
        job = _peek(client, job_id)
        if job is not None and job.status == QUEUED:
            return _Seen(job, _queue_note(client, job))
        return _Seen(job)

    seen = wait_for(
        what,
        fetch,
        status=_Seen.status,
        ready=lambda s: s.job is not None and s.job.status == ACTIVE,
        failure=_Seen.failure,
        timeout=timeout,
    )
    assert seen.job is not None
    return seen.job


def _cancel_and_wait(
    client: GpuDevClient, job_id: str, timeout: float, *, just_submitted: bool = False
) -> None:
    """Cancel and wait for a terminal status. A job already over, or gone, is success.

    ``just_submitted``: the job may not be visible yet (its submit is still queued); wait
    for it to appear before cancelling, or it would start after we gave up on it.
    """
    job = _peek(client, job_id)
    if job is None and just_submitted:
        job = wait_for(
            f"gpudev job {job_id} to appear (to cancel it)",
            lambda: _peek(client, job_id),
            status=lambda j: j.status if j else "not visible yet",
            ready=lambda j: j is not None,
            timeout=min(timeout, APPEAR_TIMEOUT),
        )
    if job is None or job.ended:
        return
    try:
        client.cancel_job(job_id)
    except NotFoundError:
        return
    wait_for(
        f"gpudev job {job_id} cancellation",
        lambda: _peek(client, job_id),
        status=lambda j: j.status if j else "gone",
        ready=lambda j: j is None or j.ended,
        timeout=timeout,
    )


class JobProvider(GpuProvider[JobInputs]):
    inputs_model = JobInputs
    kind = "gpudev Job"
    delete_before_replace = True
    """The new job needs the GPUs and the disk the old one holds."""

    # -- policy --------------------------------------------------------------------------

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field == "duration_hours":
            old, new = olds.get(field, 1), news.get(field, 1)
            if contains_unknown(new) or contains_unknown(old):
                return Change.REPLACE
            return Change.UPDATE if float(new) > float(old) else Change.REPLACE
        if field == "extra_users":
            old_users, new_users = olds.get(field) or [], news.get(field) or []
            if contains_unknown(new_users) or contains_unknown(old_users):
                return Change.REPLACE
            return Change.UPDATE if set(old_users) <= set(new_users) else Change.REPLACE
        return super().change_kind(field, olds, news)

    def check_change(self, old: JobInputs, new: JobInputs) -> list[CheckFailure]:
        if old.duration_hours < new.duration_hours > MAX_TOTAL_HOURS:
            return [
                CheckFailure(
                    "duration_hours",
                    f"a GPU Dev job can be extended to at most {MAX_TOTAL_HOURS} hours in total, "
                    f"so {old.duration_hours} -> {new.duration_hours} cannot be done in place; "
                    f"use at most {MAX_TOTAL_HOURS}, or destroy this job first "
                    f"(`pulumi destroy --target <its URN>`) to start a new "
                    f"{new.duration_hours} h reservation",
                )
            ]
        return []

    # -- lifecycle -----------------------------------------------------------------------

    def create_resource(self, inputs: JobInputs) -> tuple[str, dict[str, Any]]:
        client = gpudev_client()
        job_id = str(uuid.uuid4())
        what = f"gpudev job {job_id} ({inputs.gpu_count}x {inputs.gpu_type})"
        try:
            client.submit_job(_submit_body(inputs, job_id))
        except (ApiError, TransportError) as failure:
            if not failure.outcome_unknown:
                raise
            raise GpuCloudError(
                f"{what}: the submit failed and may have been queued anyway ({failure}); "
                f"if reservation {job_id} appears, cancel it (`gpu-dev cancel {job_id}`)"
            ) from failure
        report(f"{what}: submitted")

        def ready() -> ApiJob:
            job = _wait_active(client, job_id, what, inputs.wait_timeout)
            _add_users(client, job_id, inputs.extra_users, what)
            return job

        job = cleanup_on_failure(
            what,
            job_id,
            wait=ready,
            delete=lambda: _cancel_and_wait(client, job_id, DELETE_TIMEOUT, just_submitted=True),
        )
        return job_id, {
            **_settled(inputs),
            **_outputs(job, _launched_at(job, inputs.duration_hours)),
        }

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        job = _peek(gpudev_client(), id_)
        if job is None or job.ended:
            return None  # an expired, cancelled or failed reservation is gone for good
        launched = _recorded_launch(state) or (
            _launched_at(job, float(state.get("duration_hours") or 1))
            if job.status == ACTIVE
            else None
        )
        live: dict[str, Any] = {"jupyter": job.jupyter_enabled}
        if job.gpu_type:
            live["gpu_type"] = job.gpu_type
        if job.gpu_count is not None:
            live["gpu_count"] = job.gpu_count
        if state.get("instance_type") and job.instance_type:
            live["instance_type"] = job.instance_type
        hours = _hours_reserved(job, launched)
        if hours is not None:
            live["duration_hours"] = hours
        return {**live, **_outputs(job, launched)}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: JobInputs, changed: set[str]
    ) -> dict[str, Any]:
        client = gpudev_client()
        what = f"gpudev job {id_}"
        job = _peek(client, id_)
        if job is None or job.ended:
            status = job.status if job else "gone"
            raise GpuCloudError(
                f"{what} is {status} and can no longer change; run `pulumi refresh` to drop "
                "it from the state, and `pulumi up` queues a new job"
            )
        launched = _recorded_launch(state) or _launched_at(
            job, float(state.get("duration_hours") or 1)
        )
        if "duration_hours" in changed:
            job = _extend(client, job, launched, inputs.duration_hours, what)
        if "extra_users" in changed:
            known = set(state.get("extra_users") or [])
            _add_users(client, id_, [u for u in inputs.extra_users if u not in known], what)
        if "jupyter" in changed and job.jupyter_enabled != inputs.jupyter:
            job = _toggle_jupyter(client, job, inputs.jupyter, what)
        return {**_settled(inputs), **_outputs(job, launched)}

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        _cancel_and_wait(gpudev_client(), id_, DELETE_TIMEOUT)


def _extend(
    client: GpuDevClient, job: ApiJob, launched: datetime | None, hours: int, what: str
) -> ApiJob:
    """Extend until the job expires ``hours`` after its launch (nothing if it already does)."""
    if launched is None or job.expires_at is None:
        raise GpuCloudError(f"{what} ({job.status}) has no launch time to extend from")
    target = launched + timedelta(hours=hours)
    missing = (target - job.expires_at).total_seconds()
    if missing <= 0:
        return job
    extension = math.ceil(missing / 3600 - 1e-9)
    earlier_error = job.extension_error
    try:
        client.extend_job(job.job_id, extension)
    except (ApiError, TransportError) as failure:
        if not failure.outcome_unknown:
            raise
        report(f"{what}: the extension's answer was lost ({failure}); checking whether it applies")
    report(f"{what}: asked to extend by {extension} h (to {hours} h in total)")

    def refused(j: ApiJob) -> str | None:
        if j.ended:
            return f"the job is {j.status}"
        if j.extension_error and j.extension_error != earlier_error:
            return j.extension_error
        return None

    return wait_for(
        f"{what} extension to {hours} h",
        lambda: client.get_job(job.job_id),
        status=lambda j: f"{j.status}, expires {iso(j.expires_at)}",
        ready=lambda j: j.expires_at is not None and j.expires_at >= target - timedelta(seconds=1),
        failure=refused,
        timeout=ACTION_TIMEOUT,
    )


def _add_users(client: GpuDevClient, job_id: str, users: Sequence[str], what: str) -> None:
    """Ask the service to add each user's GitHub SSH keys (it reports no result to wait for)."""
    for user in users:
        client.add_user(job_id, user)
        report(f"{what}: asked to add the SSH keys of GitHub user {user}")


def _toggle_jupyter(client: GpuDevClient, job: ApiJob, on: bool, what: str) -> ApiJob:
    if on:
        client.enable_jupyter(job.job_id)
    else:
        client.disable_jupyter(job.job_id)
    return wait_for(
        f"{what} Jupyter {'on' if on else 'off'}",
        lambda: client.get_job(job.job_id),
        status=lambda j: "Jupyter on" if j.jupyter_enabled else "Jupyter off",
        ready=lambda j: j.jupyter_enabled == on and (not on or bool(j.jupyter_url)),
        failure=lambda j: f"the job is {j.status}" if j.ended else None,
        timeout=ACTION_TIMEOUT,
    )


class Job(GpuResource, module="gpudev", name="Job"):
    """A GPU Dev job: a GPU dev server reserved for some hours, waited on until active.

    ``pulumi up`` submits the job and waits while it is pending, queued (the position is
    reported while capacity is short), and preparing, until it is active with an SSH
    command; a job that fails ends the wait with the service's reason and is cancelled.
    A longer ``duration_hours`` extends the job in place (up to 48 h in total), and
    ``jupyter`` and added ``extra_users`` also apply in place; other changes replace it.
    ``pulumi destroy`` cancels it. A job that expired or was cancelled outside Pulumi
    disappears from the state at the next ``pulumi refresh``.

    Example::

        import pulumi
        import pulumi_gpu.gpudev as gpudev

        disk = gpudev.Disk("work", size_gb=200)
        job = gpudev.Job(
            "dev",
            gpu_type="h100",
            gpu_count=4,
            duration_hours=8,
            disk_name=disk.name,
            github_user="octocat",
            jupyter=True,
        )
        pulumi.export("ssh", job.ssh_command)
        pulumi.export("jupyter", job.jupyter_url)
    """

    _secret_outputs = ("jupyter_token",)

    gpu_type: pulumi.Output[str]
    gpu_count: pulumi.Output[int]
    duration_hours: pulumi.Output[int]
    """Hours reserved from launch to ``expires_at`` (extensions included)."""
    jupyter: pulumi.Output[bool]
    status: pulumi.Output[str]
    """GPU Dev status: pending, queued, preparing, active (then cancelled, expired or failed)."""
    ssh_command: pulumi.Output[str]
    """How to connect, e.g. ``gpu-dev connect gpu-dev-1a2b3c4d``."""
    node_ip: pulumi.Output[str]
    node_port: pulumi.Output[int]
    """SSH port of the server on ``node_ip``."""
    pod_name: pulumi.Output[str]
    jupyter_url: pulumi.Output[str | None]
    jupyter_token: pulumi.Output[str | None]
    """Jupyter's token (a secret)."""
    expires_at: pulumi.Output[str]
    """When the reservation ends (ISO 8601, UTC)."""
    launched_at: pulumi.Output[str]
    """When the job became active (ISO 8601, UTC)."""

    def __init__(
        self,
        resource_name: str,
        *,
        gpu_type: pulumi.Input[str],
        gpu_count: pulumi.Input[int] | None = None,
        duration_hours: pulumi.Input[int] | None = None,
        image: pulumi.Input[str] | None = None,
        instance_type: pulumi.Input[str] | None = None,
        disk_name: pulumi.Input[str] | None = None,
        disk_size_gb: pulumi.Input[int] | None = None,
        env_vars: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        command: pulumi.Input[str] | None = None,
        github_user: pulumi.Input[str] | None = None,
        extra_users: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        jupyter: pulumi.Input[bool] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a job; see :class:`JobInputs` for every input's rules."""
        self._register(
            JobProvider(),
            resource_name,
            {
                "gpu_type": gpu_type,
                "gpu_count": gpu_count,
                "duration_hours": duration_hours,
                "image": image,
                "instance_type": instance_type,
                "disk_name": disk_name,
                "disk_size_gb": disk_size_gb,
                "env_vars": env_vars,
                "command": command,
                "github_user": github_user,
                "extra_users": extra_users,
                "jupyter": jupyter,
                "wait_timeout": wait_timeout,
            },
            opts,
        )
