"""A job that fails while ``up`` waits, through the provider plugin: kept in the state as
its failed run (the engine's partial state), not run again by the next ``up``. The real
CLI runs a Pulumi YAML program; the clouds are emulated. (The dynamic providers cannot
keep a failed create's state: there the next ``up`` runs it again, see test_jobs.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.plugin_cli import yaml_stack

pytestmark = pytest.mark.e2e

FAILURE = "echo loading; sleep 60; echo CUDA out of memory; exit 3"
JOBS = {
    "runpod": {
        "type": "pulumi-gpu:runpod:Job",
        "properties": {
            "gpuType": "NVIDIA GeForce RTX 4090",
            "image": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
            "env": {"HF_TOKEN": "${token}"},
        },
    },
    "gpudev": {
        "type": "pulumi-gpu:gpudev:Job",
        "properties": {"gpuType": "a100", "durationHours": 1, "envVars": {"HF_TOKEN": "${token}"}},
    },
}
"""A job per cloud as a Pulumi YAML user declares it; one with a container log (RunPod:
its exit code and last lines are read from it) and one without (GPU Dev)."""
TOKEN = "hf_plugin_job_7d2e4b"


def _program(cloud: str) -> dict[str, Any]:
    job = JOBS[cloud]
    run = {"command": FAILURE, "wait": "finished", "maxDuration": "1h"}
    if cloud == "gpudev":
        run.pop("maxDuration")  # its time box is durationHours
    return {
        "name": "plugin-job",
        "runtime": "yaml",
        "config": {"token": {"type": "string", "secret": True}},
        "resources": {"train": {**job, "properties": {**job["properties"], **run}}},
        "outputs": {"status": "${train.status}"},
    }


def _compute(emulator: Emulator, cloud: str) -> list[str]:
    made = emulator.leftovers()[cloud]
    return made["pods"] if cloud == "runpod" else made["jobs"]


@pytest.mark.parametrize("cloud", sorted(JOBS))
def test_a_failed_job_is_kept_as_its_run_and_not_run_again(
    pulumi_engine: Path,
    emulator: Emulator,
    emulator_server: EmulatorServer,
    tmp_path: Path,
    cloud: str,
) -> None:
    program = _program(cloud)
    pulumi = yaml_stack(
        tmp_path, pulumi_engine, emulator, emulator_server, program, secrets={"token": TOKEN}
    )

    failed = pulumi.run("up", "--yes", "--skip-preview")
    said = failed.stdout + failed.stderr
    assert failed.returncode != 0, said
    assert "exit code 3" in said or "exited with code 3" in said, said
    assert said.count("Traceback") == 0, said
    assert _compute(emulator, cloud) == [], "the failed run's compute is released"

    (record,) = [r for r in pulumi.state().values() if r["type"] == JOBS[cloud]["type"]]
    assert record["id"], "the run is recorded under its cloud id"
    assert record["initErrors"] and "exit" in record["initErrors"][0]
    outputs = record["outputs"]
    assert outputs["status"] == "failed" and outputs["released"] is True
    assert outputs["endedAt"]
    if cloud == "runpod":
        assert outputs["exitCode"] == 3
        assert "ciphertext" in outputs["logTail"], "what a run printed is a secret"
    assert TOKEN not in str(record), "a secret input stays encrypted"
    seen = len(emulator.requests.records)

    pulumi("up", "--yes", "--skip-preview")
    assert _compute(emulator, cloud) == [], "the next up does not run it again"
    asked = [f"{r.method} {r.path}" for r in emulator.requests.records[seen:]]
    assert not [a for a in asked if not a.startswith("GET ")], f"the record is kept as is: {asked}"

    (kept,) = [r for r in pulumi.state().values() if r["type"] == JOBS[cloud]["type"]]
    assert kept["id"] == record["id"] and kept["outputs"]["status"] == "failed"
    assert not kept.get("initErrors"), "the record stands; the failure was reported once"
    assert pulumi.ops() == {}, "and stays as it is"

    pulumi("destroy", "--yes", "--skip-preview")
    assert emulator.is_empty(), emulator.leftovers()
