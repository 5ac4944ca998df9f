"""GPU Dev jobs (reservations) as the API sees them: a submit only queues a message (the
job appears when the processor takes it up), actions are queued messages too, reads
answer 404 until then and 403 for another user's job; GPU availability by type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_gpu.emulator.gpudev.model import (
    ACTIVE,
    FAILED,
    GPU_TYPES,
    HOLDING,
    PENDING,
    PREPARING,
    PROCESSOR_VERSION,
    QUEUED,
    WAITING,
    ApiUser,
    Job,
)
from pulumi_gpu.emulator.gpudev.processor import Processor
from pulumi_gpu.emulator.state import CloudError


class Jobs(Processor):
    """``/v1/jobs`` and ``/v1/gpu``, ``/v1/cluster``."""

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
            for job in page:
                if job.status == ACTIVE:
                    self.waits.seen_ready(job.id)
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


def _owns(user: ApiUser, owner: str) -> bool:
    return owner in (user.username, str(user.id))
