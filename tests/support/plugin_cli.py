"""The ``pulumi`` CLI itself in a project directory, with the provider plugin on ``PATH``
as ``pip install`` puts it there: how a Pulumi YAML (or any non-Python) user runs us."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

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


def yaml_stack(
    where: Path,
    engine: Path,
    emulator: Emulator,
    server: EmulatorServer,
    program: dict[str, Any],
    settings: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Cli:
    """A Pulumi YAML project of ``program`` in ``where``/project with its stack ``dev``,
    configured for the emulator (and ``settings``, ``secrets``): the CLI in it."""
    project = where / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False))
    pulumi = Cli(project, engine, where / "home")
    emulated, keys = emulator.stack_config(server.url())
    pulumi("stack", "init", "dev")
    pulumi.configure(
        {**emulated, "pulumi-gpu:pollSeconds": "0.2", **(settings or {})},
        {**keys, **(secrets or {})},
    )
    return pulumi
