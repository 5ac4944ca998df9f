"""The market: one name per chip across the clouds, and which offers a request picks."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_gpu.core.errors import ConfigurationError, ServerError, TransportError
from pulumi_gpu.market.gpus import normalize
from pulumi_gpu.market.offers import Offer, OfferRequest, search

market = importlib.import_module("pulumi_gpu.market.offers")
"""The module (``pulumi_gpu.market.offers`` is also the name of a function)."""


@pytest.mark.parametrize(
    ("cloud_name", "memory_gb", "expected"),
    [
        # RunPod ids (with RunPod's memoryInGb where the id has no size)
        ("NVIDIA H100 80GB HBM3", None, "H100 80GB SXM"),
        ("NVIDIA H100 PCIe", 80, "H100 80GB PCIe"),
        ("NVIDIA A100-SXM4-80GB", None, "A100 80GB SXM"),
        ("NVIDIA A100 80GB PCIe", None, "A100 80GB PCIe"),
        ("NVIDIA GeForce RTX 4090", None, "RTX 4090 24GB"),
        ("NVIDIA RTX A6000", None, "RTX A6000 48GB"),
        ("NVIDIA L40S", None, "L40S 48GB"),
        ("NVIDIA H200", None, "H200 141GB"),
        ("AMD Instinct MI300X OAM", None, "MI300X 192GB"),
        ("NVIDIA RTX 6000 Ada Generation", 48, "RTX 6000 Ada 48GB"),
        ("NVIDIA H200", 143, "H200 141GB"),  # clouds round GB and GiB differently
        ("NVIDIA H100 NVL", None, "H100 94GB NVL"),
        # Prime Intellect gpu_type
        ("H100_80GB", None, "H100 80GB"),
        ("A100_40GB", None, "A100 40GB"),
        ("RTX4090_24GB", None, "RTX 4090 24GB"),
        ("RTX6000Ada_48GB", None, "RTX 6000 Ada 48GB"),
        ("A6000_48GB", None, "RTX A6000 48GB"),
        ("RTX3080Ti_12GB", None, "RTX 3080 Ti 12GB"),
        ("H200_141GB", None, "H200 141GB"),
        ("L40S_48GB", None, "L40S 48GB"),
        # GPU Dev chips
        ("A100 40GB", None, "A100 40GB"),
        ("H100 80GB SXM", None, "H100 80GB SXM"),
    ],
)
def test_each_clouds_spelling_has_one_name(
    cloud_name: str, memory_gb: int | None, expected: str
) -> None:
    assert normalize(cloud_name, memory_gb).name == expected


H100S = {
    "runpod SXM": normalize("NVIDIA H100 80GB HBM3"),
    "runpod PCIe": normalize("NVIDIA H100 PCIe", 80),
    "runpod NVL": normalize("NVIDIA H100 NVL", 94),
    "prime": normalize("H100_80GB", 80),
    "gpudev": normalize("H100 80GB SXM"),
}
A100S = {
    "runpod SXM 80": normalize("NVIDIA A100-SXM4-80GB"),
    "prime 80": normalize("A100_80GB", 80),
    "prime 40": normalize("A100_40GB", 40),
    "gpudev 40": normalize("A100 40GB"),
}


@pytest.mark.parametrize(
    ("request_gpu", "chips", "matching"),
    [
        ("H100", H100S, set(H100S)),
        ("h100", H100S, set(H100S)),
        ("H100 80GB", H100S, set(H100S) - {"runpod NVL"}),
        ("H100 SXM", H100S, {"runpod SXM", "gpudev"}),
        ("NVIDIA H100 80GB HBM3", H100S, {"runpod SXM", "gpudev"}),
        ("A100", A100S, set(A100S)),
        ("A100 80GB", A100S, {"runpod SXM 80", "prime 80"}),
        ("A100_40GB", A100S, {"prime 40", "gpudev 40"}),
        ("H200", H100S, set()),
    ],
)
def test_the_same_chip_on_every_cloud_satisfies_the_same_request(
    request_gpu: str, chips: dict[str, Any], matching: set[str]
) -> None:
    wanted = normalize(request_gpu, request=True)
    assert {where for where, chip in chips.items() if chip.satisfies(wanted)} == matching


def offer(cloud: Any = "runpod", price: float | None = 2.0, **fields: Any) -> Offer:
    values: dict[str, Any] = {"gpu_count": 1, "region": "US-KS-2", "country": "US", "stock": "x"}
    cloud_gpu = fields.pop("cloud_gpu", "H100_80GB")
    return Offer.of(cloud, cloud_gpu, None, price_per_hour=price, **{**values, **fields})


def picked(request: OfferRequest, found: list[Offer]) -> list[tuple[Any, ...]]:
    return [(o.cloud, o.region, o.price_per_hour) for o in request.select(found)]


def test_cheapest_first_ties_by_cloud_then_region_and_unpriced_last() -> None:
    found = [
        offer("gpudev", None, region=None, country=None),
        offer("runpod", 2.0, region="US-KS-2"),
        offer("celium", 2.0, region="Dallas"),
        offer("runpod", 2.0, region="EU-RO-1"),
        offer("primeintellect", 1.5),
        offer("celium", 3.0),
    ]
    expected = [
        ("primeintellect", "US-KS-2", 1.5),
        ("celium", "Dallas", 2.0),
        ("runpod", "EU-RO-1", 2.0),
        ("runpod", "US-KS-2", 2.0),
        ("celium", "US-KS-2", 3.0),
        ("gpudev", None, None),
    ]
    assert picked(OfferRequest(gpu="H100"), found) == expected
    assert picked(OfferRequest(gpu="H100"), found[::-1]) == expected


def test_a_price_limit_keeps_offers_at_or_below_it_and_drops_unpriced_ones() -> None:
    found = [offer(price=2.0), offer(price=2.01), offer("gpudev", None)]
    request = OfferRequest(max_price_per_hour=2.0)
    assert picked(request, found) == [("runpod", "US-KS-2", 2.0)]
    assert request.mismatch(found[2]) == "it has no price to hold against max_price_per_hour"


@pytest.mark.parametrize(
    ("criteria", "fields", "reason"),
    [
        ({"count": 2}, {"gpu_count": 1}, "it has 1 GPUs, not 2"),
        ({"count": 2}, {"gpu_count": 4}, "it has 4 GPUs, not 2"),
        ({"min_memory_gb": 48}, {"cloud_gpu": "RTX4090_24GB"}, "24 GB per GPU is below 48"),
        ({"min_memory_gb": 48}, {"cloud_gpu": "A100"}, "unknown GB per GPU is below 48"),
        ({"country": "us"}, {"country": "CA"}, "it is in CA, not us"),
        ({"country": "US"}, {"country": None}, "it is in an unknown country, not US"),
        ({"region": "ks"}, {"region": "EU-RO-1"}, "it is in EU-RO-1, not ks"),
        ({"clouds": ["celium"]}, {}, "runpod is not among the clouds asked"),
        ({"gpu": "A100"}, {}, "its GPU is H100 80GB, not A100"),
        ({"spot": False}, {"spot": True}, "it is a spot machine"),
        ({"spot": True}, {"spot": False}, "it is not a spot machine"),
        ({"spot": True}, {"spot": None}, "it is not a spot machine"),
    ],
)
def test_why_an_offer_does_not_match(
    criteria: dict[str, Any], fields: dict[str, Any], reason: str
) -> None:
    assert OfferRequest(**criteria).mismatch(offer(**fields)) == reason


@pytest.mark.parametrize(
    ("criteria", "fields"),
    [
        ({"count": 4}, {"gpu_count": 4}),
        ({"min_memory_gb": 80}, {"cloud_gpu": "H100_80GB"}),
        ({"country": "us"}, {"country": "US"}),
        ({"country": "US"}, {"country": "us"}),
        ({"region": "ks"}, {"region": "US-KS-2"}),
        ({"region": "Dal"}, {"region": "dallas"}),
        ({"clouds": ["runpod", "celium"]}, {}),
        ({"spot": False}, {"spot": None}),
        ({"spot": True}, {"spot": True}),
        ({}, {"spot": True}),
    ],
)
def test_offers_that_match(criteria: dict[str, Any], fields: dict[str, Any]) -> None:
    assert OfferRequest(**criteria).mismatch(offer(**fields)) is None


@pytest.mark.parametrize(
    "criteria",
    [{"count": 0}, {"count": 17}, {"clouds": ["aws"]}, {"clouds": []}, {"cloud": "runpod"}],
)
def test_requests_that_make_no_sense_are_refused(criteria: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OfferRequest(**criteria)


def test_clouds_that_cannot_be_asked_are_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers: dict[str, Any] = {
        "celium": [offer("celium", 3.0), offer("celium", 1.0)],
        "runpod": ConfigurationError("RunPod API key is not configured"),
        "primeintellect": TransportError(
            "primeintellect", "GET", "/availability", "timed out", outcome_unknown=False
        ),
        "gpudev": ServerError("gpudev", "GET", "/gpus", 503, "down"),
    }

    def cloud_offers(cloud: str, request: OfferRequest) -> list[Offer]:
        if isinstance(answers[cloud], Exception):
            raise answers[cloud]
        return list(answers[cloud])

    monkeypatch.setattr(market, "cloud_offers", cloud_offers)
    result = search(OfferRequest(gpu="H100"))
    assert [(o.cloud, o.price_per_hour) for o in result] == [("celium", 1.0), ("celium", 3.0)]
    assert result.skipped == {
        "runpod": "not configured: RunPod API key is not configured",
        "primeintellect": "did not answer: primeintellect API: GET /availability failed: timed out",
        "gpudev": "did not answer: gpudev API: GET /gpus answered 503: down",
    }


def test_only_the_clouds_asked_are_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def cloud_offers(cloud: Any, request: OfferRequest) -> list[Offer]:
        asked.append(cloud)
        return [offer(cloud)]

    monkeypatch.setattr(market, "cloud_offers", cloud_offers)
    result = search(OfferRequest(clouds=["runpod", "gpudev", "runpod"]))
    assert sorted(asked) == ["gpudev", "runpod"]
    assert [o.cloud for o in result] == ["gpudev", "runpod"]
    assert result.skipped == {}
