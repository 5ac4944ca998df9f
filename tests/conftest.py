"""Shared fixtures: the Pulumi engine, the cloud emulator, throw-away stacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.conformance.harness import TALLY
from tests.support.stack import ProgramStack, engine_dir

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = Path(__file__).parent / "e2e" / "programs"
EXAMPLES = ROOT / "examples"

EMULATOR_SPEED = 60.0
"""Simulated seconds per real second in tests: a 3-minute verification takes 3 s."""


@pytest.fixture(scope="session")
def pulumi_engine() -> Path:
    """The engine directory; building it may take minutes the first time. Never skipped."""
    return engine_dir()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=EMULATOR_SPEED)) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[Emulator]:
    """The emulator, reset to its seeded state for each test."""
    emulator = emulator_server.emulator
    emulator.reset()
    emulator.clock.set_speed(EMULATOR_SPEED)
    yield emulator
    emulator.reset()


@pytest.fixture
def program_stack(pulumi_engine: Path, tmp_path: Path) -> Iterator[Callable[..., ProgramStack]]:
    """Factory: program_stack("smoke", config={...}) -> ProgramStack on a fresh backend.

    A name is looked up in tests/e2e/programs, then in examples/. Stacks left with
    resources are destroyed at teardown, so one failing test does not leave state (or
    emulator objects) for the next.
    """
    made: list[ProgramStack] = []

    def make(program: str | Path, **kwargs: Any) -> ProgramStack:
        source = Path(program)
        if not source.is_absolute():
            source = PROGRAMS / program if (PROGRAMS / program).exists() else EXAMPLES / program
        stack = ProgramStack(source, tmp_path / f"stack{len(made)}", **kwargs)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        if stack.resources():
            stack.destroy(expect_failure=False)


# -- the conformance tally, summed over pytest-xdist workers -------------------------


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output["conformance"] = TALLY.rows()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    TALLY.add_rows(getattr(node, "workeroutput", {}).get("conformance", []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.runs:
        terminalreporter.write_line(TALLY.line())
