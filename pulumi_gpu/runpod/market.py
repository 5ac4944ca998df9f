"""RunPod on the market: a GPU type in stock in a data center, on the secure or community
cloud, is an offer (see ``pulumi_gpu.market``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi_gpu.core.budget import Price
from pulumi_gpu.market.offers import Offer, OfferRequest
from pulumi_gpu.market.placement import Host
from pulumi_gpu.runpod.client import runpod_client
from pulumi_gpu.runpod.models import Pod as ApiPod
from pulumi_gpu.runpod.pod import PodProvider

if TYPE_CHECKING:
    from pulumi_gpu.market.pod import PodInputs as PlacedPod

CAPACITY_WORDS = (
    "no longer any instances available",
    "does not have the resources to deploy your pod",
)
"""How RunPod words a create it has no machine for."""

DEFAULT_IMAGE = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"
"""What a placed pod without an image runs here: RunPod's stock PyTorch + CUDA image."""

CONTINENTS = {"EU", "EUR", "AP", "OC", "SA", "AF", "AS"}
"""Data center ids start with a country code, or a continent and then the country."""


def country_of(data_center: str) -> str | None:
    """``US-KS-2`` -> ``US``; ``EU-RO-1`` -> ``RO``."""
    parts = data_center.upper().split("-")
    code = parts[1] if parts[0] in CONTINENTS and len(parts) > 1 else parts[0]
    return code if len(code) == 2 else None


def catalog_price(gpu_type: str, count: int, cloud_type: str) -> Price:
    """A pod's GPUs at the catalog's price now (RunPod has no price ceiling to declare)."""
    for gpu in runpod_client().list_gpu_types():
        if gpu.id == gpu_type and gpu.offered_in(cloud_type):
            usd = round(gpu.price_per_gpu(cloud_type) * count, 4)
            return Price(usd, f"catalog now: {count}x {gpu.name or gpu.id} ({cloud_type.lower()})")
    return Price(None, f"{gpu_type} is not priced on RunPod's {cloud_type} cloud", bounded=False)


def offers(request: OfferRequest) -> list[Offer]:
    """GPU types with stock for pods of ``request.count`` GPUs (one request per cloud type)."""
    client = runpod_client()
    found: list[Offer] = []
    for cloud_type in ("SECURE", "COMMUNITY"):
        catalog = client.list_gpu_types(
            availability=True,
            count=request.count,
            cloud=cloud_type,
            country_codes=[request.country.upper()] if request.country else None,
        )
        for gpu in catalog:
            if not gpu.offered_in(cloud_type) or gpu.max_gpus(cloud_type) < request.count:
                continue
            price = round(gpu.price_per_gpu(cloud_type) * request.count, 4)
            for place in gpu.data_centers:
                if place.availability == "NONE":
                    continue
                found.append(
                    Offer.of(
                        "runpod",
                        gpu.id,
                        gpu.memory or None,
                        gpu_count=request.count,
                        price_per_hour=price,
                        region=place.id,
                        country=country_of(place.id),
                        stock=f"{place.availability} ({cloud_type.lower()})",
                        rent={
                            "gpu_type": gpu.id,
                            "gpu_count": request.count,
                            "cloud_type": cloud_type,
                            "data_center_ids": [place.id],
                        },
                    )
                )
    return found


def _pod_inputs(spec: PlacedPod, rent: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": spec.name,
        **rent,
        "image": spec.image or DEFAULT_IMAGE,
        "env": spec.env,
        "exposed_ports": ["22/tcp", *(f"{p}/tcp" for p in spec.exposed_ports)],
        "ssh_public_keys": spec.ssh_public_keys or None,
        "container_disk_gb": spec.disk_gb,
        "wait_timeout": spec.wait_timeout,
        "wait_for_ssh": spec.wait_for_ssh,
    }


def _offer_of(pod: ApiPod) -> Offer:
    gpu_type, count = (pod.gpu.id, pod.gpu.count) if pod.gpu else ("unknown", 1)
    cloud_type = pod.cloud or "SECURE"
    return Offer.of(
        "runpod",
        gpu_type,
        None,
        gpu_count=count,
        price_per_hour=pod.cost or None,
        region=pod.data_center_id,
        country=country_of(pod.data_center_id) if pod.data_center_id else None,
        stock=f"rented ({cloud_type.lower()})",
        rent={
            "gpu_type": gpu_type,
            "gpu_count": count,
            "cloud_type": cloud_type,
            "data_center_ids": [pod.data_center_id] if pod.data_center_id else [],
        },
    )


HOST = Host(
    cloud="runpod",
    provider=PodProvider(),
    inputs=_pod_inputs,
    offer_of=_offer_of,
    unsupported=lambda spec: {},
    capacity_refusal=lambda error: (
        error.status == 400
        and not error.outcome_unknown
        and any(w in error.message.lower() for w in CAPACITY_WORDS)
    ),
)
"""RunPod as a place for ``pulumi_gpu.Pod``: it honours every placed pod input."""
