"""TypeScript through the generated SDK: ``make sdk-nodejs`` (``pulumi package gen-sdk``
from the plugin), then ``examples/typescript-fleet`` with its locked npm dependencies,
compiled, and run by its own ``run.ts`` (the Automation API hosts the program; the real
CLI and the plugin found on ``PATH`` do the rest), the clouds emulated.

The npm dependencies, the SDK's copy among them, are installed once per set of inputs
(the example's npm files, the schema, the plugin's version, the generator) into a cache
outside the clone, so a second run neither generates nor installs anything."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from pulumi_gpu import __version__
from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.paths import EXAMPLES, REPO_ROOT
from tests.support.plugin_cli import emulated_stack, fleet_lifecycle

pytestmark = pytest.mark.e2e

EXAMPLE = EXAMPLES / "typescript-fleet"
NPM_FILES = ("package.json", "package-lock.json", ".npmrc")
SOURCES = ("Pulumi.yaml", "tsconfig.json", "fleet.ts", "run.ts")
SDK_INPUTS = (
    "schema/pulumi-gpu.schema.json",
    "Makefile",
    "engine/build.sh",
    "engine/go.mod",
    "engine/go.sum",
    "engine/sdkgen/main.go",
)
"""What the SDK is made from, besides the plugin's version."""
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-gpu" / "node"
KEPT = 3
"""Installs kept in the cache (one per set of inputs; each about 150 MB)."""
PROJECT = "typescript-fleet"


def _inputs_key() -> str:
    digest = hashlib.sha256(__version__.encode())
    for name in (*SDK_INPUTS, *(f"examples/{PROJECT}/{n}" for n in NPM_FILES)):
        digest.update(name.encode() + b"\0" + (REPO_ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def _node_modules() -> Path:
    """The example's ``node_modules`` for these inputs: from the cache, or made there by
    ``make sdk-nodejs`` and ``npm ci``."""
    installed = CACHE / _inputs_key()
    if (installed / "node_modules").is_dir():
        return installed / "node_modules"
    made = subprocess.run(
        ["make", "--no-print-directory", "sdk-nodejs"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, f"make sdk-nodejs:\n{made.stdout}\n{made.stderr}"
    # npm ci where the lock's `file:../../sdk/nodejs/bin` finds the SDK
    partial = CACHE / f"partial-{uuid.uuid4().hex}"
    project = partial / "examples" / PROJECT
    project.mkdir(parents=True)
    (partial / "sdk" / "nodejs").mkdir(parents=True)
    (partial / "sdk" / "nodejs" / "bin").symlink_to(REPO_ROOT / "sdk" / "nodejs" / "bin")
    for name in NPM_FILES:
        shutil.copy(EXAMPLE / name, project)
    command = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"npm ci:\n{done.stdout}\n{done.stderr}"
        installed.mkdir(parents=True)
        (project / "node_modules").rename(installed / "node_modules")
    except FileExistsError:
        pass  # a concurrent run installed the same
    finally:
        shutil.rmtree(partial)
    for stale in sorted(CACHE.iterdir(), key=lambda p: p.stat().st_mtime)[:-KEPT]:
        shutil.rmtree(stale, ignore_errors=True)
    return installed / "node_modules"


def _compiled_example(work: Path) -> Path:
    """A plain copy of the example, its dependencies linked from the cache, compiled."""
    project = work / PROJECT
    project.mkdir()
    for name in (*NPM_FILES, *SOURCES):
        shutil.copy(EXAMPLE / name, project)
    (project / "node_modules").symlink_to(_node_modules())
    done = subprocess.run(
        ["node", "node_modules/typescript/bin/tsc"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"tsc:\n{done.stdout}\n{done.stderr}"
    return project


def test_a_typescript_fleet_on_four_clouds_through_the_generated_sdk(
    pulumi_engine: Path, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    project = _compiled_example(tmp_path)
    pulumi = emulated_stack(project, pulumi_engine, emulator, emulator_server)

    def run(command: str) -> str:
        done = subprocess.run(
            ["node", "bin/run.js", command],
            cwd=project,
            env=pulumi.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        said = f"node bin/run.js {command}:\n{done.stdout}\n{done.stderr}"
        assert done.returncode == 0, said
        assert "error" not in done.stdout.lower() + done.stderr.lower(), said
        return done.stdout

    fleet_lifecycle(pulumi, emulator, PROJECT, run)
