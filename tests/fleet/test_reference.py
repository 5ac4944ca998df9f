"""The fleet reference says what a reader needs, once: each field's one update policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from pulumi_gpu.fleet import FleetError, load_fleet
from pulumi_gpu.fleet.kinds import KINDS, Kind
from pulumi_gpu.fleet.reference import (
    CHANGES,
    DESTROYS_DATA,
    HERE_OR_DEFAULTS,
    change,
    reference_text,
)
from pulumi_gpu.fleet.schema import fleet_schema


@dataclass(frozen=True)
class Row:
    kind: str
    field: str
    type: str
    required: str
    default: str
    change: str
    meaning: str


@cache
def rows() -> tuple[Row, ...]:
    """Every field row of the reference, with the kind whose table holds it."""
    found: list[Row] = []
    kind = ""
    for line in reference_text().splitlines():
        if line.startswith("### "):
            kind = line[len("### ") :]
        elif line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            name, type_, required, default, change, meaning = cells
            found.append(Row(kind, name.strip("`"), type_, required, default, change, meaning))
    return tuple(found)


def row(kind: str, field: str) -> Row:
    return next(r for r in rows() if r.kind == kind and r.field == field)


def test_every_row_states_one_policy() -> None:
    """One of the policies, then (after '; ') the changes its kind treats otherwise."""
    said = (DESTROYS_DATA, *CHANGES.values())
    for found in rows():
        assert found.change.partition("; ")[0] in said, found


def test_a_field_without_one_policy_stops_the_reference() -> None:
    with pytest.raises(ValueError, match="'x' declares 2 update policies"):
        change("x", {"type": "string", "replaceOnChange": True, "updateInPlace": True})
    with pytest.raises(ValueError, match="'x' declares 0 update policies"):
        change("x", {"type": "string"})


@pytest.mark.parametrize(
    ("policy", "never"),
    [
        ("replaces it", r"\bin place\b|\bchanges nothing\b"),
        ("in place", r"\breplace[sd]?\b"),
        ("pulumi-gpu only", r"\bin place\b"),
    ],
)
def test_no_meaning_states_another_policy_than_its_row(policy: str, never: str) -> None:
    """The runpod Job's name said 'replaces it' beside 'Pod name in RunPod; updates in
    place': what a change does is said once, in the "on change" column."""
    for found in rows():
        if found.change.partition("; ")[0] == policy:
            assert not re.search(never, found.meaning), found


def test_a_job_does_not_show_the_exceptions_of_the_pod_it_shares_inputs_with() -> None:
    assert row("runpod Pod", "data_center_ids").change.startswith("replaces it; a new list")
    assert row("runpod Job", "data_center_ids").change == "replaces it"
    assert row("celium Pod", "selector").change.startswith("replaces it; a change the rented")
    assert row("celium Job", "selector").change == "replaces it"
    assert row("runpod Job", "name").change == "replaces it"
    assert row("runpod Pod", "name").change == "in place"


def test_an_entry_name_input_changes_as_its_id_input_does() -> None:
    for kind in KINDS:
        for ref in kind.references:
            assert row(kind.title, ref.alias).change == row(kind.title, ref.field).change


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field takes (``ExecutorSelector | None`` -> ExecutorSelector)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(nested_model, get_args(annotation)) if m), None)


def test_the_placed_pods_gpu_lists_its_fields_under_it() -> None:
    names = [r.field for r in rows() if r.kind == "any Pod"]
    at = names.index("gpu")
    assert names[at + 1 : at + 4] == ["gpu.model", "gpu.count", "gpu.max_price_per_hour"]
    assert row("any Pod", "gpu").type == "object (fields below)"
    count = row("any Pod", "gpu.count")
    assert (count.type, count.default) == ("integer (>= 1, <= 16)", "1")
    assert count.change == row("any Pod", "gpu").change, "a change of it is one of gpu"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.title)
def test_every_field_of_a_nested_object_has_its_row(kind: Kind) -> None:
    names = {r.field for r in rows() if r.kind == kind.title}
    for name, info in kind.inputs.model_fields.items():
        model = nested_model(info.annotation)
        if model is not None:
            assert {f"{name}.{sub}" for sub in model.model_fields} <= names, name


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.title)
def test_only_secret_inputs_are_shown_as_secret_references(kind: Kind) -> None:
    """The placed pod's gpu and Celium's selector read 'secret: {config: KEY} or {env:
    NAME}': any object was taken for a secret reference."""
    for found in rows():
        if found.kind == kind.title and "." not in found.field:
            says_secret = "secret" in found.type
            assert says_secret == (found.field in kind.secrets), found


@pytest.mark.parametrize("kind", ["runpod Job", "celium Job"])
def test_a_jobs_max_duration_is_marked_required(kind: str) -> None:
    """It was learnt from an error at preview."""
    assert row(kind, "max_duration").required == HERE_OR_DEFAULTS
    assert row(kind, "command").required == HERE_OR_DEFAULTS
    assert row(kind, "log_lines").required == ""


def test_required_marks_follow_the_models() -> None:
    assert row("any Pod", "gpu").required == HERE_OR_DEFAULTS
    assert row("any Pod", "gpu.model").required == "yes"
    assert row("any Pod", "gpu.count").required == ""
    assert row("any Pod", "cloud").required == "yes, or give `clouds`"
    assert row("runpod Pod", "cloud").required == "yes"
    assert row("runpod RegistryAuth", "password").required == "yes", "defaults hold no secret"
    assert row("runpod Pod", "name").required == "", "the entry's name is the default"
    for kind in KINDS:
        for name, info in kind.inputs.model_fields.items():
            marked = row(kind.title, name).required
            assert bool(marked) == (info.is_required() and name != "name"), (kind.title, name)


JOB = "jobs:\n  train:\n    cloud: runpod\n    gpu_type: g\n    image: i\n    command: c\n"


@pytest.mark.parametrize(
    ("fleet", "missing"),
    [
        (JOB, ["max_duration"]),
        (JOB + "    max_duration: 2h\n", []),
        ("defaults:\n  runpod:\n    max_duration: 2h\n" + JOB, []),
        ("defaults:\n  celium:\n    max_duration: 2h\n" + JOB, ["max_duration"]),
        (JOB.replace("    command: c\n", ""), ["command", "max_duration"]),
        ("pods:\n  p:\n    clouds: [runpod]\n", ["gpu"]),
        ("pods:\n  p:\n    clouds: [runpod]\n    gpu: {count: 2}\n", ["model"]),
        ("defaults:\n  any:\n    gpu: {model: H100}\npods:\n  p:\n    clouds: [runpod]\n", []),
        ("registries:\n  r:\n    cloud: runpod\n    username: u\n", ["password"]),
    ],
)
def test_the_schema_flags_a_required_input_given_nowhere(fleet: str, missing: list[str]) -> None:
    """An editor flags what `pulumi-gpu validate` does: a job without max_duration."""
    try:
        load_fleet("fleet.yaml", fleet)
        said: list[str] = []
    except FleetError as exc:
        said = [str(problem) for problem in exc.problems]
    assert len(said) == len(missing), said
    for name in missing:
        assert any(f".{name}: required input is missing" in m for m in said), (name, said)
    validator = Draft202012Validator(fleet_schema())
    found = [
        error.message
        for error in validator.iter_errors(yaml.safe_load(fleet))
        for error in [error, *(error.context or [])]
    ]
    for name in missing:
        assert any(f"'{name}' is a required property" in m for m in found), (name, found)
    if not missing:
        assert found == []
