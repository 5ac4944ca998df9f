"""Taking over what exists (adopt_id), on every cloud: objects made with the cloud's own
API by hand, adopted by a fleet file, then edited and destroyed through Pulumi."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing import ProgramStack
from tests.e2e.conftest import SSH_KEY
from tests.support.by_hand import ByHand

pytestmark = pytest.mark.e2e

RTX_4090 = "NVIDIA GeForce RTX 4090"
IMAGE = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"


def fleet(entries: dict[str, Any]) -> str:
    return yaml.safe_dump(entries, sort_keys=False)


def writes(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests.find() if r.method != "GET")


def runpod_pod_by_hand(by_hand: ByHand, *, wait: bool = True) -> str:
    """A 1x RTX 4090 pod "made-by-hand" with RunPod's API; its id, once it runs (``wait``)."""
    body = {"name": "made-by-hand", "image": IMAGE, "gpu": {"id": RTX_4090, "count": 1}}
    pod_id = str(by_hand.call("runpod", "POST", "/pods", json=body)["id"])
    if wait:
        by_hand.until("runpod", f"/pods/{pod_id}", lambda p: p["status"] == "RUNNING")
    return pod_id


def test_runpod_pod_is_adopted_renamed_edited_and_destroyed(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    pod_id = runpod_pod_by_hand(by_hand)
    entry = {"cloud": "runpod", "adopt_id": pod_id, "gpu_type": RTX_4090, "image": IMAGE}
    stack = fleet_stack(fleet({"pods": {"trainer": entry}}))

    emulator.requests.clear()
    assert stack.preview().ops() == {"trainer": "create"}
    assert writes(emulator) == 0, "preview only reads the pod it would adopt"

    assert stack.up().ops() == {"trainer": "create"}
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id], "nothing new was rented"
    declared = stack.resources()["trainer"]
    assert declared["id"] == pod_id
    assert emulator.runpod.get_pod("user_1", pod_id)["name"] == declared["outputs"]["name"]
    assert declared["outputs"]["name"] != "made-by-hand", "the declared name is applied"
    assert stack.preview().ops() == {}, "adopted as declared: nothing left to change"

    entry["env"] = {"MODE": "serve"}
    stack.write_file("fleet.yaml", fleet({"pods": {"trainer": entry}}))
    assert stack.up().ops() == {"trainer": "update"}
    assert emulator.runpod.get_pod("user_1", pod_id)["env"]["MODE"] == "serve"
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id]

    stack.destroy()
    assert emulator.leftovers()["runpod"]["pods"] == []


def test_adoption_mistakes_are_refused_at_preview_with_nothing_sent(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    pod_id = runpod_pod_by_hand(by_hand, wait=False)
    wrong_gpu = {"cloud": "runpod", "adopt_id": pod_id, "gpu_type": "NVIDIA L40S"}
    missing = {"cloud": "runpod", "adopt_id": "nosuchpod", "gpu_type": RTX_4090}
    for entry in (wrong_gpu, missing):
        entry["image"] = IMAGE
    stack = fleet_stack(fleet({"pods": {"trainer": wrong_gpu}}))

    emulator.requests.clear()
    text = stack.preview(expect_failure=True).text()
    assert "adopt_id" in text
    assert "gpu_type is 'NVIDIA GeForce RTX 4090', declared 'NVIDIA L40S'" in text
    stack.write_file("fleet.yaml", fleet({"pods": {"trainer": missing}}))
    text += stack.preview(expect_failure=True).text()
    assert "no runpod Pod nosuchpod exists for the configured credentials" in text
    assert "Traceback" not in text
    assert writes(emulator) == 0
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id]


