"""Shared fixtures: the Pulumi engine, the cloud emulator, throw-away stacks.

The emulator and stack fixtures are the product's own (``pulumi_gpu.testing.fixtures``,
the ones users load); here they learn where this repository keeps its programs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pulumi_gpu.testing import ProgramStack
from tests.badinputs.harness import TALLY as BAD_INPUTS
from tests.badinputs.harness import THRESHOLD as BAD_INPUTS_THRESHOLD
from tests.conformance.harness import DOORS
from tests.docs.blocks import TALLY as DOCS
from tests.identity.harness import TALLY as IDENTITY
from tests.support.paths import build_engine, program_source

if TYPE_CHECKING:  # at run time pytest imports it first, as a plugin (assertions rewritten)
    from pulumi_gpu.testing.fixtures import StackFactory

pytest_plugins = ["pulumi_gpu.testing.fixtures", "tests.upgrade.plugin"]


@pytest.fixture(scope="session")
def pulumi_engine() -> Path:
    """The engine directory; building it may take minutes the first time. Never skipped."""
    return build_engine()


@pytest.fixture
def gpu_stack(pulumi_engine: Path, gpu_stack: StackFactory) -> StackFactory:
    """The product's factory, once this checkout's engine is built."""
    return gpu_stack


@pytest.fixture
def program_stack(gpu_stack: StackFactory) -> Callable[..., ProgramStack]:
    """Factory: program_stack("smoke", config={...}) -> ProgramStack on a fresh backend,
    not wired to the emulator. Stacks left with resources are destroyed at teardown."""

    def make(program: str | Path, **kwargs: Any) -> ProgramStack:
        return gpu_stack(program_source(program), wired=False, **kwargs)

    return make


# -- the conformance (one per front door), identity and docs tallies, summed over
# pytest-xdist workers ----------------------------------------------------------------

TALLIES: dict[str, Any] = {
    **{door.tally.label: door.tally for door in DOORS},
    "identity": IDENTITY,
    "docs": DOCS,
    "bad_inputs": BAD_INPUTS,
}
"""What a worker reports under each name, and the session prints a line of."""


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        for name, tally in TALLIES.items():
            worker_output[name] = tally.rows()
    elif BAD_INPUTS.runs and BAD_INPUTS.rate() < BAD_INPUTS_THRESHOLD:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # the corpus as a whole


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    for name, tally in TALLIES.items():
        tally.add_rows(getattr(node, "workeroutput", {}).get(name, []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for tally in TALLIES.values():
        if tally.runs:
            terminalreporter.write_line(tally.line())
