"""Lookups as invokes: a Pulumi YAML program (``programs/yaml-invokes``) run by the real
CLI, with the provider plugin on ``PATH``, picks the cheapest offer with ``fn::invoke``
of ``pulumi-gpu:index:getOffers`` and rents it with a placed pod; a bad argument is
refused by name at preview."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.plugin_cli import emulated_stack

pytestmark = pytest.mark.e2e

PROGRAM = Path(__file__).parent / "programs" / "yaml-invokes"


def test_a_yaml_program_rents_the_cheapest_offer_an_invoke_found(
    pulumi_engine: Path, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    project = tmp_path / "yaml-invokes"
    shutil.copytree(PROGRAM, project)
    pulumi = emulated_stack(project, pulumi_engine, emulator, emulator_server)

    pulumi("up", "--yes", "--skip-preview")
    outputs = json.loads(pulumi("stack", "output", "--json"))
    cheapest = outputs["cheapest"]
    assert cheapest["cloud"] == "runpod" and cheapest["model"] == "RTX 4090", cheapest
    assert {"cloudGpu", "gpuCount", "pricePerHour", "stock"} <= set(cheapest), "camelCase"
    assert outputs["cloud"] == "runpod"
    assert outputs["pricePerHour"] == cheapest["pricePerHour"], "the offer the invoke found"
    assert len(emulator.leftovers()["runpod"]["pods"]) == 1

    pulumi("config", "set", "--type", "int", "count", "0")
    refused = pulumi.run("preview")
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0, said
    assert "getOffers invoke failed: Input should be greater than or equal to 1 (count)" in said
    assert "Traceback" not in said, said

    pulumi("destroy", "--yes", "--skip-preview")
    assert emulator.is_empty(), emulator.leftovers()
