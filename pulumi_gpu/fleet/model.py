"""A fleet file, validated: every entry against its kind's inputs model, every reference
resolved, every mistake reported at once with file, line, column and field path.

::

    budget: {max_cost_per_hour: 20}  # preview refuses a fleet that may cost more
    defaults:                      # per cloud, for every kind that has the field
      celium:
        ssh_public_keys: ["ssh-ed25519 AAAA... me"]
    templates:
      vllm: {cloud: celium, docker_image: vllm/vllm-openai, internal_ports: [22, 8000]}
    pods:
      trainer:
        cloud: celium
        template: vllm             # an entry of this fleet, instead of template_id
        selector: {gpu_model: A100, gpu_count: 8}

Secrets are never written in the file: a secret input takes ``{config: KEY}`` (the
stack's secret config) or ``{env: NAME}`` (an environment variable).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pulumi_gpu.core.inputs import ResourceInputs, explain, property_path, renamed_inputs
from pulumi_gpu.fleet.kinds import (
    PLACED,
    SECTIONS,
    UNSUPPORTED,
    Kind,
    clouds,
    kinds_of,
    kinds_of_cloud,
)
from pulumi_gpu.fleet.source import Loc, Problem, Source, read_source

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,62}$")
TOP_LEVEL = ("defaults", "budget", *SECTIONS)
_SECRET_PLACEHOLDER = "pulumi-gpu-fleet-secret-placeholder"


@dataclass(frozen=True)
class SecretRef:
    """Where a secret input's value comes from: stack config or the environment."""

    config: str | None = None
    env: str | None = None


@dataclass
class Entry:
    """One resource of the fleet."""

    name: str
    kind: Kind
    inputs: dict[str, Any]
    """Inputs as written (after defaults), without references and secrets."""
    refs: dict[str, str | list[str]] = field(default_factory=dict)
    """Input field -> name(s) of the fleet entries whose ids it takes."""
    secrets: dict[str, SecretRef | dict[str, str | SecretRef]] = field(default_factory=dict)
    """Secret inputs: a reference, or for a mapping input a mapping of literals and references."""
    validated: ResourceInputs | None = None
    """The inputs as checked (references and secrets stand in as placeholders)."""

    def depends_on(self) -> list[str]:
        names: list[str] = []
        for value in self.refs.values():
            names += [value] if isinstance(value, str) else value
        return names


@dataclass
class Fleet:
    """A valid fleet: its entries in an order where each comes after what it references."""

    file: str
    entries: list[Entry]
    max_cost_per_hour: float | None = None
    """The ``budget``: what the fleet's machines may cost per hour at most, USD."""
    warnings: list[str] = field(default_factory=list)
    """What the file should change that still works, each with its place."""


class FleetError(Exception):
    """The fleet file has mistakes; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_fleet(path: str | Path, text: str | None = None) -> Fleet:
    """Read and validate a fleet file; raise :class:`FleetError` listing every problem."""
    source = read_source(path, text)
    if isinstance(source, Problem):
        raise FleetError([source])
    fleet, problems = check_source(source)
    if problems or fleet is None:
        raise FleetError(problems)
    return fleet


def check_source(source: Source) -> tuple[Fleet | None, list[Problem]]:
    """Validate parsed data; never raises for bad data, returns the problems instead."""
    data = {} if source.data is None else source.data
    report = _Report(source)
    if not isinstance(data, dict):
        report.add((), "a fleet file is a mapping with the sections " + _list(TOP_LEVEL))
        return None, report.problems()
    for key in data:
        if key not in TOP_LEVEL:
            report.add(
                (key,), f"unknown section{_hint(key, TOP_LEVEL)}; sections: {_list(TOP_LEVEL)}"
            )
    defaults = _defaults(report, data.get("defaults"))
    budget = _budget(report, data.get("budget"))
    entries: dict[str, Entry] = {}
    valid: set[str] = set()
    seen: dict[str, Loc] = {}
    for section in SECTIONS:
        block = data.get(section)
        if block is None:
            continue
        if not isinstance(block, dict):
            report.add((section,), "must be a mapping of entry name -> inputs")
            continue
        for name, body in block.items():
            loc: Loc = (section, name)
            if not isinstance(name, str) or not NAME.match(name):
                report.add(
                    loc,
                    "an entry name starts with a letter and has only letters, digits, "
                    "'_', '.' and '-' (63 at most)",
                )
                continue
            if name in seen:
                report.add(
                    loc,
                    f"the name '{name}' is already used by {property_path(seen[name])}; "
                    "names are unique across the fleet",
                )
                continue
            seen[name] = loc
            entry, ok = _entry(report, section, name, body, defaults)
            if entry is not None:
                entries[name] = entry
                if ok:
                    valid.add(name)
    if not seen and not any(data.get(section) == {} for section in SECTIONS):
        report.add(
            (),
            "the fleet declares no resources, so `pulumi up` would delete every resource of "
            "the stack; if that is what you mean, write an empty section such as `pods: {}`",
        )
    _check_references(report, entries)
    ordered, cycle = _ordered(entries)
    if cycle:
        report.add(_where(entries, cycle[0]), "references form a cycle: " + " -> ".join(cycle))
    problems = report.problems()
    if problems or valid != set(entries):
        return None, problems
    return Fleet(source.file, ordered, budget, [str(w) for w in report.warnings]), []


class _Report:
    """Collects problems; a bad default is reported once, naming every entry it reached."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._problems: list[Problem] = list(source.repeated)
        self._from_defaults: dict[tuple[Loc, str], list[str]] = {}
        self.warnings: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        self._problems.append(self.source.problem(loc, message))

    def warn(self, loc: Loc, message: str) -> None:
        """Something the file should change, that still works (a renamed input)."""
        self.warnings.append(self.source.problem(loc, message))

    def add_default(self, loc: Loc, message: str, entry: Loc) -> None:
        self._from_defaults.setdefault((loc, message), []).append(property_path(entry))

    def problems(self) -> list[Problem]:
        found = list(self._problems)
        for (loc, message), entries in self._from_defaults.items():
            found.append(self.source.problem(loc, f"{message} (default for {', '.join(entries)})"))
        return sorted(found, key=lambda p: (p.line, p.column, p.path))


