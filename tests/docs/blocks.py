"""The code blocks of the README and of each example's README, and what each one claims.

Every fenced block is marked by an HTML comment on the line before it, which says how the
docs test runs it against the emulator (or why it cannot)::

    <!-- docs: KIND[; OPTION]... -->

- ``program``: a Python program: previewed, brought up, its outputs checked, destroyed;
- ``fleet``: a fleet file: up and destroy (``refused at preview``: preview must fail);
- ``pytest``: test files (``# conftest.py``, ``# test_x.py`` start each one), run by pytest;
- ``run``: shell commands, ``pulumi`` ones carried out on a stack of the README's example;
- ``output``: what a command prints (a ``$ command`` line in the block, or ``command:``);
- ``error``: the error of the block before it (a fleet ``refused at preview``);
- ``illustrative: REASON``: not run here, and the reason why.

Options: ``secrets: a, b`` (stack secrets the program requires), ``outputs: k=v, ...``
(stack outputs it states), ``ids vary`` (an output compared by shape: numbers and ids
are any), ``setup: NAME`` (what the tests do before an output's command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.paths import EXAMPLES, REPO_ROOT

KINDS = ("program", "fleet", "pytest", "run", "output", "error", "illustrative")
_MARKER = re.compile(r"^<!--\s*docs:\s*(?P<body>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^(?P<fence>```+|~~~+)(?P<lang>[^`]*)$")


def doc_files() -> list[Path]:
    """The README and every example's README."""
    return [REPO_ROOT / "README.md", *sorted(EXAMPLES.glob("*/README.md"))]


@dataclass(frozen=True)
class Block:
    """One fenced code block and its marker."""

    path: Path
    line: int
    """The line of its opening fence (1-based)."""
    lang: str
    text: str
    kind: str | None
    """None: the block has no marker."""
    reason: str = ""
    """Why an illustrative block is not run."""
    options: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"

    def secrets(self) -> dict[str, str]:
        names = [n.strip() for n in self.options.get("secrets", "").split(",") if n.strip()]
        return {name: f"docs-test-{name}-value" for name in names}

    def outputs(self) -> dict[str, str]:
        pairs = [p.split("=", 1) for p in self.options.get("outputs", "").split(",") if p.strip()]
        return {key.strip(): value.strip() for key, value in pairs}

    @property
    def varies(self) -> bool:
        return "ids vary" in self.options

    @property
    def refused(self) -> bool:
        return "refused at preview" in self.options


def _marker(body: str) -> tuple[str, str, dict[str, str]]:
    """(kind, reason, options) of a marker's body."""
    if body.startswith("illustrative"):
        return "illustrative", body.partition(":")[2].strip(), {}
    kind, *rest = (part.strip() for part in body.split(";"))
    options: dict[str, str] = {}
    for part in rest:
        key, colon, value = part.partition(":")
        options[key.strip() if colon else part] = value.strip()
    return kind, "", options


def read_blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, with the marker on the line before it."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        marked = _MARKER.match(lines[index - 1]) if index else None
        kind, reason, options = _marker(marked["body"]) if marked else (None, "", {})
        text = "\n".join(lines[index + 1 : end]) + "\n"
        blocks.append(Block(path, index + 1, opening["lang"].strip(), text, kind, reason, options))
        index = end + 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in doc_files() for block in read_blocks(path)]


def previous(block: Block) -> Block:
    """The block before ``block`` in its file."""
    blocks = read_blocks(block.path)
    at = next(i for i, b in enumerate(blocks) if b.line == block.line)
    if at == 0:
        raise AssertionError(f"{block.where}: an error block needs the block it is the error of")
    return blocks[at - 1]


# -- comparing a command's output with a sample ------------------------------------------

_ID_WORD = re.compile(r"[A-Za-z0-9]*[0-9][A-Za-z0-9]*")
"""A word with a digit in it: a number, an id, a port, a duration."""


def _line_pattern(line: str, varies: bool) -> re.Pattern[str]:
    """A sample line as a pattern: ``...`` stands for anything; runs of spaces for any
    padding; with ``varies``, every word holding a digit for any such word."""
    parts: list[str] = []
    for piece in re.split(r"(\.\.\.| +)", line.strip()):
        if piece == "...":
            parts.append(".*")
        elif piece.startswith(" "):
            parts.append(" +")
        elif varies:
            at = 0
            for word in _ID_WORD.finditer(piece):
                parts.append(re.escape(piece[at : word.start()]))
                parts.append("[A-Za-z0-9]+")
                at = word.end()
            parts.append(re.escape(piece[at:]))
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def mismatches(sample: str, actual: str, *, varies: bool) -> list[str]:
    """Lines of ``sample`` that ``actual`` does not bear out (empty: it matches).

    A line ``...`` stands for any lines. Otherwise lines are compared in order, exactly
    (leading and trailing spaces aside); with ``varies``, each sample line need only match
    some line of the output, numbers and ids being any (their order and values change from
    run to run)."""
    have = [line.strip() for line in actual.splitlines() if line.strip()]
    want = [line for line in sample.splitlines() if line.strip()]
    if varies:
        return [
            line
            for line in want
            if line.strip() != "..."
            and not any(_line_pattern(line, True).fullmatch(got) for got in have)
        ]
    missing: list[str] = []
    at, gap = 0, False
    for line in want:
        if line.strip() == "...":
            gap = True
            continue
        pattern = _line_pattern(line, False)
        found = next(
            (i for i in range(at, len(have) if gap else min(at + 1, len(have)))
             if pattern.fullmatch(have[i])),
            None,
        )  # fmt: skip
        if found is None:
            missing.append(line)
        else:
            at, gap = found + 1, False
    if not gap and at < len(have) and not missing:
        missing.append(f"(the output goes on: {have[at]!r})")
    return missing


# -- the tally: how many blocks this session ran, summed over pytest-xdist workers -------


@dataclass
class DocsTally:
    ran: set[str] = field(default_factory=set)
    illustrative: set[str] = field(default_factory=set)

    def count(self, block: Block) -> None:
        (self.illustrative if block.kind == "illustrative" else self.ran).add(block.where)

    def rows(self) -> list[list[Any]]:
        return [[w, "illustrative"] for w in self.illustrative] + [[w, "ran"] for w in self.ran]

    def add_rows(self, rows: list[list[Any]]) -> None:
        for where, what in rows:
            (self.illustrative if what == "illustrative" else self.ran).add(where)

    @property
    def runs(self) -> int:
        return len(self.ran) + len(self.illustrative)

    def line(self) -> str:
        blocks = all_blocks()
        files = {b.path for b in blocks}
        checked = self.ran | self.illustrative
        line = (
            f"docs: {len(blocks)} code blocks in {len(files)} files, {len(self.ran)} run, "
            f"{len(self.illustrative)} illustrative"
        )
        unchecked = len(blocks) - len(checked)
        return line + (f", {unchecked} not checked in this session" if unchecked else "")


TALLY = DocsTally()
