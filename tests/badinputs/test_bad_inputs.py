"""Bad inputs are refused at preview, each naming its field, and nothing reaches a cloud.

The corpus (``corpus.py``) is previewed with the real engine in groups (spread over the
workers); a group fails when less than 95 % of its cases are refused at preview naming
their field, when a preview shows a traceback or a secret, or when a cloud got a write.
The session's tally prints one line, and fails the run below 95 % (``conftest.py``).
"""

from __future__ import annotations

import pytest

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing.fixtures import StackFactory
from tests.badinputs.corpus import CORPUS, PRIVATE_KEY, SECRET, Case, group_of
from tests.badinputs.harness import TALLY, THRESHOLD, fleet_file, judge, python_program
from tests.support.paths import program_source

pytestmark = pytest.mark.e2e

CHUNK = 10
"""Python cases per test: each takes a preview of its own (the engine stops at the first
refusal of a provider's check), so they are spread over the workers in chunks."""


def _groups() -> dict[str, list[Case]]:
    """Test id -> its cases: a cloud's fleet cases at once, its Python cases in chunks;
    the biggest first."""
    found: dict[str, list[Case]] = {}
    for surface, cloud in sorted({(c.surface, group_of(c)) for c in CORPUS}):
        cases = [c for c in CORPUS if c.surface == surface and group_of(c) == cloud]
        size = CHUNK if surface == "python" else len(cases)
        for part, start in enumerate(range(0, len(cases), size), 1):
            found[f"{surface}-{cloud}-{part}"] = cases[start : start + size]
    return dict(sorted(found.items(), key=lambda item: -len(item[1])))


GROUPS = _groups()


@pytest.mark.parametrize("group", list(GROUPS))
def test_bad_inputs_are_refused_at_preview(
    gpu_stack: StackFactory, emulator: Emulator, group: str
) -> None:
    cases = GROUPS[group]
    if cases[0].surface == "python":
        stack = gpu_stack(program_source("bad-inputs"), config={"cases": "{}"})
        write = python_program(stack)
    else:
        stack = gpu_stack.fleet("pods: {}\n")
        write = fleet_file(stack)
    said: list[str] = []
    verdicts = judge(stack, cases, write, said)
    TALLY.add(verdicts)
    text = "\n".join(said)
    assert SECRET not in text and PRIVATE_KEY.splitlines()[1] not in text, "a secret was shown"
    assert "Traceback" not in text
    writes = [
        (r.method, r.path)
        for r in emulator.requests.find()
        if r.method != "GET" and not r.path.endswith("/auth/aws-login")
    ]
    assert writes == [], "nothing may reach a cloud at preview"
    assert emulator.is_empty()
    missed = [f"{v.case.id} ({v.case.why}): {v.problem()}" for v in verdicts if not v.ok]
    rate = 1 - len(missed) / len(verdicts)
    assert rate >= THRESHOLD, f"{len(missed)} of {len(verdicts)} not refused:\n" + "\n".join(missed)
