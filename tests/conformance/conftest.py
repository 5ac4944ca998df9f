"""Fixtures of the conformance suite: its own (restartable) emulator, fleets through each
front door, the tallies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing import ProgramStack
from tests.conformance.harness import DOORS, Door, Fleet
from tests.conformance.subjects import Subject, subjects

SPEED = 60.0


def new_emulator() -> Emulator:
    emulator = Emulator(speed=SPEED)
    emulator.primeintellect.set_capacity(20, gpu_type="A6000_48GB")
    # A Celium Job's pod is rented once its template verifies: soon enough that the
    # faults that kill a run at speed 1 find it while the other objects still boot.
    emulator.celium.timings.verify_start = 1.0
    emulator.celium.timings.verify = 4.0
    return emulator


@pytest.fixture(scope="module")
def conformance_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(new_emulator()) as server:
        yield server


@pytest.fixture(params=DOORS, ids=lambda door: door.name)
def door(request: pytest.FixtureRequest) -> Door:
    """Each fault is taken through each front door."""
    door: Door = request.param
    return door


@pytest.fixture
def fleet(
    conformance_server: EmulatorServer,
    program_stack: Callable[..., ProgramStack],
    tmp_path: Path,
    door: Door,
) -> Callable[..., Fleet]:
    """Factory: fleet(fault, only=...) -> a Fleet of every subject the door takes, on a
    fresh emulator."""

    def make(fault: str, *, only: Callable[[Subject], bool] = lambda _: True) -> Fleet:
        conformance_server.restart(new_emulator())
        taken = [s for s in subjects() if door.kinds is None or s.kind.title in door.kinds]
        chosen = [s for s in taken if only(s)]
        for subject in taken:
            if subject not in chosen:
                door.tally.not_applicable.setdefault((fault, subject.kind.title), "n/a")
        return Fleet(program_stack, conformance_server, chosen, fault, work=tmp_path, door=door)

    return make
