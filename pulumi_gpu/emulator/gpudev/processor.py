"""The services behind the GPU Dev API, simulated: the reservation processor (a queue
consumer that inserts, validates, schedules and prepares jobs, runs their ``command`` once
active and applies actions), the expiry job, and (through ``disk_worker.py``) the
disk-operation worker.

Everything is driven by simulated time: :meth:`Processor._advance` runs every step due by
now, each at its own moment and in time order (a job that expires at ``t`` frees its
GPUs at ``t``, and the queued job behind it starts preparing at ``t``).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from pulumi_gpu.emulator.commands import simulate
from pulumi_gpu.emulator.gpudev.disk_worker import DiskWorker
from pulumi_gpu.emulator.gpudev.model import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    DEFAULT_DISK_GB,
    DEFAULT_IMAGE,
    EXPIRED,
    FAILED,
    GPU_COUNTS,
    GPU_TYPES,
    HOLDING,
    MAX_TOTAL_HOURS,
    OP_IN_PROGRESS,
    PENDING,
    PREPARING,
    PREPARING_WATCHDOG_SECONDS,
    PROCESSOR_VERSION,
    QUEUED,
    STALE_QUEUE_SECONDS,
    VALID_GPU_TYPES,
    Disk,
    Job,
    Message,
)
from pulumi_gpu.emulator.runs import Run


class Processor(DiskWorker):
    """The queue consumers and cron jobs of the service, over its tables."""

    def _send(self, queue: str, body: dict[str, Any]) -> int:
        self._message_ids += 1
        process_at = self.clock.now() + self.timings.pickup
        self.messages.append(Message(self._message_ids, queue, body, process_at))
        return self._message_ids

    def _advance(self) -> None:
        """Run every processor/expiry step due by now, each at its own simulated time."""
        now = self.clock.now()
        while True:
            due = self._next_due()
            if due is None or due[0] > now:
                return
            at, _, step = due
            step(at)
            self._schedule(at)

    def _next_due(self) -> tuple[float, int, Callable[[float], None]] | None:
        candidates: list[tuple[float, int, Callable[[float], None]]] = []
        for message in self.messages:
            candidates.append(
                (message.process_at, message.id, functools.partial(self._process, message))
            )
        for job in self.jobs.values():
            step = self._job_step(job)
            if step is not None:
                candidates.append((step[0], 0, step[1]))
        for op in self.operations.values():
            if op.status == OP_IN_PROGRESS and op.done_at is not None:
                candidates.append((op.done_at, 0, functools.partial(self._finish_op, op)))
        return min(candidates, key=lambda c: (c[0], c[1])) if candidates else None

    def _job_step(self, job: Job) -> tuple[float, Callable[[float], None]] | None:
        if job.status == PENDING:
            stale = job.created_at + STALE_QUEUE_SECONDS
            return min(
                (job.decide_at, functools.partial(self._decide, job)),
                (stale, functools.partial(self._stale, job)),
                key=lambda s: s[0],
            )
        if job.status == QUEUED:
            return job.created_at + STALE_QUEUE_SECONDS, functools.partial(self._stale, job)
        if job.status == PREPARING:
            watchdog = job.created_at + PREPARING_WATCHDOG_SECONDS
            if job.ready_at is None or job.ready_at > watchdog:
                return max(watchdog, job.status_since), functools.partial(self._watchdog, job)
            return job.ready_at, functools.partial(self._activate, job)
        if job.status == ACTIVE and job.expires_at is not None:
            at = job.expires_at + self.timings.expiry_grace
            ends = None if job.run is None else job.run.ends
            if ends is not None and ends <= at:
                return ends, functools.partial(self._finish, job)
            return at, functools.partial(self._expire, job)
        return None

    def _process(self, message: Message, at: float) -> None:
        self.messages.remove(message)
        body = message.body
        action = body["action"]
        if action == "submit":
            self._insert(body, at)
        elif action in ("create_disk", "delete_disk"):
            self._start_op(self.operations[body["operation_id"]], at)
        else:
            job = self.jobs.get(body["job_id"])
            if job is not None:
                self._apply_action(job, action, body, at)

    def _insert(self, body: dict[str, Any], at: float) -> None:
        job_id = body["job_id"]
        if job_id in self.jobs:
            return  # the processor treats a known reservation id as a retry
        duration = float(body["duration_hours"])
        job = Job(
            id=job_id,
            owner=body["user_id"],
            gpu_type=body["gpu_type"],
            gpu_count=body["gpu_count"],
            instance_type=body["instance_type"],
            duration_hours=duration,
            image=body["image"] or DEFAULT_IMAGE,
            disk_name=body["disk_name"],
            disk_size_gb=body["disk_size_gb"],
            env_vars=body["env_vars"],
            command=body["command"],
            github_user=body["github_user"],
            jupyter_enabled=body["jupyter_enabled"],
            pod_name=body["pod_name"],
            created_at=at,
            decide_at=at + self.timings.schedule,
            expires_at=at + duration * 3600,
        )
        self._set_status(job, PENDING, at, "Reservation request received")
        self._ssh_created("jobs", job_id)
        self.jobs[job_id] = job

    def _decide(self, job: Job, at: float) -> None:
        """pending -> failed (validation) | preparing | queued."""
        problem = _validation_error(job, self.capacity)
        if problem is not None:
            self._end(job, FAILED, at, problem)
            return
        ahead = [j for j in self._queue(job.gpu_type) if j is not job]
        allocation = None if ahead else self._allocate(job)
        if allocation is None:
            self._set_status(job, QUEUED, at, None)
            self._note_positions(job.gpu_type)
        else:
            self._prepare(job, allocation, at)

    def _schedule(self, at: float) -> None:
        """Start queued jobs, first come first served per GPU type, while they fit."""
        for gpu_type in {j.gpu_type for j in self.jobs.values() if j.status == QUEUED}:
            for job in self._queue(gpu_type):
                allocation = self._allocate(job)
                if allocation is None:
                    break
                self._prepare(job, allocation, at)
            self._note_positions(gpu_type)

    def _queue(self, gpu_type: str) -> list[Job]:
        waiting = [j for j in self.jobs.values() if j.gpu_type == gpu_type and j.status == QUEUED]
        return sorted(waiting, key=lambda j: (j.status_since, j.created_at))

    def _note_positions(self, gpu_type: str) -> None:
        free = self._free_by_node(gpu_type)
        label = gpu_type.upper()
        for position, job in enumerate(self._queue(gpu_type), start=1):
            job.queue_position = position
            if sum(free) == 0:
                job.detailed_status = f"No {label} nodes available - position #{position} in queue"
            else:
                job.detailed_status = (
                    f"Need {job.gpu_count} {label} GPUs, only {sum(free)} available - "
                    f"position #{position}"
                )

    def _free_by_node(self, gpu_type: str) -> list[int]:
        per_node = GPU_TYPES[gpu_type].max_per_node
        nodes = self.capacity[gpu_type] // per_node if per_node else 0
        free = [per_node] * nodes
        for job in self.jobs.values():
            if job.gpu_type == gpu_type and job.status in HOLDING:
                for node, count in job.allocation:
                    if node < nodes:
                        free[node] -= count
        return free

    def _allocate(self, job: Job) -> list[tuple[int, int]] | None:
        """Nodes for the job's GPUs, or None when they do not fit now."""
        per_node = GPU_TYPES[job.gpu_type].max_per_node
        if per_node == 0:
            return []  # CPU types: no GPU to hold (guess: CPU nodes are never short)
        free = self._free_by_node(job.gpu_type)
        if job.gpu_count <= per_node:
            for node, available in enumerate(free):
                if available >= job.gpu_count:
                    return [(node, job.gpu_count)]
            return None
        whole = [node for node, available in enumerate(free) if available == per_node]
        needed = job.gpu_count // per_node
        return [(node, per_node) for node in whole[:needed]] if len(whole) >= needed else None

    def _prepare(self, job: Job, allocation: list[tuple[int, int]], at: float) -> None:
        job.allocation = allocation
        job.queue_position = None
        label = job.gpu_type.upper()
        detail = f"Found {job.gpu_count} available {label} GPUs - preparing resources"
        self._set_status(job, PREPARING, at, detail)
        if job.disk_name:
            problem = self._attach_disk(job, at)
            if problem is not None:
                self._end(job, FAILED, at, problem)
                return
        if self.stick_next_jobs > 0:
            self.stick_next_jobs -= 1
            job.ready_at = None  # the watchdog fails it an hour after creation
        else:
            job.ready_at = at + self.timings.prepare
        if self.fail_next_jobs:
            job.planned_failure = self.fail_next_jobs.pop(0)

    def _attach_disk(self, job: Job, at: float) -> str | None:
        assert job.disk_name is not None
        disk = self.disks.get((job.owner, job.disk_name))
        if disk is not None and disk.is_deleted:
            return f"Disk '{job.disk_name}' is marked for deletion"  # guess
        if disk is None:  # a named disk is created on first use
            size = job.disk_size_gb or DEFAULT_DISK_GB
            disk = self.disks[(job.owner, job.disk_name)] = Disk(job.disk_name, job.owner, size, at)
        if disk.in_use and disk.reservation_id != job.id:
            # Real: waits up to 60 s for the disk to detach, then fails.
            return (
                f"Disk '{disk.name}' is still attached to reservation {disk.reservation_id} - "
                "timed out waiting for it to detach"
            )
        disk.in_use = True
        disk.reservation_id = job.id
        disk.last_used = at
        return None

    def _activate(self, job: Job, at: float) -> None:
        if job.planned_failure is not None:
            self._end(job, FAILED, at, job.planned_failure)
            return
        rng = random.Random(f"{job.id}-node")
        node = job.allocation[0][0] if job.allocation else 0
        type_index = list(GPU_TYPES).index(job.gpu_type)
        job.launched_at = at
        job.expires_at = at + job.duration_hours * 3600
        job.node_ip = self._ssh_host(f"10.0.{type_index + 1}.{node + 10}")
        job.node_port = self._ssh_listen("jobs", job.id, rng.randint(30000, 32767))
        if job.jupyter_enabled:
            self._jupyter_on(job)
        self._set_status(job, ACTIVE, at, "Ready - connect with gpu-dev connect")
        script = job.planned or (simulate(job.command, job.env_vars) if job.command else None)
        job.planned = None
        job.run = None if script is None else Run.of(at, script)

    def _finish(self, job: Job, at: float) -> None:
        """The command ended: ``completed`` on exit 0 (guess: the contract lists it as
        terminal), else ``failed`` (guess: the reason's wording)."""
        assert job.run is not None
        code = job.run.script.exit_code
        ended = f"command exited with code {code}"
        self._end(job, COMPLETED if code == 0 else FAILED, at, ended if code else None, ended)

    def _expire(self, job: Job, at: float) -> None:
        self._end(job, EXPIRED, at, None, "Reservation expired")

    def _stale(self, job: Job, at: float) -> None:
        self._end(job, CANCELLED, at, None, "Cancelled: waited in the queue for more than 48 hours")

    def _watchdog(self, job: Job, at: float) -> None:
        reason = (
            "Reservation stuck in preparing status for more than 1 hour - "
            "likely pod creation failed"
        )
        self._end(job, FAILED, at, reason)

    def _apply_action(self, job: Job, action: str, body: dict[str, Any], at: float) -> None:
        if action == "cancel":
            if job.status in (ACTIVE, QUEUED, PENDING, PREPARING):
                self._end(job, CANCELLED, at, None, "Cancelled by user")
        elif action == "extend":
            self._extend(job, int(body["extension_hours"]), at)
        elif action == "enable_jupyter":
            if job.status == ACTIVE:  # guess: the processor needs the pod
                job.jupyter_enabled = True
                self._jupyter_on(job)
        elif action == "disable_jupyter":
            if job.status == ACTIVE:
                job.jupyter_enabled = False
                job.jupyter_url = job.jupyter_token = None
        elif action == "add_user" and job.status == ACTIVE:
            user = body["github_username"]
            if user not in job.users:
                job.users.append(user)

    def _extend(self, job: Job, hours: int, at: float) -> None:
        if self.settings.extend_version_gate_bug:
            self._end(
                job,
                FAILED,
                at,
                f"Your gpu-dev CLI is outdated (version unknown); minimum is {PROCESSOR_VERSION}",
            )
            return
        if job.status not in (ACTIVE, PREPARING) or job.expires_at is None:
            job.extension_error = f"Cannot extend reservation in status {job.status}"
            return
        new_expiry = job.expires_at + hours * 3600
        start = job.launched_at if job.launched_at is not None else at
        total = (new_expiry - start) / 3600
        if total > MAX_TOTAL_HOURS:
            job.extension_error = (
                f"Extension would exceed maximum reservation time of {MAX_TOTAL_HOURS} hours "
                f"(requested total {total:.1f} hours)"
            )
            return
        job.expires_at = new_expiry
        job.duration_hours = round(total, 4)  # guess: the row keeps the total duration
        job.extension_error = None

    def _jupyter_on(self, job: Job) -> None:
        rng = random.Random(f"{job.id}-jupyter-{len(job.history)}")
        job.jupyter_url = f"http://{job.node_ip}:{rng.randint(30000, 32767)}/lab"
        job.jupyter_token = f"{rng.getrandbits(192):048x}"

    def _end(
        self, job: Job, status: str, at: float, reason: str | None, detail: str | None = None
    ) -> None:
        """Move to a terminal status and give back GPUs and disk (snapshot if it ran)."""
        was_active = job.status == ACTIVE
        job.failure_reason = reason
        job.allocation = []
        job.queue_position = None
        if job.disk_name:
            disk = self.disks.get((job.owner, job.disk_name))
            if disk is not None and disk.reservation_id == job.id:
                disk.in_use = False
                disk.reservation_id = None
                disk.last_used = at
                if was_active:
                    disk.snapshot_count += 1
                    disk.last_snapshot_at = at
        self._set_status(job, status, at, reason or detail)

    def _set_status(self, job: Job, status: str, at: float, detail: str | None) -> None:
        job.status = status
        job.status_since = at
        job.detailed_status = detail
        job.history.append(status)