def test_primeintellect_pod_is_adopted_then_replaced_by_an_edit(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    (row, *_) = by_hand.call(
        "primeintellect", "GET", "/availability/gpus", params={"gpu_type": "H100_80GB"}
    )["items"]
    pod = {
        "name": "made-by-hand",
        "cloudId": row["cloudId"],
        "gpuType": row["gpuType"],
        "socket": row["socket"],
        "gpuCount": row["gpuCount"],
        "dataCenterId": row["dataCenter"],
    }
    made = by_hand.call(
        "primeintellect", "POST", "/pods/", json={"pod": pod, "provider": {"type": row["provider"]}}
    )
    pod_id = made["id"]
    entry = {
        "cloud": "primeintellect",
        "adopt_id": pod_id,
        "name": "made-by-hand",  # a Prime pod cannot be renamed: declared as it is
        "gpu_type": "H100_80GB",
        "gpu_count": row["gpuCount"],
    }
    stack = fleet_stack(fleet({"pods": {"h100": entry}}))
    assert stack.up().ops() == {"h100": "create"}
    assert emulator.leftovers()["primeintellect"]["pods"] == [pod_id]
    assert stack.outputs()["ssh"]["h100"].startswith("ssh ")
    assert stack.preview().ops() == {}

    entry["name"] = "renamed"  # the usual diff: a Prime pod is replaced to change this
    stack.write_file("fleet.yaml", fleet({"pods": {"h100": entry}}))
    assert stack.up().ops() == {"h100": "replace"}
    (new_id,) = emulator.leftovers()["primeintellect"]["pods"]
    assert new_id != pod_id, "the adopted pod was replaced and deleted"

    stack.destroy()
    assert emulator.leftovers()["primeintellect"]["pods"] == []


def test_celium_pod_is_adopted_and_renamed(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    template = by_hand.call(
        "celium",
        "POST",
        "/templates",
        json={
            "name": "by-hand",
            "docker_image": "daturaai/pytorch",
            "docker_image_tag": "latest",
            "internal_ports": [22],
        },
    )
    by_hand.until(
        "celium", f"/templates/{template['id']}", lambda t: t["status"] == "VERIFY_SUCCESS"
    )
    executor = by_hand.call("celium", "GET", "/executors")[0]
    rented = by_hand.call(
        "celium",
        "POST",
        f"/executors/{executor['id']}/rent",
        json={
            "pod_name": "made-by-hand",
            "template_id": template["id"],
            "user_public_key": [SSH_KEY],
        },
    )
    pod_id = rented["id"]
    entry = {
        "cloud": "celium",
        "adopt_id": pod_id,
        "name": "trainer-1",
        "template_id": template["id"],
        "executor_id": executor["id"],
        "ssh_public_keys": [SSH_KEY],
    }
    stack = fleet_stack(fleet({"pods": {"trainer": entry}}))
    assert stack.up().ops() == {"trainer": "create"}
    assert emulator.leftovers()["celium"]["pods"] == [pod_id]
    assert by_hand.call("celium", "GET", f"/pods/{pod_id}")["pod_name"] == "trainer-1"
    assert stack.resources()["trainer"]["outputs"]["rented_executor_id"] == executor["id"]

    entry["name"] = "trainer-2"
    stack.write_file("fleet.yaml", fleet({"pods": {"trainer": entry}}))
    assert stack.up().ops() == {"trainer": "update"}
    assert by_hand.call("celium", "GET", f"/pods/{pod_id}")["pod_name"] == "trainer-2"

    stack.destroy()
    assert emulator.leftovers()["celium"]["pods"] == []


def test_gpudev_disk_is_adopted_and_renamed(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator
) -> None:
    first = fleet_stack(fleet({"disks": {"work": {"cloud": "gpudev", "size_gb": 50}}}))
    first.up()
    disk_id = first.resources()["work"]["id"]
    first.cli("state", "delete", first.resources()["work"]["urn"], "--yes")  # forgotten

    adopted = {"cloud": "gpudev", "size_gb": 50, "adopt_id": disk_id, "name": "shared-work"}
    other = fleet_stack(fleet({"disks": {"work": adopted}}))
    assert other.up().ops() == {"work": "create"}
    assert other.resources()["work"]["id"] == disk_id
    assert emulator.leftovers()["gpudev"]["disks"] == ["emulator-user/shared-work"], (
        "renamed, not made"
    )
    assert other.preview().ops() == {}
    other.destroy()
    assert emulator.leftovers()["gpudev"]["disks"] == []


def test_import_option_is_refused_with_what_to_use_instead(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("runpod-template", config={"importId": "tpl123"})
    text = stack.preview(expect_failure=True).text()
    assert "ResourceOptions(import_=...) does not work with pulumi-gpu" in text
    assert "adopt_id='tpl123'" in text
    assert "Traceback" not in text
    assert emulator.is_empty()


def test_a_placed_pod_adopts_a_pod_then_edits_and_destroys_it(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    pod_id = runpod_pod_by_hand(by_hand)
    entry: dict[str, Any] = {
        "clouds": ["runpod", "celium"],
        "gpu": {"model": "RTX 4090"},
        "image": IMAGE,
        "ssh_public_keys": [SSH_KEY],
    }
    wrong = {
        f"runpod/{pod_id}-gone": "no runpod Pod",
        f"primeintellect/{pod_id}": "primeintellect is not among clouds",
        f"runpod/{pod_id}": "does not satisfy gpu: its GPU is RTX 4090 24GB, not L40S",
        pod_id: "is not '<cloud>/<pod id>'",
    }
    for adopt_id, why in wrong.items():
        gpu = {"model": "L40S"} if adopt_id == f"runpod/{pod_id}" else entry["gpu"]
        bad = fleet_stack(fleet({"pods": {"dev": {**entry, "gpu": gpu, "adopt_id": adopt_id}}}))
        emulator.requests.clear()
        assert why in bad.preview(expect_failure=True).text(), adopt_id
        assert writes(emulator) == 0

    stack = fleet_stack(fleet({"pods": {"dev": {**entry, "adopt_id": f"runpod/{pod_id}"}}}))
    emulator.requests.clear()
    assert stack.preview().ops() == {"dev": "create"}
    assert writes(emulator) == 0, "preview only reads the pod it would adopt"
    assert stack.up().ops() == {"dev": "create"}
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id], "nothing new was rented"
    placed = stack.resources()["dev"]
    assert placed["id"] == f"runpod/{pod_id}" and placed["outputs"]["cloud"] == "runpod"
    assert stack.preview().ops() == {}, "adopted as declared: nothing left to change"

    entry["env"] = {"MODE": "serve"}
    stack.write_file(
        "fleet.yaml", fleet({"pods": {"dev": {**entry, "adopt_id": f"runpod/{pod_id}"}}})
    )
    assert stack.up().ops() == {"dev": "update"}
    assert emulator.runpod.get_pod("user_1", pod_id)["env"]["MODE"] == "serve"
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id]

    stack.destroy()
    assert emulator.leftovers()["runpod"]["pods"] == []
