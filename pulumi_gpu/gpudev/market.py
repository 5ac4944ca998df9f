"""GPU Dev on the market: a GPU type with free GPUs is an offer, without a price (the
service is a shared cluster that bills nobody per hour; see ``pulumi_gpu.market``)."""

from __future__ import annotations

from pulumi_gpu.gpudev.client import gpudev_client
from pulumi_gpu.gpudev.models import GPU_TYPES
from pulumi_gpu.market.offers import Offer, OfferRequest

CHIPS = {
    "t4": "T4",
    "t4-small": "T4",
    "l4": "L4",
    "a10g": "A10G",
    "a100": "A100 40GB",  # p4d.24xlarge
    "h100": "H100 80GB SXM",  # p5.48xlarge
    "h200": "H200 141GB SXM",
    "b200": "B200 180GB",
}
"""The chip of each GPU type (the CPU-only types have none and are not offered)."""


def offers(request: OfferRequest) -> list[Offer]:
    """GPU types whose free GPUs cover ``request.count`` now (one request)."""
    found: list[Offer] = []
    for name, capacity in gpudev_client().gpu_availability().items():
        known = GPU_TYPES.get(name)
        if name not in CHIPS or known is None:
            continue
        if request.count not in known.allowed_counts() or capacity.available < request.count:
            continue
        found.append(
            Offer.of(
                "gpudev",
                name,
                None,
                chip_name=CHIPS[name],
                gpu_count=request.count,
                price_per_hour=None,
                stock=f"{capacity.available} of {capacity.total} GPUs free",
                rent={"gpu_type": name, "gpu_count": request.count},
            )
        )
    return found
