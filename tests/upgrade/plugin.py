"""The upgrade suite's tally as one line at the end, summed over pytest-xdist workers.

A plugin (tests/conftest.py loads it) rather than a conftest of tests/upgrade: under
pytest-xdist the controller, which prints the summary, loads only the conftests it starts
with, never those of the directories it leaves to its workers.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.upgrade.harness import TALLY


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output["upgrade"] = TALLY.rows()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    TALLY.add_rows(getattr(node, "workeroutput", {}).get("upgrade", []))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.releases:
        terminalreporter.write_line(TALLY.line())