def _defaults(report: _Report, raw: Any) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        report.add(("defaults",), "must map a cloud to default inputs")
        return {}
    found: dict[str, dict[str, Any]] = {}
    for cloud, values in raw.items():
        loc: Loc = ("defaults", cloud)
        if cloud not in clouds():
            report.add(
                loc, f"unknown cloud{_hint(str(cloud), clouds())}; clouds: {_list(clouds())}"
            )
            continue
        if not isinstance(values, dict):
            report.add(loc, "must be a mapping of input -> default value")
            continue
        allowed: set[str] = set()
        for kind in kinds_of_cloud(cloud):
            allowed |= set(kind.inputs.model_fields) - {"name"} - kind.secrets
        for key in values:
            if key not in allowed:
                report.add(
                    (*loc, key),
                    f"no {cloud} resource has the input '{key}'"
                    f"{_hint(str(key), allowed)}; inputs: {_list(sorted(allowed))}",
                )
        found[cloud] = {k: v for k, v in values.items() if k in allowed}
    return found


def _budget(report: _Report, raw: Any) -> float | None:
    if raw is None:
        return None
    limit = raw.get("max_cost_per_hour") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or set(raw) != {"max_cost_per_hour"}:
        report.add(("budget",), "must be {max_cost_per_hour: <USD per hour>}")
    elif isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
        report.add(("budget", "max_cost_per_hour"), "must be a number of USD per hour above 0")
    else:
        return float(limit)
    return None


def _entry(
    report: _Report, section: str, name: str, body: Any, defaults: dict[str, dict[str, Any]]
) -> tuple[Entry | None, bool]:
    """The entry (None if its cloud is unknown) and whether it is valid."""
    loc: Loc = (section, name)
    kinds = kinds_of(section)
    if not isinstance(body, dict):
        report.add(loc, "an entry is a mapping of inputs, starting with 'cloud'")
        return None, False
    cloud = body.get("cloud", PLACED if "clouds" in body and PLACED in kinds else None)
    if not isinstance(cloud, str) or cloud not in kinds:
        hosts = (
            f"{section} exist on: {_list(sorted(kinds))}" if kinds else f"no cloud has {section}"
        )
        what = "is required" if cloud is None else f"'{cloud}' has no {section}"
        why = UNSUPPORTED.get((str(cloud), section))
        report.add((*loc, "cloud"), f"cloud {what}" + (f" ({why})" if why else "") + f"; {hosts}")
        return None, False
    kind = kinds[cloud]
    raw, renamed = renamed_inputs(kind.inputs, {k: v for k, v in body.items() if k != "cloud"})
    for warning in renamed:
        old, _, text = warning.partition(": ")
        report.warn((*loc, old), text)
    defaulted = {
        k: v
        for k, v in defaults.get(cloud, {}).items()
        if k in kind.inputs.model_fields and k not in raw
    }
    probe: dict[str, Any] = {**defaulted, **raw}
    entry = Entry(name, kind, {})
    ok = True

    for ref in kind.references:
        if ref.alias not in probe:
            continue
        value = probe.pop(ref.alias)
        where = (*loc, ref.alias)
        if ref.field in probe:
            report.add(where, f"give {ref.alias} (an entry name) or {ref.field} (an id), not both")
            ok = False
        elif ref.many and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            report.add(where, f"must be a list of names of {ref.section} entries")
            ok = False
        elif not ref.many and not isinstance(value, str):
            report.add(where, f"must be the name of a {ref.section} entry")
            ok = False
        else:
            entry.refs[ref.field] = value
            probe[ref.field] = [f"fleet-{v}" for v in value] if ref.many else f"fleet-{value}"

    for secret in sorted(kind.secrets & set(probe)):
        value = probe[secret]
        if secret in kind.secret_maps and isinstance(value, dict):
            entry.secrets[secret] = {k: _secret_ref(v) or v for k, v in value.items()}
            probe[secret] = {
                k: _SECRET_PLACEHOLDER if _secret_ref(v) else v for k, v in value.items()
            }
            continue
        ref_value = _secret_ref(value)
        if ref_value is None:
            report.add(
                (*loc, secret),
                "a secret is never written in the fleet file: use {config: KEY} "
                "(pulumi config set --secret KEY ...) or {env: NAME}",
            )
            probe[secret] = _SECRET_PLACEHOLDER  # judged as given: no "missing" besides
            ok = False
            continue
        entry.secrets[secret] = ref_value
        probe[secret] = _SECRET_PLACEHOLDER

    if "name" in kind.inputs.model_fields and "name" not in probe:
        probe["name"] = name
    try:
        entry.validated = kind.inputs.model_validate(probe)
    except ValidationError as exc:
        if _report_validation(report, exc, entry, loc, defaulted):
            ok = False
    aliases = {r.alias for r in kind.references}
    entry.inputs = {
        k: v for k, v in {**defaulted, **raw}.items() if k not in aliases and k not in entry.secrets
    }
    return entry, ok


