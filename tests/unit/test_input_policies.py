"""Every input of every kind says what its change does, and every secret is typed secret."""

from __future__ import annotations

import re

import pytest
from pydantic import Field

from pulumi_gpu.core.inputs import REPLACES, UPDATES, ResourceInputs
from pulumi_gpu.core.resource import Machine
from pulumi_gpu.fleet.kinds import KINDS, Kind

SECRET_NAME = re.compile(r"(^|_)(env|env_vars|environment|password|token|secret|credentials?)$")
PUBLIC = {"ssh_public_keys"}
"""Names that look secret but hold public values."""


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.title)
def test_every_input_declares_one_update_policy(kind: Kind) -> None:
    assert kind.inputs.undeclared_fields() == [], (
        f"{kind.title}: declare each field REPLACES, UPDATES or LOCAL (exactly one)"
    )


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.title)
def test_secret_looking_inputs_are_secret(kind: Kind) -> None:
    looks_secret = {n for n in kind.inputs.model_fields if SECRET_NAME.search(n)} - PUBLIC
    assert looks_secret <= kind.inputs.secret_fields()


def test_an_undeclared_field_is_caught() -> None:
    class Loose(ResourceInputs):
        name: str

    assert Loose.undeclared_fields() == ["name"]


def test_a_field_with_two_policies_is_caught() -> None:
    class Torn(ResourceInputs):
        name: str = Field(json_schema_extra={**REPLACES, **UPDATES})

    assert Torn.undeclared_fields() == ["name"]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.title)
def test_outputs_never_shadow_an_input(kind: Kind) -> None:
    """State holds inputs and outputs in one map: an output named like an input would
    overwrite it, and the next preview would see a change that nobody made."""
    shared = set(Machine.output_names()) | {"status", "cloud_status", "account"}
    assert shared.isdisjoint(kind.inputs.model_fields)
