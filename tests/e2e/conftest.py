"""Fixtures for end-to-end tests: stacks wired to every cloud of the emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing import ProgramStack
from pulumi_gpu.testing.fixtures import StackFactory
from tests.support.by_hand import ByHand
from tests.support.paths import program_source

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 e2e"
CELIUM_KEY = "celium-emulator-key"


@pytest.fixture
def cloud_stack(gpu_stack: StackFactory) -> Callable[..., ProgramStack]:
    """Factory for a stack whose endpoints and keys point at the emulator (every cloud)."""

    def make(program: str | Path, **kwargs: Any) -> ProgramStack:
        return gpu_stack(program_source(program), **kwargs)

    return make


@pytest.fixture
def fleet_stack(gpu_stack: StackFactory) -> Callable[[str], ProgramStack]:
    """Factory for a stack of the fleet program (the product's), with ``text`` as its file."""

    def make(text: str) -> ProgramStack:
        secrets = {"hfToken": "hf_e2e_secret_token", "jupyterPassword": "jupyter-e2e-pass"}
        return gpu_stack.fleet(text, secrets=secrets)

    return make


@pytest.fixture
def by_hand(emulator: Emulator, emulator_server: EmulatorServer) -> ByHand:
    """The emulator's cloud APIs, to make objects outside Pulumi."""
    return ByHand(emulator, emulator_server)
