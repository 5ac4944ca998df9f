"""Prime Intellect on the market: each row of its availability in stock is an offer
(see ``pulumi_gpu.market``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, get_args

from pulumi_gpu.market.gpus import form_of
from pulumi_gpu.market.offers import Offer, OfferRequest
from pulumi_gpu.market.placement import Host
from pulumi_gpu.primeintellect.client import prime_client
from pulumi_gpu.primeintellect.models import Image, is_capacity_error
from pulumi_gpu.primeintellect.models import Pod as ApiPod
from pulumi_gpu.primeintellect.pod import PodProvider

if TYPE_CHECKING:
    from pulumi_gpu.market.pod import PodInputs as PlacedPod

IMAGES = get_args(Image)


def offers(request: OfferRequest) -> list[Offer]:
    """GPU configurations of ``request.count`` GPUs in stock now (all pages)."""
    return [
        Offer.of(
            "primeintellect",
            o.gpu_type,
            o.gpu_memory,
            form=form_of(o.socket),
            gpu_count=o.gpu_count,
            price_per_hour=o.price_per_hour,
            region=o.data_center or o.region,
            country=o.country.upper() if o.country else None,
            stock=f"{o.stock_status} ({o.provider})",
            spot=o.is_spot,
            rent={
                "cloud_id": o.cloud_id,
                "gpu_type": o.gpu_type,
                "gpu_count": o.gpu_count,
                "socket": o.socket,
                "provider": o.provider,
                "data_center_id": o.data_center,
                "security": o.security,
                "is_spot": bool(o.is_spot),
            },
        )
        for o in prime_client().gpu_availability(gpu_count=request.count)
        if o.available and o.gpu_type != "CPU_NODE"
    ]


def _pod_inputs(spec: PlacedPod, rent: Mapping[str, Any]) -> dict[str, Any]:
    inputs = {
        "name": spec.name,
        **rent,
        "image": spec.image,
        "env_vars": spec.env,
        "disk_size": spec.disk_gb,
        "max_price_per_hour": spec.gpu.max_price_per_hour,
        "wait_timeout": spec.wait_timeout,
        "wait_for_ssh": spec.wait_for_ssh,
    }
    return {k: v for k, v in inputs.items() if v is not None}


def _offer_of(pod: ApiPod) -> Offer:
    rent = {
        "gpu_type": pod.gpu_name,
        "gpu_count": pod.gpu_count,
        "socket": pod.socket,
        "provider": pod.provider_type or None,
    }
    return Offer.of(
        "primeintellect",
        pod.gpu_name,
        None,
        form=form_of(pod.socket),
        gpu_count=pod.gpu_count,
        price_per_hour=pod.price_hr,
        stock=f"rented ({pod.provider_type})",
        rent={k: v for k, v in rent.items() if v is not None},
    )


def _unsupported(spec: PlacedPod) -> dict[str, str]:
    reasons: dict[str, str] = {}
    if spec.image is not None and spec.image not in IMAGES:
        reasons["image"] = f"it runs only its own images: {', '.join(IMAGES)}"
    if spec.exposed_ports:
        reasons["exposed_ports"] = "its pods expose no ports besides SSH"
    if spec.ssh_public_keys:
        reasons["ssh_public_keys"] = "its pods take the account's SSH keys only"
    return reasons


HOST = Host(
    cloud="primeintellect",
    provider=PodProvider(),
    inputs=_pod_inputs,
    offer_of=_offer_of,
    unsupported=_unsupported,
    capacity_refusal=is_capacity_error,
)
"""Prime Intellect as a place for ``pulumi_gpu.Pod``: its own images, SSH only."""
