"""Placed pods end to end: the real pulumi CLI places them on the emulator's market.

Where a pod lands is checked against the market as the emulator serves it, and "one pod
per entry, no leftovers" is judged by the emulator's own tables.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.market.offers import Offer, OfferRequest, search
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.e2e

CLOUDS = ["runpod", "primeintellect"]
RTX = {"model": "RTX 4090", "count": 1, "max_price_per_hour": 1.0}
L40S = {"model": "L40S", "count": 1, "max_price_per_hour": 2.0}


def _stack(cloud_stack: Any, pods: dict[str, Any]) -> Any:
    return cloud_stack("placed", config={"pods": json.dumps(pods)})


def _cheapest(
    emulator: Emulator,
    server: EmulatorServer,
    gpu: dict[str, Any],
    clouds: list[str] = CLOUDS,
) -> Offer:
    """The cheapest offer for ``gpu`` on ``clouds`` that a placed pod may take now (not a
    spot machine unless ``gpu`` allows it), as the market shows it."""
    settings, secrets = emulator.stack_config(server.url())
    use_stack_config({**settings, **secrets})
    try:
        request = OfferRequest(
            gpu=gpu["model"],
            count=gpu["count"],
            max_price_per_hour=gpu.get("max_price_per_hour"),
            clouds=tuple(clouds),
            spot=None if gpu.get("allow_spot") else False,
        )
        found = search(request)
    finally:
        use_stack_config(None)  # type: ignore[arg-type]
    assert not found.skipped, found.skipped
    return found[0]


def _pods(emulator: Emulator) -> dict[str, list[str]]:
    """Live pods per cloud (of those the tests place on), from the emulator's own tables."""
    left = emulator.leftovers()
    return {cloud: left[cloud]["pods"] for cloud in CLOUDS}


def test_placed_pods_land_on_the_cheapest_offers_and_stay_put(
    cloud_stack: Any, emulator: Emulator, emulator_server: EmulatorServer
) -> None:
    rtx, l40s = (_cheapest(emulator, emulator_server, g) for g in (RTX, L40S))
    stack = _stack(
        cloud_stack,
        {"dev": {"gpu": RTX, "clouds": CLOUDS}, "infer": {"gpu": L40S, "clouds": CLOUDS}},
    )
    assert stack.preview().ops() == {"dev": "create", "infer": "create"}
    assert stack.up().ops() == {"dev": "create", "infer": "create"}
    out = stack.outputs()
    for name, cheapest in (("dev", rtx), ("infer", l40s)):
        assert out[name]["cloud"] == cheapest.cloud
        assert out[name]["price_per_hour"] == pytest.approx(cheapest.price_per_hour)
        assert out[name]["offer"]["region"] == cheapest.region
        assert out[name]["status"] == "ready" and out[name]["ssh"].startswith("ssh ")
        assert out[name]["attempts"] == []
    pods = _pods(emulator)
    assert sum(len(p) for p in pods.values()) == 2, f"one pod per entry: {pods}"

    assert stack.preview().ops() == {}, "no change: no diff"
    stack.refresh()
    assert stack.preview().ops() == {}, "a refresh finds it as placed"
    stack.destroy()
    assert emulator.is_empty()


def _writes(emulator: Emulator) -> list[Any]:
    return [
        r
        for cloud in CLOUDS
        for r in emulator.requests.find(cloud)
        if r.method in ("POST", "PUT", "PATCH", "DELETE")
    ]


def test_a_cloud_out_of_capacity_fails_over_to_the_next_offer(
    cloud_stack: Any, emulator: Emulator, emulator_server: EmulatorServer
) -> None:
    cheapest = _cheapest(emulator, emulator_server, RTX)
    assert cheapest.cloud == "primeintellect", "the scenario needs Prime cheapest"
    emulator.primeintellect.refuse_rents(-1)  # its catalog still shows the stock
    stack = _stack(cloud_stack, {"dev": {"gpu": RTX, "clouds": CLOUDS}})
    stack.up()
    out = stack.outputs()["dev"]
    assert out["cloud"] == "runpod" and out["status"] == "ready"
    assert len(out["attempts"]) == 1 and "primeintellect" in out["attempts"][0]
    assert "no capacity" in out["attempts"][0]
    assert _pods(emulator) == {"runpod": _pods(emulator)["runpod"], "primeintellect": []}
    assert len(_pods(emulator)["runpod"]) == 1, "exactly one pod for the entry"

    emulator.primeintellect.clear_refusals()
    assert stack.preview().ops() == {}, "placed: it stays put when a cheaper cloud is back"
    stack.destroy()
    assert emulator.is_empty()


