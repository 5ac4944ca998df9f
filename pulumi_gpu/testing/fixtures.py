"""pytest fixtures: the emulated clouds, and throw-away stacks wired to them.

Load them in a ``conftest.py`` with ``pytest_plugins = ["pulumi_gpu.testing.fixtures"]``.

- ``emulator_server``: the emulator on 127.0.0.1, one per session (or xdist worker), on
  a free port unless one is chosen (:func:`emulator_port`);
- ``emulator``: that emulator, reset to its seeded state before and after each test;
- ``gpu_stack``: a :class:`StackFactory`: ``gpu_stack(program_dir)`` or
  ``gpu_stack.fleet(text)`` give a :class:`ProgramStack` whose credentials and endpoints
  point at the emulator; whatever a stack still holds is destroyed after the test.
"""

from __future__ import annotations

import os
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


PORT_OPTION = "--emulator-port"
PORT_INI = "emulator_port"
PORT_ENV = "PULUMI_GPU_EMULATOR_PORT"


def pytest_addoption(parser: pytest.Parser) -> None:
    described = (
        "the port of the emulator the gpu_stack fixtures serve on 127.0.0.1 (default: a "
        f"free one; ${PORT_ENV} also sets it); pytest-xdist worker gwN takes port + N"
    )
    parser.addoption(PORT_OPTION, type=int, default=None, metavar="PORT", help=described)
    parser.addini(PORT_INI, help=described, default="")


def pytest_configure(config: pytest.Config) -> None:
    emulator_port(config)  # a port that is not one stops the run before any test


def emulator_port(config: pytest.Config) -> int:
    """The port ``emulator_server`` serves on: ``--emulator-port``, else
    ``$PULUMI_GPU_EMULATOR_PORT``, else the ``emulator_port`` ini option, else 0 (a free
    port). Under pytest-xdist, worker ``gwN`` serves on the chosen port + N, since each
    worker runs an emulator of its own."""
    chosen: object = config.getoption(PORT_OPTION, default=None)
    where = PORT_OPTION
    if chosen is None and os.environ.get(PORT_ENV):
        chosen, where = os.environ[PORT_ENV], f"${PORT_ENV}"
    if chosen is None:
        try:
            chosen, where = config.getini(PORT_INI) or None, f"the ini option {PORT_INI}"
        except ValueError:  # the plugin was loaded too late to declare its options
            chosen = None
    if chosen is None:
        return 0
    text = str(chosen).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise pytest.UsageError(f"{where}: {chosen!r} is not a port (1 to 65535)")
    port = int(text)
    worker = str(getattr(config, "workerinput", {}).get("workerid", ""))
    if worker.startswith("gw") and worker[2:].isdigit():
        port += int(worker[2:])
    return port


@pytest.fixture(scope="session")
def emulator_server(pytestconfig: pytest.Config) -> Iterator[EmulatorServer]:
    """The emulator on 127.0.0.1, on the port :func:`emulator_port` says."""
    port = emulator_port(pytestconfig)
    try:
        server = EmulatorServer(Emulator(speed=EMULATOR_SPEED), port=port).start()
    except OSError as exc:
        pytest.fail(
            f"the emulator cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); "
            f"choose another port with {PORT_OPTION} or ${PORT_ENV}",
            pytrace=False,
        )
    try:
        yield server
    finally:
        server.stop()


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
