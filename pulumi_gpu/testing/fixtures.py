"""pytest fixtures: the emulated clouds, and throw-away stacks wired to them.

Load them in a ``conftest.py`` with ``pytest_plugins = ["pulumi_gpu.testing.fixtures"]``.

- ``emulator_server``: the emulator on 127.0.0.1, one per session (or xdist worker);
- ``emulator``: that emulator, reset to its seeded state before and after each test;
- ``gpu_stack``: a :class:`StackFactory`: ``gpu_stack(program_dir)`` or
  ``gpu_stack.fleet(text)`` give a :class:`ProgramStack` whose credentials and endpoints
  point at the emulator; whatever a stack still holds is destroyed after the test.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing.stack import ProgramStack, write_fleet_program

EMULATOR_SPEED = 60.0
"""Emulated seconds per real second: a 3-minute verification takes 3 s."""
POLL_SECONDS = "0.2"
"""The providers' longest poll interval in these stacks (real seconds)."""


class StackFactory:
    """Makes stacks of program directories in a test's scratch directory."""

    def __init__(self, server: EmulatorServer, work: Path, python_path: Sequence[Path]) -> None:
        self._server = server
        self._work = work
        self._python_path = python_path
        self.made: list[ProgramStack] = []

    def __call__(
        self,
        program_dir: Path,
        *,
        wired: bool = True,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> ProgramStack:
        """A stack of ``program_dir``; ``wired``: with every cloud's endpoint and
        credentials set to the emulator's (explicit ``config``/``secrets`` win)."""
        settings, keys = (
            self._server.emulator.stack_config(self._server.url()) if wired else ({}, {})
        )
        stack = ProgramStack(
            program_dir,
            self._work / f"stack{len(self.made)}",
            config={**settings, **(config or {})},
            secrets={**keys, **(secrets or {})},
            env={"PULUMI_GPU_POLL_SECONDS": POLL_SECONDS, **(env or {})},
            python_path=self._python_path,
            **kwargs,
        )
        self.made.append(stack)
        return stack

    def fleet(self, fleet_text: str, **kwargs: Any) -> ProgramStack:
        """A stack of the fleet program with ``fleet_text`` as its fleet file."""
        stack = self(write_fleet_program(self._work / f"fleet{len(self.made)}"), **kwargs)
        stack.write_file("fleet.yaml", fleet_text)
        return stack

    def destroy_leftovers(self) -> None:
        for stack in self.made:
            if stack.resources():
                stack.destroy()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=EMULATOR_SPEED)) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    emulator = emulator_server.emulator
    emulator.reset()
    emulator.clock.set_speed(EMULATOR_SPEED)
    yield emulator
    emulator.reset()


@pytest.fixture
def gpu_stack(
    emulator: Emulator,
    emulator_server: EmulatorServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[StackFactory]:
    """Stacks wired to the emulator. The provider process also finds the modules of the
    test's root directory (a provider class defined there is loaded by name)."""
    factory = StackFactory(emulator_server, tmp_path, [request.config.rootpath])
    yield factory
    factory.destroy_leftovers()
