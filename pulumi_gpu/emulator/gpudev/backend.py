"""The GPU Dev API's state and rules: API keys from AWS logins, a reservation queue, disks.

Follows ``shared/reference/apis/gpudev.md`` (the FastAPI service plus the processor and
expiry jobs behind it). The API itself only queues messages; a simulated processor
consumes them ``timings.pickup`` seconds later, which gives the real semantics a client
must live with:

- ``GET /v1/jobs/{id}`` answers 404 until the submit message has been processed;
- a job is ``pending`` for ``timings.schedule`` seconds, then ``failed`` (validation),
  ``queued`` (not enough free GPUs on the nodes of its type, with a queue position) or
  ``preparing``; ``preparing`` lasts ``timings.prepare`` seconds, then ``active`` with
  ``ssh_command``, ``node_ip`` and ``node_port``;
- cancel, extend, Jupyter and add-user requests are themselves queued messages;
- ``active`` becomes ``expired`` two minutes after ``expires_at``; ``queued``/``pending``
  jobs are cancelled after 48 h, ``preparing`` ones fail after 1 h;
- disk creates and deletes are queued operations with an operation id.

Capacity is per GPU type, in nodes of ``max_per_node`` GPUs (a job of up to one node's
GPUs runs on one node; 16 GPUs take two whole 8-GPU nodes). The documented defects can
be switched on or off in :class:`Settings`. Where the contract is silent the choices are
marked "guess".


The API half (what the FastAPI service checks and answers) is one module per area, each
a part of :class:`GpuDevBackend`: ``auth.py``, ``jobs.py``, ``disks.py``; the processor
and expiry job are in ``processor.py``, the disk worker in ``disk_worker.py``, the tables
in ``tables.py``, the constants and rows in ``model.py``, the HTTP shape in
``routes.py``. This module adds the out-of-band controls.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from pulumi_gpu.emulator.commands import Script
from pulumi_gpu.emulator.gpudev.auth import Auth, role_refusal
from pulumi_gpu.emulator.gpudev.disks import Disks
from pulumi_gpu.emulator.gpudev.jobs import Jobs
from pulumi_gpu.emulator.gpudev.model import (
    ACTIVE,
    CANCELLED,
    DISK_RETENTION_DAYS,
    EMULATOR_AWS,
    FAILED,
    GPU_TYPES,
    OTHER_AWS,
    TERMINAL,
    WRONG_ROLE_AWS,
    AwsIdentity,
    Job,
)
from pulumi_gpu.emulator.gpudev.processor import calendar_day
from pulumi_gpu.emulator.runs import Run
from pulumi_gpu.emulator.ssh_banners import Answer, Object
from pulumi_gpu.emulator.state import CloudError

__all__ = ["GpuDevBackend"]


class GpuDevBackend(Jobs, Disks, Auth):
    """The emulated GPU Dev API, served under ``/gpudev``.

    Out-of-band controls, per kind (a job still waiting in the queue is taken up at
    once first): jobs vanish (cancelled at once, as by ``gpu-dev cancel``: the service
    keeps ended jobs, it deletes none), fail (``failed``, the reason as
    ``failure_reason`` and detailed status), run (declares how its command's run goes:
    ``completed`` or ``failed`` when it ends; a job not yet active does it once active),
    ``fail_next`` (the next job to prepare fails instead of becoming active); disks
    vanish (soft-deleted at once: gone from the list, ``is_deleted`` on GET, as a
    deleted disk reads) and ``fail_next`` (the next create operation fails when it
    would complete, leaving no disk). GPU Dev has no stopped state, and a disk no
    failure state. It queues a job it has no GPUs for instead of refusing it, so
    ``refuse_rents`` does not apply.
    """

    default_failure = "Pod failed to start: CrashLoopBackOff"
    no_capacity_refusals = "queues jobs; it has no capacity refusals"

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """The endpoint, and AWS test credentials that log in as ``emulator-user``."""
        return {"pulumi-gpu:gpudevEndpoint": base_url}, _secrets(EMULATOR_AWS)

    def other_account(self) -> dict[str, str]:
        """AWS test credentials that log in as ``other-user``."""
        return _secrets(OTHER_AWS)

    def refused_credentials(self) -> dict[str, dict[str, Any]]:
        """AWS test credentials of another role than the allowed one: the login is refused
        with 403 (the README's wrong-role refusal)."""
        refusal = f"403 {role_refusal(WRONG_ROLE_AWS)}"
        return {"gpudev-wrong-role": {"secrets": _secrets(WRONG_ROLE_AWS), "refusal": refusal}}

    def kinds(self) -> tuple[str, ...]:
        return ("jobs", "disks")

    def leftovers(self) -> dict[str, list[str]]:
        """Jobs not yet ended (submitted ones included) and disks not deleted
        (``<owner>/<name>``, the id the controls take)."""
        with self.lock:
            self._advance()
            live = [j.id for j in self.jobs.values() if j.status not in TERMINAL]
            submitted = [
                str(m.body["job_id"])
                for m in self.messages
                if m.body["action"] == "submit" and m.body["job_id"] not in self.jobs
            ]
            return {
                "jobs": sorted(set(live + submitted)),
                "disks": sorted(
                    f"{d.owner}/{d.name}" for d in self.disks.values() if not d.is_deleted
                ),
            }

    def set_capacity(self, gpu_type: str, total_gpus: int) -> None:
        """Set the GPUs of a type in the cluster (whole nodes); queued jobs may start."""
        with self.lock:
            if gpu_type not in GPU_TYPES:
                raise CloudError(404, f"unknown GPU type {gpu_type!r}")
            self._advance()
            self.capacity[gpu_type] = total_gpus
            self._schedule(self.clock.now())

    def job(self, job_id: str) -> Job:
        """The job row, brought up to date (for assertions)."""
        with self.lock:
            self._advance()
            return self._job_row(job_id)

    def find_jobs(self, owner: str, status: str | None = None) -> list[Job]:
        """The jobs of ``owner`` (with ``status``), oldest first, brought up to date."""
        with self.lock:
            self._advance()
            found = [j for j in self.jobs.values() if j.owner == owner]
            found = [j for j in found if status is None or j.status == status]
            return sorted(found, key=lambda j: j.created_at)

    def ssh_silent(self, kind: str, object_id: str) -> None:
        """As every cloud's; a job still in the queue is taken up at once first."""
        with self.lock:
            self._ssh_on()
            if kind == "jobs":
                self._job_now(object_id)
            super().ssh_silent(kind, object_id)

    def ssh_answers(self, objects: Collection[Object]) -> dict[Object, Answer]:
        """As every cloud's, after the processor's steps due by now."""
        with self.lock:
            self._advance()
            return super().ssh_answers(objects)

    def _ssh_due_jobs(self, job_id: str) -> float | None:
        """Its banner comes ``timings.ssh_banner`` after it is active; an ended job's SSH
        port closes (its pod is deleted)."""
        job = self.jobs.get(job_id)
        if job is None or job.status in TERMINAL:
            return None
        if job.status != ACTIVE or job.launched_at is None:
            return math.inf
        return job.launched_at + self.timings.ssh_banner

    # -- out-of-band controls, per kind (see EmulatedCloud) -----------------------------

    def cancel_now(self, job_id: str) -> None:
        """Cancel a job out of band, at once (someone ran ``gpu-dev cancel``)."""
        self.vanish("jobs", job_id)

    def _job_now(self, job_id: str) -> Job:
        """The job row, its submission taken up now if still in the queue."""
        self._advance()
        now = self.clock.now()
        for message in [
            m for m in self.messages if m.body["action"] == "submit" and m.body["job_id"] == job_id
        ]:
            self._process(message, now)
        return self._job_row(job_id)

    def _vanish_jobs(self, job_id: str) -> None:
        job = self._job_now(job_id)
        if job.status not in TERMINAL:
            now = self.clock.now()
            self._end(job, CANCELLED, now, None)
            self._schedule(now)

    def _vanish_disks(self, disk_id: str) -> None:
        owner, _, name = disk_id.partition("/")
        self._advance()
        disk = self._owned_disk(owner, name)
        if not disk.is_deleted:
            now = self.clock.now()
            disk.is_deleted, disk.in_use, disk.reservation_id = True, False, None
            disk.delete_date = calendar_day(now + DISK_RETENTION_DAYS * 86400)

    def _run_jobs(self, job_id: str, script: Script) -> None:
        job = self._job_now(job_id)
        if job.status in TERMINAL:
            raise ValueError(f"gpudev job {job_id} is {job.status}: it runs no command any more")
        if job.status != ACTIVE:
            job.planned = script
            return
        assert job.launched_at is not None
        job.run = job.run or Run.of(job.launched_at, script)
        job.run.redeclare(script, self.clock.now())

    def _fail_jobs(self, job_id: str, reason: str) -> None:
        job = self._job_now(job_id)
        now = self.clock.now()
        self._end(job, FAILED, now, reason)
        self._schedule(now)


def _secrets(identity: AwsIdentity) -> dict[str, str]:
    return {
        "pulumi-gpu:gpudevAwsAccessKeyId": identity.access_key_id,
        "pulumi-gpu:gpudevAwsSecretAccessKey": identity.secret_access_key,
        "pulumi-gpu:gpudevAwsSessionToken": identity.session_token or "",
    }
