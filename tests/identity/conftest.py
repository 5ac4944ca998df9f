"""Fixtures of the identity suite: a restartable emulator of its own, and fleets of every
kind on it (the conformance suite's, judged by this suite's tally)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pulumi_gpu.emulator import EmulatorServer
from pulumi_gpu.testing import ProgramStack
from tests.conformance.conftest import new_emulator
from tests.conformance.harness import Fleet, Tally
from tests.conformance.subjects import Subject, subjects

LASTING = {"gpudev-job": {"duration_hours": 24}}
"""A GPU Dev reservation that outlasts a situation (one hour is a minute here)."""


@pytest.fixture(scope="module")
def identity_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(new_emulator()) as server:
        yield server


@pytest.fixture
def fresh_server(identity_server: EmulatorServer) -> EmulatorServer:
    """The suite's server with clouds that hold nothing yet."""
    identity_server.restart(new_emulator())
    return identity_server


@pytest.fixture
def fleet(
    fresh_server: EmulatorServer,
    program_stack: Callable[..., ProgramStack],
    tmp_path: Path,
) -> Callable[..., Fleet]:
    """Factory: fleet(situation, only=...) -> a Fleet of the chosen subjects, each call a
    stack of the same project and stack name on a backend of its own."""
    made: list[Fleet] = []

    def make(situation: str, *, only: Callable[[Subject], bool] = lambda _: True) -> Fleet:
        chosen = [s for s in subjects() if only(s)]
        work = tmp_path / f"fleet{len(made)}"
        template = made[0].template if made else None  # one base template for all
        run = Fleet(program_stack, fresh_server, chosen, situation, work=work, template=template)
        run.base = LASTING
        run.tally = Tally()  # this suite counts with its own (see harness)
        run.stack.write_file("fleet.yaml", run.fleet_file())
        made.append(run)
        return run

    return make
