"""Go through the generated SDK: ``make sdk-go`` (``pulumi package gen-sdk`` from the
plugin, then the SDK's module built and vetted), then ``examples/go-fleet`` built against
it (its ``replace`` points at ``sdk/go``) and run by its own ``main.go`` (the Automation
API hosts the program; the real CLI and the plugin found on ``PATH`` do the rest), the
clouds emulated.

A rerun generates again when the SDK's inputs changed (make's own dates) and builds
again; Go's module and build caches, outside the clone, make both fast (``-trimpath``
keeps the clone's directory out of the build cache's keys, so a fresh clone hits it too)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.paths import EXAMPLES, REPO_ROOT
from tests.support.plugin_cli import emulated_stack, fleet_lifecycle

pytestmark = pytest.mark.e2e

EXAMPLE = EXAMPLES / "go-fleet"
PROJECT = "go-fleet"


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600
    )
    said = f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, said
    return done.stdout


def _built_example(work: Path) -> Path:
    """The example's program, built against the SDK ``make sdk-go`` generates."""
    _run(["make", "--no-print-directory", "sdk-go"], REPO_ROOT)
    program = work / PROJECT
    _run(["go", "vet", "."], EXAMPLE)
    _run(["go", "build", "-trimpath", "-o", str(program), "."], EXAMPLE)
    return program


def test_a_go_fleet_on_four_clouds_through_the_generated_sdk(
    pulumi_engine: Path, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    program = _built_example(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(EXAMPLE / "Pulumi.yaml", project)
    pulumi = emulated_stack(project, pulumi_engine, emulator, emulator_server)

    def run(command: str) -> str:
        said = _run([str(program), command], project, pulumi.env)
        assert "error" not in said.lower(), said
        return said

    fleet_lifecycle(pulumi, emulator, PROJECT, run)
