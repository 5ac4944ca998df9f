"""Ready means you can log in: pods wait for their SSH banner, on real loopback ports."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest
import yaml

from pulumi_gpu.core.ssh import parse_ssh, ssh_banner
from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing import ProgramStack

pytestmark = pytest.mark.e2e

POD = {
    "cloud": "runpod",
    "gpu_type": "NVIDIA GeForce RTX 4090",
    "image": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
}


def test_a_pod_whose_ssh_never_answers_fails_clearly_and_is_deleted(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator
) -> None:
    emulator.runpod.ssh_silent_next(1)
    pod = {**POD, "wait_timeout": 10}
    stack = fleet_stack(yaml.safe_dump({"pods": {"trainer": pod}}))
    text = stack.up(expect_failure=True).text()
    assert "is RUNNING, but its SSH port 127.0.0.1:" in text
    assert "did not answer with an SSH banner within 10 s" in text
    assert "wait_for_ssh=false skips this check" in text and "was deleted" in text
    assert "Traceback" not in text
    assert emulator.leftovers()["runpod"]["pods"] == []


def test_a_ready_pod_answers_ssh_and_its_logs_are_a_command_away(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator
) -> None:
    stack = fleet_stack(yaml.safe_dump({"pods": {"trainer": POD}}))
    stack.up()
    target = parse_ssh(stack.outputs()["ssh"]["trainer"])
    assert target is not None and target.host == "127.0.0.1"
    assert (ssh_banner(target.host, target.port) or "").startswith("SSH-2.0-")

    runtime = stack.resources()["trainer"]["outputs"]["runtime"]
    assert runtime["uptime_seconds"] >= 0 and len(runtime["gpu_util"]) == 1, runtime

    (pod_id,) = emulator.leftovers()["runpod"]["pods"]
    emulator.runpod.run(
        "pods", pod_id, seconds=None, lines=["step 1 loss 2.31", "step 2 loss 1.87"]
    )
    env = {**os.environ, **stack.env}
    command = ["pulumi-gpu", "logs", "trainer", "--tail", "2", "--dir", str(stack.project_dir)]
    shown = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["step 1 loss 2.31", "step 2 loss 1.87"]
    assert "runpod-emulator-key" not in shown.stdout + shown.stderr

    missing = subprocess.run(
        [*command[:2], "nope", *command[3:]], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 1
    assert "the stack has no pulumi-gpu resource 'nope'; it has: trainer" in missing.stderr
