"""Celium on the market: each executor for rent is an offer (see ``pulumi_gpu.market``)."""

from __future__ import annotations

from pulumi_gpu.celium.client import celium_client
from pulumi_gpu.market.offers import Offer, OfferRequest


def offers(request: OfferRequest) -> list[Offer]:
    """Executors of ``request.count`` GPUs for rent now (one request)."""
    executors = celium_client().list_executors(
        gpu_count_gte=request.count,
        gpu_count_lte=request.count,
        price_per_hour_lte=request.max_price_per_hour,
    )
    return [
        Offer.of(
            "celium",
            e.machine_name,
            None,
            gpu_count=e.gpu_count,
            price_per_hour=round(e.price_per_hour, 4),
            region=e.location.city or None,
            country=e.location.country_code or None,
            stock=f"1 machine ({e.tier})" if e.tier else "1 machine",
            spot=e.tier == "spot" if e.tier else None,
            rent={"executor_id": e.id},
        )
        for e in executors
    ]
