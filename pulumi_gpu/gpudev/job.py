"""``gpudev.Job``: a GPU dev-server reservation, waited on through the queue until active."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure

from pulumi_gpu.core import jobs
from pulumi_gpu.core.errors import ApiError, GpuCloudError, NotFoundError, TransportError
from pulumi_gpu.core.identity import Inventoried, NameRule
from pulumi_gpu.core.inputs import contains_unknown
from pulumi_gpu.core.jobs import JobWait, Run, RunStatus
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed
from pulumi_gpu.core.provider import Change, Replacement
from pulumi_gpu.core.resource import JobRecord, machine_outputs
from pulumi_gpu.core.waiting import wait_for
from pulumi_gpu.gpudev.client import GpuDevClient, gpudev_client
from pulumi_gpu.gpudev.disk import live_disk
from pulumi_gpu.gpudev.job_inputs import GpuTypeName, JobInputs, submit_body
from pulumi_gpu.gpudev.models import (
    ACTIVE,
    CANCELLED,
    EXPIRED,
    MAX_TOTAL_HOURS,
    QUEUED,
    RUN_STATUSES,
    iso,
)
from pulumi_gpu.gpudev.models import Job as ApiJob

__all__ = ["GpuTypeName", "Job", "JobInputs"]

LIVE = ("pending", "queued", "preparing", "creating_server", "active")
"""Statuses of a job that may still run (what a create looks for by name)."""
ACTION_TIMEOUT = 300.0
"""Seconds an extension or Jupyter toggle may take to be applied (the gpu-dev CLI waits 3 min)."""


def _outputs(job: ApiJob, launched_at: datetime | None) -> dict[str, Any]:
    found = machine_outputs(job.ssh_command, public_ip=job.node_ip)
    found.update(
        ssh_host=job.node_ip,
        ssh_port=job.node_port,
        ssh_user=None,
        ports={"22": job.node_port} if job.node_port else {},
    )
    return {
        **found,
        "pod_name": job.pod_name,
        "jupyter_url": job.jupyter_url,
        "jupyter_token": job.jupyter_token,
        "expires_at": iso(job.expires_at),
        "launched_at": iso(launched_at),
        "reserved_hours": _hours_reserved(job, launched_at),
    }


def _failure(job: ApiJob) -> str | None:
    """Why an ended job did not run (None for a job that still may)."""
    if not job.ended:
        return None
    if job.failure_reason or job.current_detailed_status:
        return job.failure_reason or job.current_detailed_status
    if job.status == CANCELLED:
        return "the job was cancelled (by someone else, or after 48 h in the queue)"
    if job.status == EXPIRED:
        return "the reservation expired"
    return "the GPU Dev API does not say why (this deployment returns no failure_reason)"


def _note(job: ApiJob) -> str | None:
    return job.queue_note if job.status == QUEUED else job.current_detailed_status


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


class JobProvider(jobs.JobProvider[ApiJob]):
    inputs_model = JobInputs
    kind = "gpudev Job"
    name_rule = NameRule(lower=True, underscores=False)
    secret_outputs = frozenset({"jupyter_token"})
    listed = True
    delete_before_replace = True
    """The new job needs the GPUs and the disk the old one holds."""
    visible_after = 120.0
    """A submitted job is not visible until the reservation processor takes it (every 5 s)."""
    look_for_lost = 10.0
    """Submitting again is safe (same reservation id): look only a couple of polls."""

    def client(self) -> GpuDevClient:
        return gpudev_client()

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

    def replacement(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Replacement:
        """The old job is cancelled first; refuse when the cluster has no such GPUs at all."""
        gpu_type = news.get("gpu_type")
        if not isinstance(gpu_type, str):
            return Replacement(delete_first=True)
        try:
            capacity = self.client().gpu_availability().get(gpu_type)
        except GpuCloudError as exc:
            report(f"warning: could not check the cluster's {gpu_type} GPUs at preview: {exc}")
            return Replacement(delete_first=True)
        if capacity is not None and capacity.total == 0:
            return Replacement(
                delete_first=True,
                blocker=(
                    f"the cluster has no {gpu_type} GPUs, and the running job would be "
                    "cancelled first, leaving nothing running"
                ),
            )
        return Replacement(delete_first=True)

    # -- the cloud object -----------------------------------------------------------

    def describe(self, state: Mapping[str, Any]) -> str:
        return f"gpudev job {state.get('name') or '(unnamed)'}"

    def reference_exists(self, field: str, value: str) -> bool | None:
        """A disk_name of no live disk would have the service make it (no resource would
        own it, nothing would delete it)."""
        return live_disk(self.client(), value) is not None if field == "disk_name" else None

    def list_objects(self) -> list[ApiJob]:
        """The jobs that hold or wait for GPUs (an ended one is read on its own)."""
        return list(self.client().iter_jobs(list(LIVE)))

    def find(self, inputs: JobInputs) -> list[ApiJob]:
        if inputs.name is None:
            return []  # nothing to find it by (a replacement's create has a name)
        return [j for j in self.listing() if j.pod_name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [
            Inventoried(j.job_id, j.pod_name, None, iso(j.created_at)) for j in self.list_objects()
        ]

    def create_object(self, inputs: JobInputs, token: str) -> ApiJob:
        """Queue the job under a reservation id made from the create's token: a submit
        sent again after a lost answer is the same reservation, not a second one."""
        job_id = str(uuid.UUID(hex=token))
        self.client().submit_job(submit_body(inputs, job_id))
        report(f"{self.describe(inputs.model_dump())}: submitted as {job_id}")
        return ApiJob(job_id=job_id, status="submitted", pod_name=inputs.name)

    def object_id(self, obj: ApiJob) -> str:
        return obj.job_id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiJob:
        return self.client().get_job(id_)

    def explain(self, obj: ApiJob) -> ApiJob:
        """A queued job comes with its place in line."""
        if obj.status == QUEUED:
            return obj.model_copy(update={"queue_note": _queue_note(self.client(), obj)})
        return obj

    def run(self, obj: ApiJob) -> Run:
        if obj.status == "submitted":
            return Run(RunStatus.QUEUED, "submitted", note="waiting for the reservation processor")
        status = RUN_STATUSES.get(obj.status.lower(), RunStatus.STARTING)
        hours = obj.duration_hours
        launched = _launched_at(obj, hours) if obj.status == ACTIVE and hours else None
        return Run(
            status,
            obj.status,
            reason=_failure(obj) if status is not RunStatus.SUCCEEDED else None,
            started_at=launched.timestamp() if launched else None,
            expires_at=obj.expires_at.timestamp() if obj.expires_at else None,
            note=_note(obj),
        )

    def made(self, obj: ApiJob) -> bool | None:
        return None if obj.status == "submitted" else True

    def released(self, seen: Observed[ApiJob]) -> bool:
        return seen.obj is not None and seen.obj.ended

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        job = self.fetch(id_, state)
        if job is None:
            raise NotFoundError("gpudev", "GET", f"/v1/jobs/{id_}", 404, "not found")
        if not job.ended:
            self.client().cancel_job(id_)

    def outputs(self, obj: ApiJob, state: Mapping[str, Any]) -> dict[str, Any]:
        launched = _recorded_launch(state) or (
            _launched_at(obj, float(self.saved(state).duration_hours))
            if obj.status == ACTIVE
            else None
        )
        return _outputs(obj, launched)

    def reflect(self, obj: ApiJob, state: Mapping[str, Any]) -> dict[str, Any]:
        """What the service reports of the inputs. Not ``duration_hours``: an extension made
        outside Pulumi shows in ``expires_at``/``reserved_hours`` and is never undone."""
        live: dict[str, Any] = {"jupyter": obj.jupyter_enabled}
        if obj.gpu_type:
            live["gpu_type"] = obj.gpu_type
        if obj.gpu_count is not None:
            live["gpu_count"] = obj.gpu_count
        if state.get("instance_type") and obj.instance_type:
            live["instance_type"] = obj.instance_type
        return live

    def after_ready(self, obj: ApiJob, inputs: JobInputs) -> ApiJob:
        _add_users(
            self.client(), obj.job_id, inputs.extra_users, self.describe(inputs.model_dump())
        )
        return obj

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: JobInputs, changed: set[str]
    ) -> set[str]:
        client = self.client()
        what = self.describe(inputs.model_dump())
        job = self.fetch(id_, state)
        if job is None or job.ended:
            status = job.status if job else "gone"
            raise GpuCloudError(
                f"{what} is {status}: the record of a run that ended, which can no longer "
                "change. Change run_id to queue a new job"
            )
        launched = _recorded_launch(state) or _launched_at(
            job, float(self.saved(state).duration_hours)
        )
        if "duration_hours" in changed:
            job = _extend(client, job, launched, inputs.duration_hours, what)
        if "extra_users" in changed:
            known = set(self.saved(state).extra_users)
            _add_users(client, id_, [u for u in inputs.extra_users if u not in known], what)
        if "jupyter" in changed and job.jupyter_enabled != inputs.jupyter:
            _toggle_jupyter(client, job, inputs.jupyter, what)
        return changed & {"duration_hours", "extra_users", "jupyter"}


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


class Job(JobRecord, module="gpudev", name="Job"):
    """A GPU Dev job: a GPU dev server reserved for some hours, waited on until active.

    ``pulumi up`` submits the job and waits while it is pending, queued (the position is
    reported while capacity is short), and preparing, until it is active with an SSH
    command; a job that fails ends the wait with the service's reason and is cancelled.
    A longer ``duration_hours`` extends the job in place (up to 48 h in total), and
    ``jupyter`` and added ``extra_users`` also apply in place; other changes replace it.
    An extension made outside Pulumi shows in ``expires_at`` and is kept. ``pulumi
    destroy`` cancels it.

    With a ``command``, the job ends when the command does (``succeeded`` or ``failed``;
    the GPU Dev API reports no exit code and keeps no logs), and ``duration_hours`` is
    its time box, enforced by the service. A job that ended (or expired, or was
    cancelled) stays in the state as its record: ``pulumi refresh`` shows how it ended,
    and ``pulumi up`` does not queue it again; change ``run_id`` to run it again.
    ``wait="finished"`` makes ``up`` wait until the command succeeded.

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

    name: pulumi.Output[str]
    """The job's server name (``cloud_status``: pending, queued, preparing, active...).
    ``ssh_command`` is how to connect, e.g. ``gpu-dev connect <name>``; ``ssh_host`` and
    ``ssh_port`` are the node's address and SSH port."""
    gpu_type: pulumi.Output[str]
    gpu_count: pulumi.Output[int]
    duration_hours: pulumi.Output[int]
    """Hours asked for (raising it extends the reservation)."""
    reserved_hours: pulumi.Output[int | None]
    """Hours reserved from launch to ``expires_at``, extensions made elsewhere included."""
    jupyter: pulumi.Output[bool]
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
        gpu_type: pulumi.Input[GpuTypeName],
        gpu_count: pulumi.Input[int] | None = None,
        duration_hours: pulumi.Input[int] | None = None,
        name: pulumi.Input[str] | None = None,
        image: pulumi.Input[str] | None = None,
        instance_type: pulumi.Input[str] | None = None,
        disk_name: pulumi.Input[str] | None = None,
        disk_size_gb: pulumi.Input[int] | None = None,
        env_vars: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        command: pulumi.Input[str] | None = None,
        github_user: pulumi.Input[str] | None = None,
        extra_users: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        jupyter: pulumi.Input[bool] | None = None,
        wait: pulumi.Input[JobWait] | None = None,
        run_id: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a job; see :class:`JobInputs` for every input's rules."""
        self._register(
            JobProvider(),
            resource_name,
            {
                "name": name,
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
                "wait": wait,
                "run_id": run_id,
                "wait_timeout": wait_timeout,
                "adopt_id": adopt_id,
            },
            opts,
        )
