"""How a bad input is judged: by the preview a person would run, and nothing else.

A :class:`Case` is one realistic mistake, in a Python program (``tests/e2e/programs/
bad-inputs``: the resource class called with the case's keyword arguments) or in a fleet
file (the case's entry); a Python case can also be declared through the provider plugin
(``tests/e2e/programs/plugin-fleet``: the plugin's resource, with the same inputs).
:func:`judge` previews cases on one stack with the real engine:
many at once where the preview reports each of them on its own (a fleet file's problems,
a constructor's exception), one at a time where it stops at the first (a provider's
``check``, after which the engine previews nothing more). A case counts as *refused at
preview naming its field* when a message of that preview is about it (its resource, its
entry), names the input that is wrong, is not a Python traceback or another exception
than the one Pulumi shows as one line (``pulumi.RunError``), and the cloud got no write.

:data:`TALLY` counts every case judged in this process; the root ``conftest.py`` sums
the workers' tallies and prints one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from pulumi_gpu.fleet.kinds import KINDS, PLACED, Kind
from pulumi_gpu.testing import ProgramStack
from pulumi_gpu.testing.stack import OpResult, StackError

THRESHOLD = 0.95
"""The share of the corpus that must be refused at preview naming its field."""


@dataclass(frozen=True)
class Case:
    """One bad input: where it is written, what is wrong, and which input is to blame."""

    id: str
    """The resource's name (Python) or the entry's (fleet); unique in the corpus."""
    surface: Literal["python", "fleet"]
    kind: str
    """``runpod.Pod`` (``Pod`` for the placed pod) in Python; the section in a fleet."""
    inputs: dict[str, Any]
    """Keyword arguments, or the fleet entry (with its ``cloud``)."""
    field: str
    """The input the refusal must name."""
    why: str
    """The mistake, in words."""
    secret: str | None = None
    """A value the preview must never show."""


def py(id_: str, kind: str, field_: str, why: str, **inputs: Any) -> Case:
    return Case(id_, "python", kind, inputs, field_, why)


def fleet(id_: str, section: str, field_: str, why: str, **entry: Any) -> Case:
    return Case(id_, "fleet", section, entry, field_, why)


@dataclass
class Verdict:
    """What the preview said of one case."""

    case: Case
    messages: list[str] = field(default_factory=list)
    refused: bool = False
    previews: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.messages)

    @property
    def names_field(self) -> bool:
        return self.case.field in self.text

    @property
    def clean(self) -> bool:
        """No traceback, and no exception but the one Pulumi shows as one line."""
        bare = re.search(r"declaring \S+: (?!RunError)\w+:", self.text)
        return "Traceback" not in self.text and bare is None

    @property
    def ok(self) -> bool:
        return self.refused and self.names_field and self.clean

    def problem(self) -> str:
        if not self.refused:
            return "passed preview"
        if not self.clean:
            return "refused by an exception shown with its type: " + self.text.strip()
        return f"refused without naming {self.case.field}: " + self.text.strip()


@dataclass
class Tally:
    """Every case judged: (surface, kind, id, refused at preview naming its field)."""

    rows_: list[list[Any]] = field(default_factory=list)

    def add(self, verdicts: Iterable[Verdict]) -> None:
        self.rows_ += [[v.case.surface, v.case.kind, v.case.id, v.ok] for v in verdicts]

    def rows(self) -> list[list[Any]]:
        return list(self.rows_)

    def add_rows(self, rows: Iterable[list[Any]]) -> None:
        self.rows_ += [list(r) for r in rows]

    @property
    def runs(self) -> int:
        return len(self.rows_)

    @property
    def refused(self) -> int:
        return sum(1 for r in self.rows_ if r[3])

    def rate(self) -> float:
        return self.refused / self.runs if self.runs else 1.0

    def line(self) -> str:
        return (
            f"bad inputs: {self.runs} tried, {self.refused} refused at preview naming their "
            f"field ({100 * self.rate():.0f}%)"
        )


TALLY = Tally()


def judge(
    stack: ProgramStack,
    cases: Sequence[Case],
    write: Callable[[Sequence[Case]], None],
    said: list[str] | None = None,
) -> list[Verdict]:
    """Preview ``cases`` on ``stack`` (``write`` puts them in its program) until each is
    judged: a preview's messages are given to the cases they are about; the cases it did
    not get to are previewed again without those. Everything a preview printed is added
    to ``said``."""
    verdicts = {c.id: Verdict(c) for c in cases}
    left = list(cases)
    while left:
        write(left)
        try:
            result = stack.preview()
        except StackError as exc:
            result = exc.result
        if said is not None:
            said.append(result.text())
        for case in left:
            verdicts[case.id].previews += 1
        if result.ok:
            break  # every case left passed
        about = _attribute(result, left)
        if not about:
            if len(left) > 1:  # a failure of the whole preview: each on its own
                for case in left:
                    verdicts[case.id] = judge(stack, [case], write, said)[0]
                break
            about = {left[0].id: result.errors() or [result.text()]}
        for case_id, messages in about.items():
            verdicts[case_id].messages += messages
            verdicts[case_id].refused = True
        left = [c for c in left if c.id not in about]
    return list(verdicts.values())


def _attribute(result: OpResult, cases: Sequence[Case]) -> dict[str, list[str]]:
    """Case id -> the error lines of ``result`` about it (a line names the resource or
    the entry; a resource's diagnostic is about it as a whole)."""
    found: dict[str, list[str]] = {}
    for message in result.errors():
        owner = re.match(r"pulumi-python:dynamic/\S+ resource '([^']+)'", message)
        for case in cases:
            if owner is not None:
                if owner.group(1) == case.id:
                    found.setdefault(case.id, []).append(message)
                continue
            pattern = re.compile(rf"(?<![\w-]){re.escape(case.id)}(?![\w-])")
            lines = [line for line in message.splitlines() if pattern.search(line)]
            if lines:
                found.setdefault(case.id, []).extend(lines)
    return found


def python_program(stack: ProgramStack) -> Callable[[Sequence[Case]], None]:
    """Put cases in the bad-inputs program's ``cases`` setting."""

    def write(cases: Sequence[Case]) -> None:
        program = {c.id: {"kind": c.kind, "args": c.inputs} for c in cases}
        stack.set_config("cases", json.dumps(program))

    return write


def fleet_file(stack: ProgramStack) -> Callable[[Sequence[Case]], None]:
    """Write cases as the entries of the stack's fleet file."""

    def write(cases: Sequence[Case]) -> None:
        sections: dict[str, dict[str, Any]] = {}
        for case in cases:
            sections.setdefault(case.kind, {})[case.id] = case.inputs
        stack.write_file("fleet.yaml", yaml.safe_dump(sections, sort_keys=False))

    return write


def kind_of(case: Case) -> Kind:
    """The kind a Python case declares (``runpod.Pod``; ``Pod``: the placed pod)."""
    cloud, _, name = case.kind.rpartition(".")
    return next(k for k in KINDS if (k.cloud, k.resource.__name__) == (cloud or PLACED, name))


def plugin_program(stack: ProgramStack) -> Callable[[Sequence[Case]], None]:
    """Put Python cases in the plugin-fleet program's fleet file (it declares each entry
    as the plugin's resource)."""

    def write(cases: Sequence[Case]) -> None:
        sections: dict[str, dict[str, Any]] = {}
        for case in cases:
            kind = kind_of(case)
            sections.setdefault(kind.section, {})[case.id] = {"cloud": kind.cloud, **case.inputs}
        stack.write_file("fleet.yaml", yaml.safe_dump(sections, sort_keys=False))

    return write
