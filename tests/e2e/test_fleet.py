"""The fleet file end to end: the repository root's Pulumi program on the emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing import ProgramStack
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.e2e

EXAMPLE = REPO_ROOT / "examples" / "fleet.yaml"


def edit(stack: ProgramStack, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load((stack.project_dir / "fleet.yaml").read_text())
    change(data)
    stack.write_file("fleet.yaml", yaml.safe_dump(data, sort_keys=False))


def test_example_fleet_lifecycle(fleet_stack, emulator: Emulator) -> None:
    stack = fleet_stack(EXAMPLE.read_text())
    names = (
        "vllm",
        "datasets",
        "trainer",
        "inference",
        "checkpoints",
        "notebook",
        "scratch",
        "h100",
        "workspace",
        "sandbox",
        "dev",
        "train",
    )
    expected = {name: "create" for name in names}
    assert stack.preview().ops() == expected
    assert stack.up().ops() == expected

    outputs = stack.outputs()
    assert set(outputs["ssh"]) == {"trainer", "inference", "notebook", "h100", "sandbox", "dev"}
    assert outputs["placements"]["sandbox"]["gpu"] == "RTX 4090 24GB"
    assert outputs["costs"]["sandbox"] == outputs["placements"]["sandbox"]["price_per_hour"]
    assert outputs["ssh"]["dev"].startswith("gpu-dev connect ")
    assert outputs["jobs"] == {"train": "succeeded", "dev": "running"}, "train ended (finished)"
    train = stack.resources(show_secrets=True)["train"]["outputs"]
    assert (train["status"], train["exit_code"], train["released"]) == ("succeeded", 0, True)
    assert train["log_tail"] == "epoch 1/2\nepoch 2/2\nsaved /workspace/model.txt"
    assert "epoch 1/2\\nepoch 2/2" not in stack.export_text(), "a log tail is a secret output"
    assert set(outputs["jupyter"]) == {"h100", "dev"}
    assert "Host dev" not in outputs["ssh_config"], "gpu-dev connect is not an SSH command"
    pods = {name: cmd for name, cmd in outputs["ssh"].items() if name != "dev"}
    assert all(cmd.startswith("ssh root@") for cmd in pods.values())
    assert set(outputs["ports"]["trainer"]) == {"22", "8000"}
    assert "22" in outputs["ports"]["notebook"]
    for name in ("trainer", "inference", "notebook", "h100", "sandbox"):
        assert f"Host {name}\n    HostName " in outputs["ssh_config"]
    pods = emulator.leftovers()["celium"]["pods"]
    live = [emulator.celium.get_pod("celium-emulator-key", p) for p in pods]
    state = stack.resources()
    others = sum(
        state[name]["outputs"]["cost_per_hour"]
        for name in ("notebook", "h100", "scratch", "sandbox")
    )
    expected_cost = sum(p["price"] for p in live) + others
    assert outputs["cost_per_hour"] == pytest.approx(expected_cost, abs=1e-3)
    exported = stack.export_text()
    assert "hf_e2e_secret_token" not in exported and "jupyter-e2e-pass" not in exported
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

    edit(stack, lambda d: d["pods"]["notebook"].update(desired_status="stopped"))
    edit(stack, lambda d: d["jobs"]["dev"].update(duration_hours=6))
    assert stack.preview().ops() == {"notebook": "update", "dev": "update"}
    stack.up()
    assert "notebook" not in stack.outputs()["ssh"], "no SSH to a stopped pod"

    stack.destroy()
    assert emulator.is_empty()


def test_a_broken_fleet_fails_preview_with_every_problem(fleet_stack, emulator: Emulator) -> None:
    broken = Path(__file__).resolve().parents[1] / "fleet" / "broken.yaml"
    stack = fleet_stack(broken.read_text())
    result = stack.preview(expect_failure=True)
    text = result.text()
    assert "the fleet file has 14 problem(s)" in text
    assert "fleet.yaml:21:5: pods.trainer.template: no templates entry named 'vlm'" in text
    assert "Traceback" not in text
    assert emulator.requests.find("celium") == [], "nothing may reach a cloud"


SPOT_FLEET = """
defaults:
  celium:
    ssh_public_keys:
      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me
templates:
  base: {cloud: celium, docker_image: daturaai/pytorch, internal_ports: [22]}
pods:
  cheap: {cloud: primeintellect, gpu_type: H100_80GB, gpu_count: 1, is_spot: true}
  steady: {cloud: primeintellect, gpu_type: H100_80GB, gpu_count: 1}
  secure: {cloud: celium, template: base, selector: {tier: secure}}
"""


def test_spot_machines_only_when_asked(fleet_stack, emulator: Emulator) -> None:
    stack = fleet_stack(SPOT_FLEET)
    stack.up()
    pods = {name: res["outputs"] for name, res in stack.resources().items()}
    assert pods["cheap"]["offer"]["is_spot"] and pods["cheap"]["offer"]["cloud_id"].endswith(
        "_spot"
    )
    assert pods["steady"]["offer"]["is_spot"] is False, "the cheaper spot offer is not taken"
    assert pods["cheap"]["cost_per_hour"] < pods["steady"]["cost_per_hour"]
    assert pods["secure"]["tier"] == "secure"
    assert stack.preview().ops() == {}

    edit(stack, lambda fleet: fleet["pods"]["cheap"].pop("is_spot"))
    assert stack.preview().ops() == {"cheap": "replace"}, "a spot pod moves off spot"
