"""Pulumi YAML through the provider plugin: the real CLI in a plain copy of
``examples/yaml-fleet`` (no Automation API, no Python program), the plugin found on
``PATH`` as ``pip install`` puts it there, the clouds emulated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pulumi_gpu import __version__
from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.plugin_cli import PLUGIN, RUNPOD_OWNER, Cli, emulated_stack, plugin_dir

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "yaml-fleet"


def test_a_yaml_fleet_on_four_clouds_through_the_plugin(
    pulumi_engine: Path, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    project = tmp_path / "yaml-fleet"
    shutil.copytree(EXAMPLE, project)
    pulumi = emulated_stack(project, pulumi_engine, emulator, emulator_server)
    _, secrets = emulator.stack_config(emulator_server.url())

    planned = pulumi.ops()
    assert planned == {
        name: "create" for name in ("vllm", "trainer", "notebook", "h100", "dev")
    } | {"yaml-fleet-dev": "create"}
    assert emulator.is_empty(), "a preview creates nothing"

    pulumi("up", "--yes", "--skip-preview")
    made = emulator.leftovers()
    assert len(made["celium"]["templates"]) == len(made["celium"]["pods"]) == 1
    (runpod_pod,) = made["runpod"]["pods"]
    assert len(made["primeintellect"]["pods"]) == len(made["gpudev"]["jobs"]) == 1
    pod = emulator.runpod.get_pod(RUNPOD_OWNER, runpod_pod)
    assert pod["env"]["HF_HOME"] == "/workspace/hf", "a user map's keys are never renamed"
    outputs = json.loads(pulumi("stack", "output", "--json"))
    assert set(outputs) == {"celiumSsh", "runpodSsh", "primeintellectSsh", "gpudevSsh"}
    for cloud in ("celium", "runpod", "primeintellect"):
        assert outputs[f"{cloud}Ssh"].startswith("ssh root@127.0.0.1 -p "), outputs
    assert outputs["gpudevSsh"], outputs

    state = pulumi.state()
    notebook = state["notebook"]
    assert notebook["id"] == runpod_pod and notebook["type"] == "pulumi-gpu:runpod:Pod"
    assert notebook["outputs"]["cloudStatus"] == "RUNNING"
    assert "ciphertext" in notebook["inputs"]["env"] and "ciphertext" in notebook["outputs"]["env"]
    (provider,) = [r for r in state.values() if r["type"] == "pulumi:providers:pulumi-gpu"]
    assert "ciphertext" in provider["inputs"]["runpodApiKey"]
    exported = json.dumps(state)
    for secret in secrets.values():
        assert secret not in exported, "a credential in plain text in the state"
    assert "/workspace/hf" not in exported, "env is a secret"

    assert pulumi.ops() == {}, "no change, no step"
    pulumi("config", "set", "desiredStatus", "stopped")
    assert pulumi.ops() == {"notebook": "update"}, "a stop is an update in place"
    said = pulumi("up", "--yes", "--skip-preview")
    assert "runpod Pod yaml-fleet-dev-notebook-" in said, "the wait's lines, in the engine's log"
    assert emulator.runpod.get_pod(RUNPOD_OWNER, runpod_pod)["status"] == "EXITED"
    assert emulator.leftovers()["runpod"]["pods"] == [runpod_pod], "the same pod, stopped"
    assert pulumi.state()["notebook"]["outputs"]["status"] == "stopped"
    pulumi("refresh", "--yes", "--skip-preview")
    assert pulumi.ops() == {}, "a refresh reads every object as it is: no drift"

    pulumi("destroy", "--yes", "--skip-preview")
    assert emulator.is_empty(), emulator.leftovers()


def test_pulumi_package_get_schema_reads_the_plugins_schema(
    pulumi_engine: Path, tmp_path: Path
) -> None:
    """What every language's tooling reads (SDK generation, YAML's type checks) is the
    checked-in schema, with the plugin's version."""
    project = tmp_path / "empty"
    project.mkdir()
    pulumi = Cli(project, pulumi_engine, tmp_path / "home")
    served = json.loads(pulumi("package", "get-schema", str(Path(plugin_dir()) / PLUGIN)))
    checked_in = json.loads((EXAMPLE.parents[1] / "schema" / "pulumi-gpu.schema.json").read_text())
    assert served == {**checked_in, "version": __version__}