def test_every_offer_refused_fails_listing_what_was_tried_and_leaves_nothing(
    cloud_stack: Any, emulator: Emulator
) -> None:
    for cloud in CLOUDS:
        emulator.clouds[cloud].refuse_rents(-1)
    stack = _stack(cloud_stack, {"dev": {"gpu": RTX, "clouds": CLOUDS, "max_attempts": 2}})
    result = stack.up(expect_failure=True)
    assert "no offer could be rented (2 tried, cheapest first)" in result.text()
    assert result.text().count("no capacity") >= 2
    assert emulator.is_empty(), "refused rents made nothing"


def test_requirement_changes_keep_a_pod_that_still_fits_and_replace_one_that_does_not(
    cloud_stack: Any, emulator: Emulator, emulator_server: EmulatorServer
) -> None:
    stack = _stack(cloud_stack, {"dev": {"gpu": RTX, "clouds": CLOUDS}})
    stack.up()
    first = stack.resources()["dev"]["id"]

    looser = {**RTX, "max_price_per_hour": 5.0}
    stack.set_config("pods", json.dumps({"dev": {"gpu": looser, "clouds": CLOUDS}}))
    assert stack.preview().ops() == {"dev": "update"}, "still satisfied: recorded, not moved"
    stack.up()
    assert stack.resources()["dev"]["id"] == first

    l40s = _cheapest(emulator, emulator_server, L40S)
    stack.set_config("pods", json.dumps({"dev": {"gpu": L40S, "clouds": CLOUDS}}))
    assert stack.preview().ops() == {"dev": "replace"}
    stack.up()
    out = stack.outputs()["dev"]
    assert out["offer"]["gpu"] == l40s.gpu and out["cloud"] == l40s.cloud
    assert sum(len(p) for p in _pods(emulator).values()) == 1, "the old pod is gone"
    stack.destroy()
    assert emulator.is_empty()


def test_preview_says_which_input_rules_out_which_cloud_and_writes_nothing(
    cloud_stack: Any, emulator: Emulator
) -> None:
    pods = {"dev": {"gpu": RTX, "clouds": CLOUDS, "image": "pytorch/pytorch:2.4.0"}}
    stack = _stack(cloud_stack, pods)
    result = stack.preview(expect_failure=True)
    assert "primeintellect cannot honour image (it runs only its own images" in result.text()
    assert "Traceback" not in result.text()
    assert _writes(emulator) == []

    stack.set_config("pods", json.dumps({"dev": {"gpu": {"model": "B300", "count": 8}}}))
    result = stack.preview(expect_failure=True)
    assert "no offer on runpod, primeintellect satisfies" in result.text()
    assert _writes(emulator) == []


BUDGET_FLEET = """
budget: {max_cost_per_hour: %s}
pods:
  dev:
    clouds: [runpod, primeintellect]
    gpu: {model: RTX 4090, count: 1, max_price_per_hour: 0.5}
  infer:
    cloud: runpod
    gpu_type: NVIDIA L40S
    image: vllm/vllm-openai:v0.6.3
  batch:
    cloud: primeintellect
    gpu_type: A100_80GB
    max_price_per_hour: 1.5
jobs:
  train:
    cloud: gpudev
    gpu_type: h100
    github_user: octocat
    command: python train.py
"""


def _fleet(cloud_stack: Any, text: str) -> Any:
    stack = cloud_stack(REPO_ROOT, only=["Pulumi.yaml", "__main__.py"])
    stack.write_file("fleet.yaml", text)
    return stack


def test_a_fleet_over_budget_fails_preview_itemized_and_writes_nothing(
    cloud_stack: Any, emulator: Emulator
) -> None:
    stack = _fleet(cloud_stack, BUDGET_FLEET % 2.5)
    result = stack.preview(expect_failure=True)
    text = result.text()
    assert "may cost $2.86/h, above the budget of $2.50/h; nothing was created" in text
    for line in (
        r"dev \$0.50/h any Pod: ceiling gpu.max_price_per_hour",
        r"infer \$0.86/h runpod Pod: catalog now: 1x L40S \(secure\)",
        r"batch \$1.50/h primeintellect Pod: ceiling max_price_per_hour",
        r"train - gpudev Job: GPU Dev sets no hourly price",
        r"total \$2.86/h",
    ):
        pattern = line.replace(" ", r"\s+")
        assert re.search(pattern, text), f"{line!r} not itemized in:\n{text}"
    assert "Traceback" not in text
    assert _writes(emulator) == [] and emulator.is_empty()

    stack.write_file("fleet.yaml", BUDGET_FLEET % 3)
    assert stack.preview().ops() == {n: "create" for n in ("dev", "infer", "batch", "train")}


