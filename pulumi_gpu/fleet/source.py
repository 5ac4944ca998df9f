"""Reading a fleet file while remembering where every value was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pulumi_gpu.core.inputs import property_path

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Problem:
    """One mistake in a fleet file, located for an editor: ``file:line:column: path: message``."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass
class Source:
    """The parsed data of a fleet file and the (line, column) of each value and key."""

    file: str
    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    repeated: list[Problem] = field(default_factory=list)
    """Keys written twice in one mapping (YAML would silently keep the last)."""

    def position(self, loc: Loc) -> tuple[int, int]:
        """Where ``loc`` is written (its key, or its item), else its closest enclosing entry."""
        for end in range(len(loc), -1, -1):
            prefix = loc[:end]
            if prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def problem(self, loc: Loc, message: str, path: str | None = None) -> Problem:
        line, column = self.position(loc)
        path = path if path is not None else property_path(loc)
        return Problem(self.file, line, column, path, message)


def read_source(path: str | Path, text: str | None = None) -> Source | Problem:
    """Parse YAML text (read from ``path`` when not given); a Problem if it is not YAML."""
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            return Problem(name, 1, 1, "", f"cannot read the fleet file: {exc.strerror or exc}")
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # characters YAML does not allow
        return Problem(name, 1, 1, "", f"not valid YAML: {exc}")
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(name, line, column, "", f"not valid YAML: {exc.problem or exc}")
    except yaml.YAMLError as exc:
        return Problem(name, 1, 1, "", f"not valid YAML: {exc}")
    finally:
        loader.dispose()
    source = Source(name, data)
    if node is not None:
        _walk(node, (), source)
    return source


def _walk(node: yaml.Node, loc: Loc, source: Source) -> None:
    source.values[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        written: dict[Any, tuple[int, int]] = {}
        for key, value in node.value:
            child = (*loc, key.value)
            at = (key.start_mark.line + 1, key.start_mark.column + 1)
            first = written.setdefault(key.value, at)
            if first != at:
                source.repeated.append(
                    Problem(
                        source.file,
                        *at,
                        property_path(child),
                        f"written twice (first at line {first[0]}, column {first[1]}); "
                        "keep one of them",
                    )
                )
            source.keys[child] = at
            _walk(value, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), source)
