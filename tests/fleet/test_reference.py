"""The fleet reference says what a reader needs, once: each field's one update policy."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from pulumi_gpu.fleet.kinds import KINDS
from pulumi_gpu.fleet.reference import CHANGES, DESTROYS_DATA, reference_text

HEADER = "| field | type and allowed values | default | on change | meaning |"


@dataclass(frozen=True)
class Row:
    kind: str
    field: str
    type: str
    default: str
    change: str
    meaning: str


def rows() -> list[Row]:
    """Every field row of the reference, with the kind whose table holds it."""
    found: list[Row] = []
    kind = ""
    for line in reference_text().splitlines():
        if line.startswith("### "):
            kind = line[len("### ") :]
        elif line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            name, type_, default, change, meaning = cells
            found.append(Row(kind, name.strip("`"), type_, default, change, meaning))
    return found


def row(kind: str, field: str) -> Row:
    return next(r for r in rows() if r.kind == kind and r.field == field)


def test_every_row_states_one_policy() -> None:
    """One of the policies, then (after '; ') the changes its kind treats otherwise."""
    said = (DESTROYS_DATA, *CHANGES.values())
    for found in rows():
        assert found.change.partition("; ")[0] in said, found


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
