"""An emulator served on a real port for the whole module, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=1.0)) as server:
        yield server


@pytest.fixture
def emu(served: EmulatorServer) -> Emulator:
    served.emulator.reset()
    served.emulator.clock.set_speed(1.0)
    return served.emulator
