"""Time limits the cloud enforces by itself: a Celium pod's removal, set from Pulumi."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from pulumi_gpu.core.jobs import epoch
from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing import ProgramStack
from tests.e2e.conftest import SSH_KEY
from tests.support.by_hand import ByHand

pytestmark = pytest.mark.e2e


POD = {
    "cloud": "celium",
    "image": "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
    "ssh_public_keys": [SSH_KEY],
    "selector": {"gpu_model": "RTX 4090"},
}


def fleet(entries: dict[str, Any]) -> str:
    return yaml.safe_dump(entries, sort_keys=False)


def test_a_celium_pod_is_removed_by_its_time_limit_with_no_pulumi_running(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    pod = {**POD, "max_duration": "30m"}
    stack = fleet_stack(fleet({"pods": {"box": pod}}))
    stack.up()
    (pod_id,) = emulator.leftovers()["celium"]["pods"]
    seen = by_hand.call("celium", "GET", f"/pods/{pod_id}")
    expires = stack.resources()["box"]["outputs"]["expires_at"]
    assert epoch(seen["removal_scheduled_at"]) == epoch(expires)
    assert epoch(expires) == pytest.approx(epoch(seen["created_at"]) + 1800, abs=1)
    assert stack.preview().ops() == {}

    # A longer limit moves Celium's removal, in place.
    pod["max_duration"] = "1h"
    stack.write_file("fleet.yaml", fleet({"pods": {"box": pod}}))
    assert stack.up().ops() == {"box": "update"}
    moved = by_hand.call("celium", "GET", f"/pods/{pod_id}")["removal_scheduled_at"]
    assert epoch(moved) == pytest.approx(epoch(seen["created_at"]) + 3600, abs=1)

    # Pulumi is not running: when the hour is over, Celium removes the pod by itself.
    emulator.clock.advance(3600 + 300)
    assert emulator.leftovers()["celium"]["pods"] == []
    stack.refresh()
    assert "box" not in stack.resources(), "refresh finds it gone"


def test_removing_the_limit_cancels_the_removal(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    pod = {**POD, "remove_at": "2099-01-01T00:00:00Z"}
    stack = fleet_stack(fleet({"pods": {"box": pod}}))
    stack.up()
    (pod_id,) = emulator.leftovers()["celium"]["pods"]
    seen = by_hand.call("celium", "GET", f"/pods/{pod_id}")["removal_scheduled_at"]
    assert epoch(seen) == epoch("2099-01-01T00:00:00Z")

    del pod["remove_at"]
    stack.write_file("fleet.yaml", fleet({"pods": {"box": pod}}))
    assert stack.up().ops() == {"box": "update"}
    assert by_hand.call("celium", "GET", f"/pods/{pod_id}")["removal_scheduled_at"] is None
    assert stack.resources()["box"]["outputs"].get("expires_at") is None