def test_a_fleet_of_placed_pods_exports_where_each_landed(
    cloud_stack: Any, emulator: Emulator, emulator_server: EmulatorServer
) -> None:
    rtx = _cheapest(emulator, emulator_server, RTX)
    stack = _fleet(
        cloud_stack,
        "pods:\n  dev:\n    clouds: [runpod, primeintellect]\n"
        "    gpu: {model: RTX 4090, count: 1, max_price_per_hour: 1.0}\n",
    )
    stack.up()
    out = stack.outputs()
    assert out["placements"]["dev"]["cloud"] == rtx.cloud
    assert out["placements"]["dev"]["price_per_hour"] == pytest.approx(rtx.price_per_hour)
    assert out["costs"]["dev"] == pytest.approx(out["cost_per_hour"])
    assert set(out["ssh"]) == {"dev"}
    stack.destroy()
    assert emulator.is_empty()


def test_a_python_program_over_its_configured_budget_stops_at_preview(
    cloud_stack: Any, emulator: Emulator
) -> None:
    pods = {"dev": {"gpu": RTX, "clouds": CLOUDS}, "infer": {"gpu": L40S, "clouds": CLOUDS}}
    stack = _stack(cloud_stack, pods)
    stack.set_config("pulumi-gpu:maxCostPerHour", "2.5")
    text = stack.preview(expect_failure=True).text()
    assert "may cost $3.00/h, above the budget of $2.50/h; nothing was created" in text
    assert re.search(r"infer\s+\$2.00/h\s+pod: ceiling gpu.max_price_per_hour", text), text
    assert _writes(emulator) == []

    unbounded = {"dev": {"gpu": {"model": "RTX 4090"}, "clouds": CLOUDS}}
    stack.set_config("pods", json.dumps(unbounded))
    stack.set_config("pulumi-gpu:maxCostPerHour", "0.30")
    text = stack.preview(expect_failure=True).text()
    assert "the dearest of the 3 offers it may try" in text, "no ceiling: the market bounds it"
    stack.set_config("pulumi-gpu:maxCostPerHour", "1")
    assert stack.preview().ops() == {"dev": "create"}


SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 e2e"


def test_a_pod_placed_on_celium_runs_its_image_on_a_template_of_its_own(
    cloud_stack: Any, emulator: Emulator, emulator_server: EmulatorServer
) -> None:
    h100 = {"model": "H100 SXM", "count": 1, "max_price_per_hour": 3.0}
    cheapest = _cheapest(emulator, emulator_server, h100, clouds=["celium", "runpod"])
    assert cheapest.cloud == "celium", "the scenario needs Celium cheapest"
    pod = {
        "gpu": h100,
        "clouds": ["celium", "runpod"],
        "image": "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
        "env": {"MODE": "train"},
        "exposed_ports": [8888],
        "ssh_public_keys": [SSH_KEY],
    }
    stack = _stack(cloud_stack, {"dev": pod})
    stack.up()
    out = stack.outputs()["dev"]
    assert out["cloud"] == "celium" and out["status"] == "ready"
    assert out["price_per_hour"] == pytest.approx(cheapest.price_per_hour)
    assert len(emulator.leftovers()["celium"]["pods"]) == 1
    assert len(emulator.leftovers()["celium"]["templates"]) == 1, "its one-time template"
    assert stack.preview().ops() == {}

    stack.set_config("pods", json.dumps({"dev": {**pod, "env": {"MODE": "eval"}}}))
    assert stack.preview().ops() == {"dev": "replace"}, "Celium cannot change env in place"
    stack.destroy()
    assert emulator.is_empty(), "the one-time template goes with its pod"


def test_a_move_with_nowhere_to_go_is_refused_at_preview_and_the_pod_stays(
    cloud_stack: Any, emulator: Emulator
) -> None:
    stack = _stack(cloud_stack, {"dev": {"gpu": RTX, "clouds": CLOUDS}})
    stack.up()
    first = stack.resources()["dev"]["id"]
    nowhere = {"dev": {"gpu": {"model": "B300", "count": 8}, "clouds": CLOUDS}}
    stack.set_config("pods", json.dumps(nowhere))
    text = stack.preview(expect_failure=True).text()
    assert "cannot move: no offer on runpod, primeintellect satisfies" in text
    assert stack.resources()["dev"]["id"] == first
    stack.destroy()
    assert emulator.is_empty()
