"""Read-only Celium lookups for Pulumi programs."""

from __future__ import annotations

from pulumi_gpu.celium.client import celium_client
from pulumi_gpu.celium.models import Executor
from pulumi_gpu.celium.pod import ExecutorSelector
from pulumi_gpu.core.lookup import lookup

__all__ = ["Executor", "get_executors", "get_pod_logs"]


@lookup
def get_executors(
    *,
    gpu_model: str | None = None,
    gpu_count: int | None = None,
    max_price_per_hour: float | None = None,
    location: str | None = None,
) -> list[Executor]:
    """Executors for rent now, cheapest first, filtered like a ``celium.Pod`` selector.

    Credentials come from ``pulumi-gpu:celiumApiKey`` / ``CELIUM_API_KEY`` (and the
    endpoint from ``pulumi-gpu:celiumEndpoint`` / ``CELIUM_API_URL``).

    Example::

        cheapest = celium.get_executors(gpu_model="H100", gpu_count=8)[0]
    """
    selector = ExecutorSelector(
        gpu_model=gpu_model,
        gpu_count=gpu_count,
        max_price_per_hour=max_price_per_hour,
        location=location,
    )
    offered = celium_client().list_executors(
        gpu_count_gte=gpu_count, gpu_count_lte=gpu_count, price_per_hour_lte=max_price_per_hour
    )
    found = [
        e
        for e in offered
        if selector.matches(e.machine_name, e.gpu_count, e.price_per_hour, e.location.model_dump())
    ]
    return sorted(found, key=lambda e: (e.price_per_hour, e.id))


@lookup
def get_pod_logs(pod_id: str, *, tail: int = 100) -> list[str]:
    """The last ``tail`` lines of a pod's container log.

    Example::

        print("\\n".join(celium.get_pod_logs(pod_id, tail=20)))
    """
    return celium_client().pod_logs(pod_id, tail=tail)
