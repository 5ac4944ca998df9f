"""Read-only GPU Dev lookups for Pulumi programs: capacity, the cluster, the caller's
reservations."""

from __future__ import annotations

from pulumi_gpu.core.lookup import AccountPod, gpu_label, lookup, oldest_first
from pulumi_gpu.gpudev.client import gpudev_client
from pulumi_gpu.gpudev.models import RUN_STATUSES, TERMINAL, ClusterStatus, GpuAvailability

__all__ = [
    "AccountPod",
    "ClusterStatus",
    "GpuAvailability",
    "get_availability",
    "get_cluster_status",
    "get_pods",
]

LIVE = [status for status in RUN_STATUSES if status not in TERMINAL]
"""The statuses of reservations that hold or await GPUs."""


@lookup
def get_availability() -> dict[str, GpuAvailability]:
    """Capacity per GPU type now: total, available, in use and queued GPUs, GPUs per node.

    The service computes it from its reservations. Credentials and endpoint come from
    ``pulumi-gpu:gpudevEndpoint`` / ``GPU_DEV_API_URL`` and ``pulumi-gpu:gpudevApiKey`` /
    ``GPU_DEV_API_KEY`` or AWS credentials (see :mod:`pulumi_gpu.gpudev`).

    Example::

        free = gpudev.get_availability()["h100"].available
        gpus = min(8, free) or 1   # take what is free now, else queue for one
    """
    return gpudev_client().gpu_availability()


@lookup
def get_cluster_status() -> ClusterStatus:
    """GPUs and reservations of the whole cluster: totals, and counts by status and type.

    Example::

        status = gpudev.get_cluster_status()
        pulumi.export("queued_gpus", status.queued_gpus)
    """
    return gpudev_client().cluster_status()


@lookup
def get_pods(*, include_ended: bool = False) -> list[AccountPod]:
    """The caller's reservations (jobs): those queued or running, oldest first; with
    ``include_ended``, the ended ones too. ``id`` is the job id; GPU Dev has no price.

    Example::

        pulumi.export("gpudev_jobs", [f"{p.name} {p.status}" for p in gpudev.get_pods()])
    """
    found = [
        AccountPod(
            cloud="gpudev",
            id=job.job_id,
            name=job.name or job.pod_name or job.job_id,
            status=job.status,
            gpu=gpu_label(job.gpu_count, job.gpu_type),
            cost_per_hour=None,
            created_at=job.created_at.isoformat() if job.created_at else None,
        )
        for job in gpudev_client().iter_jobs(None if include_ended else LIVE)
    ]
    return oldest_first(found)
