"""Where things are in the checkout, and the engine the checkout builds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = REPO_ROOT / "tests" / "e2e" / "programs"
EXAMPLES = REPO_ROOT / "examples"


def program_source(program: str | Path) -> Path:
    """A program directory: a path, else a name in tests/e2e/programs, else in examples/."""
    source = Path(program)
    if source.is_absolute():
        return source
    return PROGRAMS / program if (PROGRAMS / program).exists() else EXAMPLES / program


def build_engine() -> Path:
    """The directory holding `pulumi`: $PULUMI_GPU_ENGINE_DIR, else engine/build.sh's
    answer (which it then exports, for the stacks this process makes)."""
    given = os.environ.get("PULUMI_GPU_ENGINE_DIR")
    if given:
        return Path(given)
    proc = subprocess.run(
        [str(REPO_ROOT / "engine" / "build.sh")], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"could not provide the Pulumi engine:\n{proc.stderr}")
    os.environ["PULUMI_GPU_ENGINE_DIR"] = proc.stdout.strip()
    return Path(proc.stdout.strip())
