"""Jobs end to end on every cloud that runs them: the real pulumi CLI against the emulator.

A run that succeeds, one that fails, one that outlives its time box while no Pulumi
process runs, a cancel through destroy, and a second `up` after success that changes
nothing. "Nothing billing" is judged by the emulator, not by our outputs.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator
from tests.e2e.conftest import SSH_KEY

pytestmark = pytest.mark.e2e

TOKEN = "hf_job_token_5a1c9e"
CLOUDS = ("celium", "runpod", "gpudev")
LOGS = ("celium", "runpod")
"""Clouds whose API keeps a container's log (the exit code is read from it)."""
SUCCESS = "echo epoch 1; sleep 120; echo saved /workspace/model; exit 0"
FAILURE = "echo loading; sleep 60; echo CUDA out of memory; exit 3"
FOREVER = "echo serving; sleep 100000"


def _job(cloud_stack: Any, cloud: str, command: str, **config: str) -> Any:
    settings = {"cloud": cloud, "command": command, "sshPublicKey": SSH_KEY, **config}
    return cloud_stack("job", config=settings, secrets={"token": TOKEN})


def _billing(emulator: Emulator, cloud: str) -> list[str]:
    """What of the cloud's compute still bills: running pods, jobs not ended."""
    if cloud == "celium":
        return emulator.leftovers()["celium"]["pods"]
    if cloud == "runpod":
        pods = [
            emulator.runpod.get_pod("user_1", p) for p in emulator.leftovers()["runpod"]["pods"]
        ]
        return [p["id"] for p in pods if p["cost"] > 0]
    return emulator.leftovers()["gpudev"]["jobs"]


def _recorded(stack: Any) -> dict[str, Any]:
    """The job's outputs in the state (a refresh updates them, not the stack's exports)."""
    return dict(stack.resources()["train"]["outputs"])


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_job_that_succeeds_is_kept_as_its_record(
    cloud_stack, emulator: Emulator, cloud: str
) -> None:
    stack = _job(cloud_stack, cloud, SUCCESS)
    assert stack.preview().ops() == {"train": "create"}
    assert stack.up().ops() == {"train": "create"}
    out = stack.outputs()
    assert out["status"] == "succeeded" and out["released"] is True
    assert out.get("ssh") is None, "nothing to connect to once it ended"
    assert out["started_at"] and out["ended_at"]
    assert _billing(emulator, cloud) == [], "the GPUs are released when it ends"
    if cloud in LOGS:
        assert out["exit_code"] == 0
        assert out["log_tail"] == "epoch 1\nsaved /workspace/model"
        assert emulator.leftovers()[cloud]["pods"] == [], "the pod is deleted once it ended"
        assert out["cost_so_far"] > 0 and out["started_at"] < out["ended_at"]
        command = ["pulumi-gpu", "logs", "train", "--tail", "1", "--dir", str(stack.project_dir)]
        shown = subprocess.run(
            command, env={**os.environ, **stack.env}, capture_output=True, text=True, check=False
        )
        assert shown.stdout == "saved /workspace/model\n", "the recorded tail (a secret)"
    assert TOKEN not in stack.export_text(), "env stays encrypted"

    assert stack.up().ops() == {}, "a finished job is not run again"
    stack.refresh()
    assert _recorded(stack)["status"] == "succeeded", "refresh keeps the record"
    assert stack.preview().ops() == {}

    stack.set_config("runId", "2")
    assert stack.preview().ops() == {"train": "replace"}, "a new run_id runs it again"
    stack.destroy()
    assert emulator.is_empty()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_job_that_fails_fails_up_and_leaves_nothing(
    cloud_stack, emulator: Emulator, cloud: str
) -> None:
    stack = _job(cloud_stack, cloud, FAILURE)
    result = stack.up(expect_failure=True)
    assert "failed" in result.text()
    if cloud in LOGS:
        assert "exit code 3" in result.text() and "CUDA out of memory" in result.text()
    else:
        assert "command exited with code 3" in result.text()
    assert _billing(emulator, cloud) == [], "a failed run is released"
    assert stack.resources() == {} or "train" not in str(stack.resources())
    assert emulator.is_empty()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_time_box_holds_with_no_pulumi_running(
    cloud_stack, emulator: Emulator, cloud: str
) -> None:
    limits = {"maxDuration": "1h"} if cloud in LOGS else {"hours": "1"}
    stack = _job(cloud_stack, cloud, FOREVER, wait="started", **limits)
    assert stack.up().ops() == {"train": "create"}
    running = stack.outputs()
    assert running["status"] == "running" and running["ssh"]
    assert running["expires_at"]
    assert _billing(emulator, cloud) != []

    emulator.clock.advance(2 * 3600)  # no Pulumi process runs meanwhile
    assert _billing(emulator, cloud) == [], "the cloud side ended it on time"

    stack.refresh()
    recorded = _recorded(stack)
    assert recorded["status"] == "expired" and recorded["released"] is True
    assert stack.up().ops() == {}, "an expired job is a record too"
    out = stack.outputs()
    assert out["status"] == "expired" and out.get("ssh") is None
    if cloud == "runpod":
        assert out["exit_code"] == 124 and "serving" in out["log_tail"]
    stack.destroy()
    assert emulator.is_empty()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_destroy_cancels_a_running_job(cloud_stack, emulator: Emulator, cloud: str) -> None:
    stack = _job(cloud_stack, cloud, FOREVER, wait="started")
    stack.up()
    assert stack.outputs()["status"] == "running"
    stack.destroy()
    assert _billing(emulator, cloud) == []
    assert emulator.is_empty()


def test_a_started_runpod_job_waits_for_its_ports_as_a_pod_does(
    cloud_stack, emulator: Emulator
) -> None:
    """RunPod maps a pod's public ports a while after RUNNING: `up` returns with them, and
    with the direct SSH address rather than RunPod's proxy."""
    emulator.runpod.timings.ports = 300  # five real seconds after the command runs
    stack = _job(cloud_stack, "runpod", FOREVER, wait="started")
    stack.up()
    recorded = _recorded(stack)
    assert recorded["status"] == "running" and recorded["ports"]
    assert recorded["ssh_command"].startswith("ssh root@"), recorded["ssh_command"]
    stack.destroy()
    assert emulator.is_empty()


def test_prime_intellect_refuses_a_job_at_preview(cloud_stack, emulator: Emulator) -> None:
    stack = _job(cloud_stack, "primeintellect", SUCCESS)
    text = stack.preview(expect_failure=True).text()
    assert "primeintellect.Job 'train': Prime Intellect's API cannot run a job" in text
    assert "Traceback" not in text
    assert emulator.is_empty()
