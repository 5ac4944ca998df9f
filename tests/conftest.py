"""Shared fixtures: the Pulumi engine and throw-away stacks of program directories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import ProgramStack, engine_dir

PROGRAMS = Path(__file__).parent / "e2e" / "programs"


@pytest.fixture(scope="session")
def pulumi_engine() -> Path:
    """The engine directory; building it may take minutes the first time. Never skipped."""
    return engine_dir()


@pytest.fixture
def program_stack(
    pulumi_engine: Path, tmp_path: Path
) -> Iterator[Callable[..., ProgramStack]]:
    """Factory: program_stack("smoke", config={...}) -> ProgramStack on a fresh backend.

    Stacks left with resources are destroyed at teardown, so one failing test does not
    leave state (or emulator objects) for the next.
    """
    made: list[ProgramStack] = []

    def make(program: str | Path, **kwargs: Any) -> ProgramStack:
        source = Path(program) if Path(program).is_absolute() else PROGRAMS / program
        stack = ProgramStack(source, tmp_path / f"stack{len(made)}", **kwargs)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        if stack.resources():
            stack.destroy(expect_failure=False)
