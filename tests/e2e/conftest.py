"""Fixtures for end-to-end tests: stacks wired to every cloud of the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.stack import ProgramStack

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
