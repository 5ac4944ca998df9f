"""A user's own test directory, outside the checkout, run by pytest in another process:
the way people use ``pulumi_gpu.testing.fixtures``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

CONFTEST = 'pytest_plugins = ["pulumi_gpu.testing.fixtures"]\n'
USER_FLEET_TEST = '''
FLEET = """
pods:
  trainer:
    cloud: runpod
    gpu_type: NVIDIA GeForce RTX 4090
    image: ubuntu
"""


def test_my_fleet_comes_up(gpu_stack, emulator):
    stack = gpu_stack.fleet(FLEET)
    assert stack.preview().ops() == {"trainer": "create"}
    stack.up()
    assert emulator.leftovers()["runpod"]["pods"]
'''
"""The README's example of a user's test, with its fleet file written in."""
CLEAN_END = ("unraisable", "no running event loop", "Exception ignored", "Traceback")
"""What a clean run of a user's tests never prints."""

# What this run of pytest (or its xdist worker) tells its children, which the user's own
# pytest must not inherit.
_OURS = ("PYTEST_", "PULUMI_GPU_EMULATOR_PORT", "COV_CORE_")


def user_tests(directory: Path, tests: Mapping[str, str]) -> Path:
    """A test directory with the fixtures loaded in its conftest.py and ``tests`` (file
    name -> text) beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "conftest.py").write_text(CONFTEST)
    for name, text in tests.items():
        (directory / name).write_text(text)
    return directory


def run_pytest(
    directory: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m pytest`` in ``directory`` with this interpreter (where pulumi_gpu is
    installed), stdout and stderr together."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env={**clean, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