def _report_validation(
    report: _Report, exc: ValidationError, entry: Entry, loc: Loc, defaulted: dict[str, Any]
) -> bool:
    kind = entry.kind
    by_alias = {r.field: r for r in kind.references}
    reported = False
    for err in exc.errors(include_url=False):
        err_loc = tuple(err["loc"])
        head = err_loc[0] if err_loc else None
        if head in entry.secrets and head not in kind.secret_maps:
            continue  # secret values are checked by the provider at preview
        reported = True
        ref = by_alias.get(str(head)) if head is not None else None
        if ref is not None and err["type"] == "missing":
            message = (
                f"required: name a {ref.section} entry with '{ref.alias}', or give '{ref.field}'"
            )
        elif err["type"] == "extra_forbidden":
            message = explain(err, kind.inputs)
            allowed = sorted({*kind.inputs.model_fields, *(r.alias for r in kind.references)})
            if len(err_loc) == 1:
                name = str(err_loc[0])
                message = f"unknown input '{name}'{_hint(name, allowed)}; allowed: {_list(allowed)}"
        else:
            message = explain(err, kind.inputs)
        if ref is not None and ref.field in entry.refs:
            err_loc = (ref.alias, *err_loc[1:])
        if head in defaulted:
            report.add_default(("defaults", kind.cloud, *err_loc), message, loc)
        else:
            report.add((*loc, *err_loc) if err_loc else loc, message)
    return reported


def _secret_ref(value: Any) -> SecretRef | None:
    if isinstance(value, dict) and len(value) == 1:
        ((key, name),) = value.items()
        if key in ("config", "env") and isinstance(name, str) and name:
            return SecretRef(**{key: name})
    return None


def _check_references(report: _Report, entries: dict[str, Entry]) -> None:
    for entry in entries.values():
        for ref in entry.kind.references:
            targets = entry.refs.get(ref.field)
            if targets is None:
                continue
            names = [targets] if isinstance(targets, str) else targets
            candidates = [e.name for e in entries.values() if e.kind.section == ref.section]
            for index, target in enumerate(names):
                where = (*_where(entries, entry.name), ref.alias)
                if not isinstance(targets, str):
                    where = (*where, index)
                found = entries.get(target)
                if found is None or found.kind.section != ref.section:
                    listing = _list(candidates) if candidates else "none"
                    report.add(
                        where,
                        f"no {ref.section} entry named '{target}'"
                        f"{_hint(target, candidates)}; {ref.section}: {listing}",
                    )
                elif found.kind.cloud != entry.kind.cloud:
                    report.add(
                        where,
                        f"'{target}' is a {found.kind.title}; a {entry.kind.title} "
                        f"can only use {entry.kind.cloud} {ref.section}",
                    )


def _where(entries: dict[str, Entry], name: str) -> Loc:
    entry = entries.get(name)
    return (entry.kind.section, name) if entry else ()


def _ordered(entries: dict[str, Entry]) -> tuple[list[Entry], list[str]]:
    """Entries with dependencies first; or the names forming a cycle."""
    done: dict[str, bool] = {}  # name -> finished
    ordered: list[Entry] = []

    def visit(name: str, path: list[str]) -> list[str]:
        if done.get(name):
            return []
        if name in path:
            return [*path[path.index(name) :], name]
        entry = entries.get(name)
        if entry is None:
            return []
        for target in entry.depends_on():
            cycle = visit(target, [*path, name])
            if cycle:
                return cycle
        done[name] = True
        ordered.append(entry)
        return []

    for name in entries:
        cycle = visit(name, [])
        if cycle:
            return [], cycle
    return ordered, []


def _hint(name: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _list(items: Any) -> str:
    return ", ".join(str(i) for i in items)
