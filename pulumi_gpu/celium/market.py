"""Celium on the market: each executor for rent is an offer, and a placed pod's host (see
``pulumi_gpu.market``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi_gpu.celium.client import celium_client
from pulumi_gpu.celium.models import Pod as ApiPod
from pulumi_gpu.celium.one_time import check_image
from pulumi_gpu.celium.pod import PodProvider
from pulumi_gpu.core.errors import ApiError
from pulumi_gpu.market.offers import Offer, OfferRequest
from pulumi_gpu.market.placement import Host

if TYPE_CHECKING:
    from pulumi_gpu.market.pod import PodInputs as PlacedPod

DEFAULT_IMAGE = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"
"""What a placed pod without an image runs here (Celium verifies Debian/Ubuntu images)."""


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


def _pod_inputs(spec: PlacedPod, rent: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": spec.name,
        **rent,
        "image": spec.image or DEFAULT_IMAGE,
        "env": spec.env,
        "internal_ports": [22, *spec.exposed_ports],
        "ssh_public_keys": spec.ssh_public_keys,
        "wait_timeout": spec.wait_timeout,
        "wait_for_ssh": spec.wait_for_ssh,
    }


def _offer_of(pod: ApiPod) -> Offer:
    return Offer.of(
        "celium",
        pod.gpu_name or pod.executor.machine_name,
        None,
        gpu_count=pod.gpu_count or 1,
        price_per_hour=pod.price or pod.executor.price_per_hour or None,
        stock="rented",
        rent={"executor_id": pod.executor.id},
    )


def _unsupported(spec: PlacedPod) -> dict[str, str]:
    reasons: dict[str, str] = {}
    if spec.image is not None:
        try:
            check_image(spec.image)
        except ValueError as exc:
            reasons["image"] = str(exc)
    if not spec.ssh_public_keys:
        reasons["ssh_public_keys"] = "its pods need at least one SSH key (none given)"
    if spec.disk_gb is not None:
        reasons["disk_gb"] = "its executors come with their own disk"
    return reasons


def _refused(error: ApiError) -> bool:
    return error.status == 400 and "already rented" in error.message.lower()


HOST = Host(
    cloud="celium",
    provider=PodProvider(),
    inputs=_pod_inputs,
    offer_of=_offer_of,
    unsupported=_unsupported,
    capacity_refusal=_refused,
)
"""Celium as a place for ``pulumi_gpu.Pod``: an image on a one-time template of its own."""
