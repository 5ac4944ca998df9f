"""A private image on RunPod: pulled with registry credentials declared beside the pod."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing import ProgramStack
from tests.support.by_hand import ByHand

pytestmark = pytest.mark.e2e

REPOSITORY = "ghcr.io/acme/trainer"
TOKEN = "hf_e2e_secret_token"  # the fleet stack's hfToken secret, reused as the password


def test_a_private_image_pod_pulls_with_its_registry_credentials(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    emulator.runpod.make_private(REPOSITORY, "acme-bot", TOKEN)
    pod = {
        "cloud": "runpod",
        "gpu_type": "NVIDIA GeForce RTX 4090",
        "image": f"{REPOSITORY}:1.4",
        "registry": "ghcr",
    }
    fleet = {
        "registries": {
            "ghcr": {"cloud": "runpod", "username": "acme-bot", "password": {"config": "hfToken"}}
        },
        "pods": {"trainer": pod},
    }
    stack = fleet_stack(yaml.safe_dump(fleet, sort_keys=False))
    assert stack.up().ops() == {"ghcr": "create", "trainer": "create"}

    registry_id = stack.resources()["ghcr"]["id"]
    (pod_id,) = emulator.leftovers()["runpod"]["pods"]
    assert by_hand.call("runpod", "GET", f"/pods/{pod_id}")["registry"] == registry_id
    assert TOKEN not in stack.export_text(), "the password is kept encrypted"
    assert stack.preview().ops() == {}

    # Dropping the credentials: RunPod restarts the pod, its pull is denied, `up` says why,
    # and the pod is kept (an update does not delete what was running).
    del fleet["registries"]
    del pod["registry"]
    stack.write_file("fleet.yaml", yaml.safe_dump(fleet, sort_keys=False))
    text = stack.up(expect_failure=True).text()
    assert "pull access denied for ghcr.io/acme/trainer" in text, "the pull fails, and why"
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id]
    stack.destroy()
    assert emulator.leftovers()["runpod"]["pods"] == []
    assert emulator.leftovers()["runpod"]["registries"] == []


def test_without_credentials_the_pull_is_denied_and_nothing_is_left(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator
) -> None:
    emulator.runpod.make_private(REPOSITORY, "acme-bot", TOKEN)
    pod = {"cloud": "runpod", "gpu_type": "NVIDIA GeForce RTX 4090", "image": f"{REPOSITORY}:1.4"}
    stack = fleet_stack(yaml.safe_dump({"pods": {"trainer": pod}}))
    text = stack.up(expect_failure=True).text()
    assert "pull access denied for ghcr.io/acme/trainer" in text
    assert "was deleted" in text
    assert emulator.leftovers()["runpod"]["pods"] == []