def _validation_error(job: Job, capacity: dict[str, int]) -> str | None:
    """The processor's ``validate_reservation_request`` and node checks."""
    if job.gpu_type not in GPU_TYPES:
        return f"Invalid GPU type: {job.gpu_type}. Must be one of: {', '.join(VALID_GPU_TYPES)}"
    gpu = GPU_TYPES[job.gpu_type]
    if gpu.max_per_node == 0:
        if job.gpu_count != 0:
            return f"Validation error: CPU type {job.gpu_type} requires gpu_count=0"
        return None
    if job.gpu_count not in GPU_COUNTS:
        return (
            f"Validation error: Invalid GPU count: {job.gpu_count}. "
            f"Must be one of: {', '.join(map(str, GPU_COUNTS))}"
        )
    if job.gpu_count > gpu.max_per_node and not (gpu.max_per_node == 8 and job.gpu_count == 16):
        return (
            f"Validation error: {job.gpu_type} nodes have {gpu.max_per_node} GPUs; "
            f"cannot reserve {job.gpu_count}"
        )
    if capacity[job.gpu_type] < gpu.max_per_node:
        return f"GPU type '{job.gpu_type.upper()}' not available - no nodes configured in cluster"
    if job.gpu_count > capacity[job.gpu_type]:
        return (  # guess: a request larger than the whole cluster never fits
            f"Need {job.gpu_count} {job.gpu_type.upper()} GPUs but the cluster has only "
            f"{capacity[job.gpu_type]}"
        )
    return None


def calendar_day(at: float) -> str:
    """The UTC calendar day of a simulated time, as the service writes dates (2026-02-19)."""
    return datetime.fromtimestamp(at, tz=timezone.utc).date().isoformat()
