"""The ``pulumi`` CLI, for the commands that read a stack (``pulumi-gpu logs``, ``sweep``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_gpu.core.errors import GpuCloudError

SECRET_SIG = "4dabf18193072939515e22adb298388d"
"""The key that marks a secret value in an exported state; ``stack export --show-secrets``
gives it a ``plaintext`` (JSON text) beside."""


def pulumi_json(
    args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Any:
    """What ``pulumi <args>`` prints, read as JSON; a failure raises GpuCloudError with
    the CLI's own words."""
    pulumi = shutil.which("pulumi", path=(env or {}).get("PATH"))
    if pulumi is None:
        raise GpuCloudError("the pulumi CLI is not on PATH (pulumi-gpu reads stacks with it)")
    done = subprocess.run(
        [pulumi, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise GpuCloudError(f"`pulumi {' '.join(args)}` failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def revealed(value: Any) -> Any:
    """``value`` with every secret of ``stack export --show-secrets`` as its value."""
    if isinstance(value, dict):
        if SECRET_SIG in value and "plaintext" in value:
            return revealed(json.loads(value["plaintext"]))
        return {k: revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revealed(v) for v in value]
    return value
