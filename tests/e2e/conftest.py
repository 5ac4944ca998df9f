"""Fixtures for end-to-end tests: stacks wired to every cloud of the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.by_hand import ByHand
from tests.support.stack import REPO_ROOT, ProgramStack

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 e2e"
CELIUM_KEY = "celium-emulator-key"
POLL_SECONDS = "0.2"


@pytest.fixture
def cloud_stack(
    program_stack: Callable[..., ProgramStack],
    emulator: Emulator,
    emulator_server: EmulatorServer,
) -> Callable[..., ProgramStack]:
    """Factory for a stack whose endpoints and keys point at the emulator (every cloud)."""

    def make(program: str, *, config: dict[str, str] | None = None, **kwargs: Any) -> ProgramStack:
        settings, secrets = emulator.stack_config(emulator_server.url())
        env = {"PULUMI_GPU_POLL_SECONDS": POLL_SECONDS, **kwargs.pop("env", {})}
        return program_stack(
            program,
            config={**settings, **(config or {})},
            secrets={**secrets, **kwargs.pop("secrets", {})},
            env=env,
            **kwargs,
        )

    return make


@pytest.fixture
def fleet_stack(cloud_stack: Callable[..., ProgramStack]) -> Callable[[str], ProgramStack]:
    """Factory for a stack of the repository's fleet program, with ``text`` as its file."""

    def make(text: str) -> ProgramStack:
        stack = cloud_stack(
            REPO_ROOT,
            only=["Pulumi.yaml", "__main__.py"],
            secrets={"hfToken": "hf_e2e_secret_token", "jupyterPassword": "jupyter-e2e-pass"},
        )
        stack.write_file("fleet.yaml", text)
        return stack

    return make


@pytest.fixture
def by_hand(emulator: Emulator, emulator_server: EmulatorServer) -> ByHand:
    """The emulator's cloud APIs, to make objects outside Pulumi."""
    return ByHand(emulator, emulator_server)
