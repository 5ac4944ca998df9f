"""Read-only GPU Dev lookups for Pulumi programs."""

from __future__ import annotations

from pulumi_gpu.core.lookup import lookup
from pulumi_gpu.gpudev.client import gpudev_client
from pulumi_gpu.gpudev.models import ClusterStatus, GpuAvailability

__all__ = ["ClusterStatus", "GpuAvailability", "get_availability", "get_cluster_status"]


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
