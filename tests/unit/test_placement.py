"""Placed pods without a cloud: which clouds can host them, when to try the next offer,
and when a running pod no longer fits its requirements."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_gpu.core.errors import (
    CloudReportedFailure,
    GpuCloudError,
    InvalidRequestError,
    NoCapacity,
    ResourceFailed,
    ServerError,
    WaitTimeout,
)
from pulumi_gpu.market.offers import Offer
from pulumi_gpu.market.placement import host, worth_another_offer
from pulumi_gpu.market.pod import PodInputs, PodProvider

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
RUNPOD_FULL = (
    "There are no longer any instances available with the requested specifications: "
    "1 x NVIDIA GeForce RTX 4090 on the SECURE cloud"
)


def _spec(**changes: Any) -> PodInputs:
    return PodInputs.model_validate({"name": "dev", "gpu": {"model": "RTX 4090"}, **changes})


def _wrapped(cause: Exception, message: str = "runpod Pod dev: RunPod refused the pod") -> Any:
    try:
        raise GpuCloudError(message) from cause
    except GpuCloudError as exc:
        return exc


def test_a_capacity_refusal_moves_on_whatever_wraps_it() -> None:
    refusal = InvalidRequestError("runpod", "POST", "/pods", 400, RUNPOD_FULL)
    assert worth_another_offer(host("runpod"), _wrapped(refusal)) == "no capacity"
    prime = InvalidRequestError("primeintellect", "POST", "/pods/", 400, "No capacity: 1x")
    assert worth_another_offer(host("primeintellect"), _wrapped(prime)) == "no capacity"
    taken = NoCapacity("celium Pod dev: executor e-1 was rented by someone else")
    assert worth_another_offer(host("celium"), taken) == "no capacity"


def test_a_failed_start_moves_on_a_vanished_pod_a_timeout_or_another_error_does_not() -> None:
    runpod = host("runpod")
    failed = CloudReportedFailure("runpod Pod dev failed with status ERROR: CUDA error")
    assert worth_another_offer(runpod, failed) == "failed to start (deleted)"
    assert worth_another_offer(runpod, ResourceFailed("it no longer exists")) is None
    assert worth_another_offer(runpod, WaitTimeout("still pending")) is None
    other = InvalidRequestError("runpod", "POST", "/pods", 400, "image not found")
    assert worth_another_offer(runpod, _wrapped(other)) is None


def test_an_answer_that_may_hide_a_made_pod_stops_the_search() -> None:
    lost = ServerError("runpod", "POST", "/pods", 503, RUNPOD_FULL, outcome_unknown=True)
    assert worth_another_offer(host("runpod"), _wrapped(lost)) is None


def test_each_input_a_cloud_cannot_honour_rules_it_out_with_the_reason() -> None:
    usable, ruled_out = _spec(image="pytorch/pytorch:2.4.0", exposed_ports=[8888]).hosts()
    assert list(usable) == ["runpod"]
    assert set(ruled_out["primeintellect"]) == {"image", "exposed_ports"}
    assert "its own images" in ruled_out["primeintellect"]["image"]
    assert set(ruled_out["celium"]) == {"ssh_public_keys"}, "Celium pods need a key"
    keyed = _spec(ssh_public_keys=[KEY], disk_gb=20, image="Bad Image").hosts()[1]["celium"]
    assert set(keyed) == {"disk_gb", "image"}
    usable, ruled_out = _spec(image="ubuntu_22_cuda_12").hosts()
    assert set(usable) == {"runpod", "primeintellect"} and set(ruled_out) == {"celium"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"clouds": ["gpudev"]}, "clouds"),
        ({"exposed_ports": [22]}, "exposed_ports"),
        ({"exposed_ports": [8888, 8888]}, "exposed_ports"),
        ({"name": "Dev_1"}, "name"),
        ({"gpu": {"model": "H100", "count": 0}}, "gpu"),
        ({"gpu": {"model": "H100", "price": 2}}, "gpu"),
        ({"adopt_id": "abc123"}, "adopt_id"),
        ({"adopt_id": "gpudev/abc123"}, "adopt_id"),
        ({"adopt_id": "runpod/"}, "adopt_id"),
    ],
)
def test_bad_inputs_name_their_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _spec(**changes)
    assert exc.value.errors()[0]["loc"][0] == field


RENTED = Offer.of(
    "runpod",
    "NVIDIA GeForce RTX 4090",
    24,
    gpu_count=1,
    price_per_hour=0.34,
    region="EU-RO-1",
    country="RO",
    stock="HIGH",
).model_dump()


@pytest.mark.parametrize(
    ("changes", "moves"),
    [
        ({"gpu": {"model": "RTX 4090", "max_price_per_hour": 0.5}}, False),
        ({"gpu": {"model": "4090", "min_memory_gb": 24}}, False),
        ({"country": "ro"}, False),
        ({"gpu": {"model": "RTX 4090", "max_price_per_hour": 0.3}}, True),
        ({"gpu": {"model": "L40S"}}, True),
        ({"gpu": {"model": "RTX 4090", "count": 2}}, True),
        ({"region": "US"}, True),
        ({"clouds": ["primeintellect"]}, True),
        ({"gpu": {"model": "RTX 4090", "allow_spot": True}}, False),
    ],
)
def test_a_running_pod_moves_only_when_it_no_longer_fits(
    changes: dict[str, Any], moves: bool
) -> None:
    olds = {"offer": RENTED, **_spec().model_dump()}
    reason = PodProvider()._no_longer_fits(olds, _spec(**changes))
    assert (reason is not None) == moves, reason


def test_spot_machines_are_used_only_when_allowed() -> None:
    assert _spec().request().spot is False, "never, by default"
    allowed = _spec(gpu={"model": "RTX 4090", "allow_spot": True})
    assert allowed.request().spot is None, "either, when allowed"
    on_spot = {"offer": {**RENTED, "spot": True}, **allowed.model_dump()}
    assert PodProvider()._no_longer_fits(on_spot, allowed) is None
    assert PodProvider()._no_longer_fits(on_spot, _spec()) == "it is a spot machine"


def test_adopt_id_names_a_cloud_and_its_pod() -> None:
    adopted = _spec(adopt_id="runpod/abc/123").adopted()
    assert adopted is not None and (adopted[0].cloud, adopted[1]) == ("runpod", "abc/123")
    assert _spec().adopted() is None
