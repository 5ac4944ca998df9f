"""The fleet file end to end: the repository root's Pulumi program on the emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pulumi_gpu.emulator import Emulator
from tests.support.stack import REPO_ROOT, ProgramStack

pytestmark = pytest.mark.e2e

EXAMPLE = REPO_ROOT / "examples" / "fleet.yaml"


@pytest.fixture
def fleet_stack(cloud_stack: Callable[..., ProgramStack]) -> Callable[[str], ProgramStack]:
    def make(text: str) -> ProgramStack:
        stack = cloud_stack(REPO_ROOT, only=["Pulumi.yaml", "__main__.py"])
        stack.write_file("fleet.yaml", text)
        return stack

    return make


def edit(stack: ProgramStack, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load((stack.project_dir / "fleet.yaml").read_text())
    change(data)
    stack.write_file("fleet.yaml", yaml.safe_dump(data, sort_keys=False))


def test_example_fleet_lifecycle(fleet_stack, emulator: Emulator) -> None:
    stack = fleet_stack(EXAMPLE.read_text())
    expected = {name: "create" for name in ("vllm", "datasets", "trainer", "inference")}
    assert stack.preview().ops() == expected
    assert stack.up().ops() == expected

    outputs = stack.outputs()
    assert set(outputs["ssh"]) == {"trainer", "inference"}
    assert all(cmd.startswith("ssh root@") for cmd in outputs["ssh"].values())
    assert set(outputs["ports"]["trainer"]) == {"22", "8000"}
    assert "Host trainer\n    HostName " in outputs["ssh_config"]
    assert "Host inference" in outputs["ssh_config"]
    pods = emulator.leftovers()["celium"]["pods"]
    live = [emulator.celium.get_pod("celium-emulator-key", p) for p in pods]
    assert outputs["cost_per_hour"] == pytest.approx(sum(p["price"] for p in live), abs=1e-3)
    assert stack.preview().ops() == {}

    edit(stack, lambda d: d["pods"]["inference"].update(name="renamed-inference"))
    assert stack.preview().ops() == {"inference": "update"}
    stack.up()

    edit(stack, lambda d: d["pods"]["trainer"]["selector"].update(gpu_model="H100"))
    assert stack.preview().ops() == {"trainer": "replace"}
    stack.up()

    edit(stack, lambda d: d["pods"].pop("inference"))
    assert stack.preview().ops() == {"inference": "delete"}
    assert stack.up().ops() == {"inference": "delete"}
    assert len(emulator.leftovers()["celium"]["pods"]) == 1

    stack.destroy()
    assert emulator.is_empty()


def test_a_broken_fleet_fails_preview_with_every_problem(fleet_stack, emulator: Emulator) -> None:
    broken = Path(__file__).resolve().parents[1] / "fleet" / "broken.yaml"
    stack = fleet_stack(broken.read_text())
    result = stack.preview(expect_failure=True)
    text = result.text()
    assert "the fleet file has 15 problem(s)" in text
    assert "fleet.yaml:21:5: pods.trainer.template: no templates entry named 'vlm'" in text
    assert "Traceback" not in text
    assert emulator.requests.find("celium") == [], "nothing may reach a cloud"
