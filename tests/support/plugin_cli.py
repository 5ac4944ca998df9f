"""The ``pulumi`` CLI itself in a project directory, with the provider plugin on ``PATH``
as ``pip install`` puts it there: how a Pulumi YAML (or any non-Python) user runs us."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pulumi_gpu import __version__
from pulumi_gpu.emulator import Emulator, EmulatorServer

PLUGIN = "pulumi-resource-pulumi-gpu"
RUNPOD_OWNER = "user_1"
"""The account of the emulator's RunPod key."""


def plugin_dir() -> str:
    """Where the wheel's console scripts are: beside this Python, or found on PATH."""
    beside = Path(sys.executable).parent
    if (beside / PLUGIN).exists():
        return str(beside)
    found = shutil.which(PLUGIN)
    assert found, f"{PLUGIN} is not installed (pip install -e .)"
    return str(Path(found).parent)


class Cli:
    """The ``pulumi`` CLI in one project directory, on a backend of its own (``home``),
    finding the plugin and the engine (``engine``) on ``PATH`` and nothing else."""

    def __init__(self, project: Path, engine: Path, home: Path) -> None:
        self.project = project
        self.env = {
            "PATH": os.pathsep.join([plugin_dir(), str(engine), "/usr/bin", "/bin"]),
            "HOME": str(home),
            "PULUMI_HOME": str(home / ".pulumi"),
            "PULUMI_BACKEND_URL": f"file://{home / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": "plugin-cli",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        }
        (home / "state").mkdir(parents=True)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``pulumi <args>``, whatever its exit code."""
        return subprocess.run(
            ["pulumi", *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    def __call__(self, *args: str) -> str:
        """``pulumi <args>``'s output; it must succeed without an error line."""
        done = self.run(*args)
        said = f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        assert done.returncode == 0, said
        assert "error" not in done.stderr.lower(), said
        return done.stdout

    def configure(self, settings: dict[str, str], secrets: dict[str, str]) -> None:
        """``pulumi config set-all``: ``settings`` in plain text, ``secrets`` encrypted."""
        self(
            "config",
            "set-all",
            *(f"--plaintext={k}={v}" for k, v in settings.items()),
            *(f"--secret={k}={v}" for k, v in secrets.items()),
        )

    def ops(self, *args: str) -> dict[str, str]:
        """Resource name -> the step ``pulumi preview`` plans for it (changes only)."""
        steps = json.loads(self("preview", "--json", *args))["steps"]
        return {s["urn"].rsplit("::", 1)[1]: s["op"] for s in steps if s["op"] != "same"}

    def state(self) -> dict[str, dict[str, Any]]:
        """Resource name -> its state (``pulumi stack export``, secrets encrypted)."""
        deployment = json.loads(self("stack", "export"))["deployment"]
        return {r["urn"].rsplit("::", 1)[1]: r for r in deployment["resources"]}


def emulated_stack(
    project: Path,
    engine: Path,
    emulator: Emulator,
    server: EmulatorServer,
    settings: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Cli:
    """The CLI in ``project`` (its backend beside it, in ``home``) with the stack ``dev``
    configured for the emulator (and ``settings``, ``secrets``)."""
    pulumi = Cli(project, engine, project.parent / "home")
    emulated, keys = emulator.stack_config(server.url())
    pulumi("stack", "init", "dev")
    pulumi.configure(
        {**emulated, "pulumi-gpu:pollSeconds": "0.2", **(settings or {})},
        {**keys, **(secrets or {})},
    )
    return pulumi


def yaml_stack(
    where: Path,
    engine: Path,
    emulator: Emulator,
    server: EmulatorServer,
    program: dict[str, Any],
    settings: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Cli:
    """A Pulumi YAML project of ``program`` in ``where``/project, its stack configured
    for the emulator (see :func:`emulated_stack`): the CLI in it."""
    project = where / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    return emulated_stack(project, engine, emulator, server, settings, secrets)


def _fleet_up(pulumi: Cli, emulator: Emulator, project: str, said: str) -> str:
    """After ``up`` of the examples' four-cloud fleet (in YAML, TypeScript or Go): one
    object of each on the emulator, the RunPod pod named and marked as the plugin does,
    the provider at the plugin's version, and the stack's outputs as the program printed
    them (``said``). Returns the RunPod pod's id."""
    made = emulator.leftovers()
    assert len(made["celium"]["templates"]) == len(made["celium"]["pods"]) == 1
    (runpod_pod,) = made["runpod"]["pods"]
    assert len(made["primeintellect"]["pods"]) == len(made["gpudev"]["jobs"]) == 1
    state = pulumi.state()
    notebook = state["notebook"]
    assert notebook["id"] == runpod_pod and notebook["type"] == "pulumi-gpu:runpod:Pod"
    pod = emulator.runpod.get_pod(RUNPOD_OWNER, runpod_pod)
    assert pod["name"].startswith(f"{project}-dev-notebook-"), pod["name"]
    assert pod["env"]["PULUMI_GPU_OWNER"] == notebook["outputs"]["owner"], "marked as its own"
    assert pod["env"]["HF_HOME"] == "/workspace/hf", "a user map's keys are never renamed"
    (provider,) = [r for r in state.values() if r["type"] == "pulumi:providers:pulumi-gpu"]
    assert provider["inputs"]["version"] == __version__, "the SDK asks for the plugin's version"
    outputs = json.loads(pulumi("stack", "output", "--json"))
    assert set(outputs) == {"celiumSsh", "runpodSsh", "primeintellectSsh", "gpudevSsh"}
    for cloud in ("celium", "runpod", "primeintellect"):
        assert outputs[f"{cloud}Ssh"].startswith("ssh root@127.0.0.1 -p "), outputs
    assert outputs["gpudevSsh"], outputs
    for name, value in outputs.items():
        assert f"{name}: {value}\n" in said, "the program prints the outputs"
    return str(runpod_pod)


def fleet_lifecycle(
    pulumi: Cli, emulator: Emulator, project: str, run: Callable[[str], str]
) -> None:
    """The examples' four-cloud fleet through a program of another language, ``run``
    (``preview``, ``up`` or ``destroy``: its output): a preview that makes nothing, an up
    (see :func:`_fleet_up`), the RunPod pod stopped in place, a destroy that leaves
    nothing."""
    assert "+ 6 to create" in run("preview")
    assert emulator.is_empty(), "a preview creates nothing"
    runpod_pod = _fleet_up(pulumi, emulator, project, run("up"))
    pulumi("config", "set", "desiredStatus", "stopped")
    run("up")
    assert emulator.runpod.get_pod(RUNPOD_OWNER, runpod_pod)["status"] == "EXITED"
    assert emulator.leftovers()["runpod"]["pods"] == [runpod_pod], "the same pod, stopped"
    run("destroy")
    assert emulator.is_empty(), emulator.leftovers()
