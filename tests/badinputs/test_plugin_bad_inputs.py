"""A bad input is refused at preview through the provider plugin as it is in Python.

A representative part of the corpus's Python cases (a few of each cloud's kinds, the
placed pod's) is previewed through both front doors: the Python program (the dynamic
providers) and a program that declares each case as the plugin's resource, camelCase
properties (``plugin-fleet``). Through the plugin each refusal names the field in
camelCase and gives the same reason as in Python, its names spelled the plugin's way
(``gpu_count`` -> ``gpuCount``); nothing reaches a cloud.
"""

from __future__ import annotations

import re

import pytest

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.plugin.names import camel
from pulumi_gpu.testing.fixtures import StackFactory
from tests.badinputs.corpus import CORPUS, SECRET
from tests.badinputs.harness import Verdict, judge, plugin_program, python_program
from tests.support.paths import program_source

pytestmark = pytest.mark.e2e

CASES = {
    "runpod-celium": [
        "rp-pod-zero-gpus",
        "rp-job-duration",
        "c-pod-selector-key",
        "c-pod-below-offers",
        "c-tpl-tag-in-image",
    ],
    "primeintellect-gpudev-placed": [
        "pi-pod-socket",
        "gd-job-hours",
        "gd-disk-name",
        "any-gpu-key",
        "any-cloud",
    ],
}
"""Two groups (one test each, spread over the workers): each case takes a preview of
its own per door (the engine stops at the first failed check)."""
REFUSAL = re.compile(r"resource '(?P<id>[^']+)': property (?P<path>\S+) value .*? has a problem: ")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def refusals(verdict: Verdict) -> dict[str, str]:
    """Property path -> reason, for each check failure the preview showed of the case."""
    found = {}
    for line in verdict.text.splitlines():
        match = REFUSAL.search(line)
        if match and match["id"] == verdict.case.id:
            found[match["path"]] = line[match.end() :].strip()
    return found


def spelled_either_way(refused: dict[str, str]) -> dict[str, str]:
    """Paths and reasons with the spelling of names ignored (``gpu_count``, ``gpuCount``)."""
    return {p.replace("_", "").lower(): r.replace("_", "").lower() for p, r in refused.items()}


def camel_path(path: str) -> str:
    """``selector.max_price_per_hour`` -> ``selector.maxPricePerHour``."""
    return ".".join(camel(part) for part in path.split("."))


@pytest.mark.parametrize("group", list(CASES))
def test_the_plugin_refuses_as_python_does(
    gpu_stack: StackFactory, emulator: Emulator, group: str
) -> None:
    cases = [c for c in CORPUS if c.surface == "python" and c.id in CASES[group]]
    assert len(cases) == len(CASES[group]), "a case id is not in the corpus"
    python = gpu_stack(program_source("bad-inputs"), config={"cases": "{}"})
    plugin = gpu_stack(program_source("plugin-fleet"))
    said: list[str] = []
    in_python = {v.case.id: refusals(v) for v in judge(python, cases, python_program(python))}
    in_plugin = judge(plugin, cases, plugin_program(plugin), said)
    wrong = []
    for verdict in in_plugin:
        case, expected = verdict.case, in_python[verdict.case.id]
        assert expected, f"{case.id}: Python did not refuse it at check"
        got = refusals(verdict)
        names = [name for reason in got.values() for name in SNAKE.findall(reason)]
        if not any(camel_path(case.field) in path for path in got) or names:
            wrong.append(f"{case.id}: named {sorted(got)}, Python names {names}: {verdict.text}")
        elif spelled_either_way(got) != spelled_either_way(expected):
            wrong.append(f"{case.id}: said {got}, Python said {expected}")
    assert not wrong, "\n".join(wrong)
    text = "\n".join(said)
    assert SECRET not in text and "Traceback" not in text
    assert [r for r in emulator.requests.find() if r.method != "GET"] == []
