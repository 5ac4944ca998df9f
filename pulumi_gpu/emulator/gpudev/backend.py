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

This module is the API half (what the FastAPI service checks and answers); the
processor, expiry job and disk worker are in ``processor.py``; the tables and constants
in ``model.py``; the HTTP shape in ``routes.py``.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.gpudev.model import (
    ACTIVE,
    ALLOWED_ROLE,
    AWS_IDENTITIES,
    CANCELLED,
    DISK_RETENTION_DAYS,
    EMULATOR_AWS,
    FAILED,
    GPU_TYPES,
    HOLDING,
    OP_COMPLETED,
    OP_FAILED,
    OP_QUEUED,
    OTHER_AWS,
    PENDING,
    PREPARING,
    PROCESSOR_VERSION,
    QUEUED,
    STATIC_API_KEY,
    TERMINAL,
    WAITING,
    ApiKey,
    ApiUser,
    Disk,
    DiskOperation,
    Job,
    Message,
    Settings,
    Timings,
)
from pulumi_gpu.emulator.gpudev.processor import Processor, calendar_day
from pulumi_gpu.emulator.state import CloudError


class GpuDevBackend(Processor, EmulatedCloud):
    """The emulated GPU Dev API, served under ``/gpudev``."""

    name = "gpudev"

    def __init__(self, clock: SimClock, *, seed: int = 0) -> None:
        super().__init__(clock)
        self.seed = seed
        self.timings = Timings()
        self.settings = Settings()
        self.capacity: dict[str, int] = {}
        self.users: dict[str, ApiUser] = {}
        self.keys: dict[str, ApiKey] = {}
        self.messages: list[Message] = []
        self.jobs: dict[str, Job] = {}
        self.disks: dict[tuple[str, str], Disk] = {}
        self.operations: dict[str, DiskOperation] = {}
        self.fail_next_jobs: list[str] = []
        self.stick_next_jobs = 0
        self._message_ids = 0
        self._ids = random.Random(f"gpudev-ids-{seed}")
        self._seed_state()

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """The endpoint, and AWS test credentials that log in as ``emulator-user``."""
        return (
            {"pulumi-gpu:gpudevEndpoint": base_url},
            {
                "pulumi-gpu:gpudevAwsAccessKeyId": EMULATOR_AWS.access_key_id,
                "pulumi-gpu:gpudevAwsSecretAccessKey": EMULATOR_AWS.secret_access_key,
                "pulumi-gpu:gpudevAwsSessionToken": EMULATOR_AWS.session_token or "",
            },
        )

    # -- emulator controls ----------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.timings = Timings()
            self.settings = Settings()
            self.messages.clear()
            self.jobs.clear()
            self.disks.clear()
            self.operations.clear()
            self.fail_next_jobs.clear()
            self.stick_next_jobs = 0
            self._message_ids = 0
            self._ids = random.Random(f"gpudev-ids-{self.seed}")
            self._seed_state()

    def _seed_state(self) -> None:
        self.capacity = {name: t.total_cluster_gpus for name, t in GPU_TYPES.items()}
        self.users = {
            "emulator-user": ApiUser(1, "emulator-user", EMULATOR_AWS.arn),
            "other-user": ApiUser(2, "other-user", OTHER_AWS.arn),
        }
        self.keys = {}
        now = self.clock.now()
        self._store_key(STATIC_API_KEY, "emulator-user", now, now + 168 * 3600)

    def leftovers(self) -> dict[str, list[str]]:
        """Jobs not yet ended (submitted ones included) and disks not deleted."""
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

    def expire_keys(self) -> int:
        """Make every issued key expired now (as if its TTL had passed); returns the count."""
        with self.lock:
            now = self.clock.now()
            live = [k for k in self.keys.values() if k.expires_at > now]
            for key in live:
                key.expires_at = now
            return len(live)

    def issued_keys(self) -> list[str]:
        """Every key issued since the reset (plain text, for leak checks in tests)."""
        with self.lock:
            return [k.plaintext for k in self.keys.values()]

    def set_capacity(self, gpu_type: str, total_gpus: int) -> None:
        """Set the GPUs of a type in the cluster (whole nodes); queued jobs may start."""
        with self.lock:
            if gpu_type not in GPU_TYPES:
                raise CloudError(404, f"unknown GPU type {gpu_type!r}")
            self._advance()
            self.capacity[gpu_type] = total_gpus
            self._schedule(self.clock.now())

    def set_user_active(self, username: str, active: bool) -> None:
        with self.lock:
            self._user(username).is_active = active

    def fail_job(self, job_id: str, reason: str) -> None:
        """Fail a job now, whatever it is doing (a pod crash, a node lost)."""
        with self.lock:
            self._advance()
            job = self._job_row(job_id)
            now = self.clock.now()
            self._end(job, FAILED, now, reason)
            self._schedule(now)

    def cancel_now(self, job_id: str) -> None:
        """Cancel a job out of band, at once (someone ran ``gpu-dev cancel``)."""
        with self.lock:
            self._advance()
            job = self._job_row(job_id)
            now = self.clock.now()
            if job.status not in TERMINAL:
                self._end(job, CANCELLED, now, None)
                self._schedule(now)

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

    def disk(self, owner: str, name: str) -> Disk:
        with self.lock:
            self._advance()
            found = self.disks.get((owner, name))
            if found is None:
                raise CloudError(404, f"Disk '{name}' not found")
            return found

    # -- authentication -----------------------------------------------------------------

    def aws_login(
        self, access_key_id: str, secret_access_key: str, session_token: str | None
    ) -> dict[str, Any]:
        with self.lock:
            identity = next((i for i in AWS_IDENTITIES if i.access_key_id == access_key_id), None)
            if identity is None or (session_token or None) != identity.session_token:
                raise CloudError(401, "Invalid AWS credentials")  # STS InvalidClientTokenId
            if not secrets.compare_digest(secret_access_key, identity.secret_access_key):
                raise CloudError(401, "AWS signature verification failed")
            role = _role(identity.arn)
            if role != ALLOWED_ROLE:
                raise CloudError(
                    403, f"Access denied. Required role: {ALLOWED_ROLE}, got: {role or 'none'}"
                )
            username = _sanitize(identity.arn.rsplit("/", 1)[-1])
            user = self.users.get(username)
            if user is None:
                user = self.users[username] = ApiUser(len(self.users) + 1, username)
            user.aws_arn = identity.arn
            user.is_active = True
            key, stored = self._issue(username)
            return {
                "api_key": key,
                "key_prefix": stored.key_prefix,
                "user_id": user.id,
                "username": username,
                "aws_arn": identity.arn,
                "expires_at": self.clock.iso(stored.expires_at),
                "ttl_hours": self._ttl_hours(),
            }

    def rotate_key(self, user: ApiUser) -> dict[str, Any]:
        with self.lock:
            key, stored = self._issue(user.username)
            return {
                "api_key": key,
                "key_prefix": stored.key_prefix,
                "user_id": user.id,
                "username": user.username,
                "expires_at": self.clock.iso(stored.expires_at),
            }

    def verify_key(self, key: str) -> ApiUser:
        """``verify_api_key``: the caller behind a Bearer key, or the documented refusal."""
        with self.lock:
            if not 16 <= len(key) <= 256:
                raise CloudError(401, "Invalid API key format")
            stored = self.keys.get(_hash(key))
            if stored is None:
                raise CloudError(401, "Invalid API key")
            user = self._user(stored.username)
            if not user.is_active:
                raise CloudError(403, "User account is disabled")
            if stored.revoked:
                raise CloudError(403, "API key has been revoked")
            now = self.clock.now()
            if now >= stored.expires_at:
                raise CloudError(403, "API key has expired")
            stored.last_used_at = now
            return user

    def _issue(self, username: str) -> tuple[str, ApiKey]:
        now = self.clock.now()
        key = secrets.token_urlsafe(64)
        return key, self._store_key(key, username, now, now + self.settings.key_ttl_seconds)

    def _store_key(self, key: str, username: str, now: float, expires_at: float) -> ApiKey:
        stored = ApiKey(_hash(key), key[:8], username, now, expires_at, plaintext=key)
        self.keys[stored.key_hash] = stored
        return stored

    def _ttl_hours(self) -> int:
        """``ttl_hours`` is an int in the real answer; a test TTL of seconds rounds up."""
        return max(1, -(-int(self.settings.key_ttl_seconds) // 3600))

    def _user(self, username: str) -> ApiUser:
        user = self.users.get(username)
        if user is None:
            raise CloudError(401, "Invalid API key")
        return user

    # -- jobs -------------------------------------------------------------------------------

    def submit(self, user: ApiUser, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a submission, as ``POST /v1/jobs/submit`` does; nothing is checked but the body."""
        with self.lock:
            self._advance()
            env = {str(k): str(v) for k, v in (body.get("env_vars") or {}).items()}
            job_id = env.get("RESERVATION_ID") or self._new_id()
            try:
                gpu_count = int(env.get("GPU_COUNT", "1"))
            except ValueError:
                raise CloudError(500, "Failed to submit job") from None
            gpu_type = env.get("GPU_TYPE", "a100").lower()
            message = {
                "action": "submit",
                "job_id": job_id,
                "user_id": user.username,
                "gpu_type": gpu_type,
                "gpu_count": gpu_count,
                "instance_type": body["instance_type"],
                "duration_hours": body.get("duration_hours", 1),
                "image": body.get("image"),
                "disk_name": body.get("disk_name"),
                "disk_size_gb": body.get("disk_size_gb"),
                "env_vars": env,
                "command": body.get("command"),
                "github_user": env.get("GITHUB_USER"),
                "jupyter_enabled": env.get("JUPYTER_ENABLED", "false").lower() == "true",
                "pod_name": env.get("POD_NAME") or f"gpu-dev-{job_id[:8]}",
                "version": PROCESSOR_VERSION,
            }
            message_id = self._send("gpu_reservations", message)
            self.waits.started(job_id)
            return {
                "job_id": job_id,
                "status": "queued",
                "message": f"Job submitted successfully to queue (message ID: {message_id})",
                "estimated_start_time": None,
            }

    def get_job(self, user: ApiUser, job_id: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            job = self.jobs.get(job_id)
            if job is None:
                raise CloudError(404, f"Job {job_id} not found")
            if not _owns(user, job.owner):
                raise CloudError(403, "You can only view your own jobs")
            if job.status == ACTIVE:
                self.waits.seen_ready(job_id)
            return self._job_json(job)

    def list_jobs(
        self, user: ApiUser, statuses: list[str] | None, limit: int, offset: int
    ) -> dict[str, Any]:
        with self.lock:
            self._advance()
            mine = [j for j in self.jobs.values() if _owns(user, j.owner)]
            if statuses:
                mine = [j for j in mine if j.status in statuses]
            mine.sort(key=lambda j: j.created_at, reverse=True)
            page = mine[offset : offset + limit]
            return {
                "jobs": [self._job_json(j) for j in page],
                "total": len(mine),
                "limit": limit,
                "offset": offset,
            }

    def job_action(
        self, user: ApiUser, job_id: str, action: str, extra: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Queue cancel / extend / enable_jupyter / disable_jupyter / add_user."""
        failure, verb, describe = _ACTIONS[action]
        with self.lock:
            self._advance()
            job = self.jobs.get(job_id)
            try:
                if job is None:
                    raise CloudError(404, f"Job {job_id} not found")
                if not _owns(user, job.owner):
                    raise CloudError(403, f"You can only {verb} your own jobs")
            except CloudError:
                # The real handlers raise inside `try/except Exception` with no
                # `except HTTPException: raise`, so 404/403 come back as 500.
                if self.settings.action_500_quirk:
                    raise CloudError(500, failure) from None
                raise
            message_id = self._send(
                "gpu_reservations", {"action": action, "job_id": job_id, **(extra or {})}
            )
            return {
                "job_id": job_id,
                "action": action,
                "status": "requested",
                "message": f"{describe(extra or {})} (message ID: {message_id})",
            }

    # -- availability -----------------------------------------------------------------------

    def availability(self) -> dict[str, Any]:
        with self.lock:
            self._advance()
            return {"availability": self._by_type(), "timestamp": self.clock.iso()}

    def cluster_status(self) -> dict[str, Any]:
        with self.lock:
            self._advance()
            by_type = self._by_type()

            def count(status: str) -> int:
                return sum(1 for j in self.jobs.values() if j.status == status)

            return {
                "total_gpus": sum(t["total"] for t in by_type.values()),
                "available_gpus": sum(t["available"] for t in by_type.values()),
                "in_use_gpus": sum(t["in_use"] for t in by_type.values()),
                "queued_gpus": sum(t["queued"] for t in by_type.values()),
                "active_reservations": count(ACTIVE),
                "preparing_reservations": count(PREPARING),
                "queued_reservations": count(QUEUED),
                "pending_reservations": count(PENDING),
                "by_gpu_type": by_type,
                "timestamp": self.clock.iso(),
            }

    def _by_type(self) -> dict[str, dict[str, Any]]:
        """Computed from the jobs table, like the API (not from the nodes)."""
        found: dict[str, dict[str, Any]] = {}
        for name, gpu in GPU_TYPES.items():
            total = self.capacity[name]
            jobs = [j for j in self.jobs.values() if j.gpu_type == name]
            in_use = sum(j.gpu_count for j in jobs if j.status in HOLDING)
            queued = sum(j.gpu_count for j in jobs if j.status in WAITING)
            found[name] = {
                "gpu_type": name,
                "total": total,
                "available": max(0, total - in_use),
                "in_use": in_use,
                "queued": queued,
                "max_per_node": gpu.max_per_node,
            }
        return found

    # -- disks ------------------------------------------------------------------------------

    def create_disk(self, user: ApiUser, name: str, size_gb: int | None) -> dict[str, Any]:
        _check_disk_name(name)
        with self.lock:
            self._advance()
            op = self._disk_operation(user, name, "create", size_gb=size_gb)
            return {
                "operation_id": op.id,
                "disk_name": name,
                "action": "create",
                "message": "Disk creation request queued successfully",
                "requested_at": self.clock.iso(op.requested_at),
            }

    def delete_disk(self, user: ApiUser, name: str) -> dict[str, Any]:
        """Soft delete, queued; the API checks nothing (the processor does)."""
        with self.lock:
            self._advance()
            op = self._disk_operation(user, name, "delete")
            return {
                "operation_id": op.id,
                "disk_name": name,
                "action": "delete",
                "message": (
                    "Disk deletion request queued successfully. "
                    f"Will be deleted on {op.delete_date}"
                ),
                "requested_at": self.clock.iso(op.requested_at),
            }

    def list_disks(self, user: ApiUser) -> dict[str, Any]:
        with self.lock:
            self._advance()
            mine = [d for d in self.disks.values() if d.owner == user.username and not d.is_deleted]
            mine.sort(key=lambda d: d.created_at, reverse=True)
            return {"disks": [self._disk_json(d) for d in mine], "total": len(mine)}

    def get_disk(self, user: ApiUser, name: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            return self._disk_json(self._disk(user, name))

    def disk_operation(self, user: ApiUser, name: str, operation_id: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            op = self.operations.get(operation_id)
            # Real: 404 until a disk row carries the operation id, i.e. until the
            # processor took the operation up.
            if op is None or op.owner != user.username or op.status == OP_QUEUED:
                raise CloudError(404, f"Operation {operation_id} not found for disk '{name}'")
            if op.disk_name != name:
                raise CloudError(404, f"Operation {operation_id} not found for disk '{name}'")
            disk = self.disks.get((op.owner, op.disk_name))
            return {
                "operation_id": op.id,
                "disk_name": op.disk_name,
                "status": op.status,
                "error": op.error,
                "is_deleted": bool(disk and disk.is_deleted),
                "delete_date": disk.delete_date if disk else None,
                "created_at": self.clock.iso(op.requested_at),
                "last_updated": self.clock.iso(op.last_updated),
                "completed": op.status in (OP_COMPLETED, OP_FAILED),
            }

    def disk_content(self, user: ApiUser, name: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            disk = self._disk(user, name)
            if disk.is_deleted:
                raise CloudError(410, f"Disk '{name}' is marked for deletion")
            if disk.snapshot_count == 0 or disk.last_snapshot_at is None:
                return {
                    "disk_name": name,
                    "content": None,
                    "s3_path": None,
                    "snapshot_date": None,
                    "message": "No snapshot contents available yet for this disk",  # guess
                }
            return {
                "disk_name": name,
                "content": f"/home/dev:\n.bashrc\nprojects\n\n/home/dev/projects:\n{name}\n",
                "s3_path": (
                    f"s3://gpu-dev-disk-contents/{disk.owner}/{name}/"
                    f"snapshot-{disk.snapshot_count}.txt"
                ),
                "snapshot_date": self.clock.iso(disk.last_snapshot_at),
                "message": None,
            }

    def rename_disk(self, user: ApiUser, name: str, new_name: str) -> dict[str, Any]:
        _check_disk_name(new_name)
        with self.lock:
            self._advance()
            disk = self._disk(user, name)
            if disk.is_deleted:
                raise CloudError(410, f"Disk '{name}' is marked for deletion")
            if disk.in_use:
                raise CloudError(
                    409,
                    f"Cannot rename disk '{name}' - it is currently in use by reservation "
                    f"{disk.reservation_id}",
                )
            if (user.username, new_name) in self.disks:
                raise CloudError(409, f"Disk '{new_name}' already exists")
            del self.disks[(user.username, name)]
            disk.name = new_name
            self.disks[(user.username, new_name)] = disk
            for op in self.operations.values():
                if op.owner == user.username and op.disk_name == name:
                    op.disk_name = new_name
            snapshots = disk.snapshot_count
            detail = f"{snapshots} snapshots updated" if snapshots else "no snapshots found"
            return {
                "message": f"Disk renamed from '{name}' to '{new_name}' ({detail})",
                "old_name": name,
                "new_name": new_name,
                "snapshots_updated": snapshots,
            }

    def _disk(self, user: ApiUser, name: str) -> Disk:
        disk = self.disks.get((user.username, name))
        if disk is None:
            raise CloudError(404, f"Disk '{name}' not found")
        return disk

    def _disk_operation(
        self, user: ApiUser, name: str, action: str, *, size_gb: int | None = None
    ) -> DiskOperation:
        now = self.clock.now()
        op = DiskOperation(
            id=self._new_id(),
            owner=user.username,
            disk_name=name,
            action=action,
            requested_at=now,
            process_at=now + self.timings.pickup,
            size_gb=size_gb,
            last_updated=now,
        )
        if action == "delete":
            op.delete_date = calendar_day(now + DISK_RETENTION_DAYS * 86400)
        self.operations[op.id] = op
        self._send("disk_operations", {"action": f"{action}_disk", "operation_id": op.id})
        return op

    def _disk_json(self, d: Disk) -> dict[str, Any]:
        return {
            "disk_name": d.name,
            "user_id": d.owner,
            "size_gb": d.size_gb,
            "created_at": self.clock.iso(d.created_at),
            "last_used": self.clock.iso(d.last_used) if d.last_used is not None else None,
            "in_use": d.in_use,
            "reservation_id": d.reservation_id,
            "is_backing_up": d.is_backing_up,
            "is_deleted": d.is_deleted,
            "snapshot_count": d.snapshot_count,
        }

    # -- helpers ------------------------------------------------------------------------------

    def _job_row(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise CloudError(404, f"Job {job_id} not found")
        return job

    def _job_json(self, job: Job) -> dict[str, Any]:
        active = job.status == ACTIVE
        body: dict[str, Any] = {
            "job_id": job.id,
            "reservation_id": job.id,
            "user_id": job.owner,
            "status": job.status,
            "gpu_type": job.gpu_type,
            "gpu_count": job.gpu_count,
            "instance_type": job.instance_type,
            "duration_hours": job.duration_hours,
            "created_at": self.clock.iso(job.created_at),
            "expires_at": self.clock.iso(job.expires_at) if job.expires_at is not None else None,
            "name": None,
            "pod_name": job.pod_name,
            "node_ip": job.node_ip,
            "node_port": job.node_port,
            "ssh_command": f"gpu-dev connect {job.pod_name}" if active else None,
            "jupyter_enabled": job.jupyter_enabled,
            "jupyter_url": job.jupyter_url,
            "jupyter_token": job.jupyter_token,
            "github_user": job.github_user,
        }
        if not self.settings.strict_job_detail:
            body.update(
                queue_position=job.queue_position,
                failure_reason=job.failure_reason if job.status == FAILED else None,
                current_detailed_status=self._detail(job),
                extension_error=job.extension_error,
            )
        return body

    def _detail(self, job: Job) -> str | None:
        if job.status != PREPARING or job.ready_at is None:
            return job.detailed_status
        elapsed = (self.clock.now() - job.status_since) / max(job.ready_at - job.status_since, 1e-9)
        if elapsed < 1 / 3:
            return job.detailed_status
        if elapsed < 2 / 3:
            return f"Creating pod {job.pod_name}"
        return "Pod created, downloading container image and starting services"

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))


_ACTIONS: dict[str, tuple[str, str, Callable[[dict[str, Any]], str]]] = {
    "cancel": (
        "Failed to submit cancellation request",
        "cancel",
        lambda _: "Cancellation request submitted",
    ),
    "extend": (
        "Failed to submit extension request",
        "extend",
        lambda extra: f"Extension request submitted for {extra.get('extension_hours')} hours",
    ),
    "enable_jupyter": (
        "Failed to submit Jupyter enable request",
        "modify",
        lambda _: "Jupyter enable request submitted",
    ),
    "disable_jupyter": (
        "Failed to submit Jupyter disable request",
        "modify",
        lambda _: "Jupyter disable request submitted",
    ),
    "add_user": (
        "Failed to submit add user request",
        "modify",
        lambda extra: (
            f"Add user request submitted for GitHub user '{extra.get('github_username')}'"
        ),
    ),
}
"""action -> (500 message of the quirk, verb of the 403 message, success message)."""


def _check_disk_name(name: str) -> None:
    if not name or not all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
        raise CloudError(
            400, "Disk name must contain only letters, numbers, hyphens, and underscores"
        )


def _owns(user: ApiUser, owner: str) -> bool:
    return owner in (user.username, str(user.id))


def _role(arn: str) -> str | None:
    """``arn:aws:sts::<acct>:assumed-role/<ROLE>/<user>`` -> ``<ROLE>``."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    if len(parts) >= 3 and parts[0] == "assumed-role":
        return parts[1]
    return None


def _sanitize(username: str) -> str:
    return "".join(c for c in username if c.isascii() and (c.isalnum() or c in "._-"))[:255]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
