"""Every input of every kind says what its change does, and every secret is typed secret."""

from __future__ import annotations

import re

import pytest
from pydantic import Field

from pulumi_gpu.core.inputs import EXCEPTION, REPLACES, UPDATES, ResourceInputs, policy_of
from pulumi_gpu.core.resource import Machine
from pulumi_gpu.fleet.kinds import KINDS, Kind
from pulumi_gpu.market import pod as placed
from pulumi_gpu.primeintellect import pod_inputs as prime

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


def excepted(model: type[ResourceInputs], policy: str) -> set[str]:
    """The fields of ``model`` whose ``policy`` has an exception."""
    return {
        name
        for name, info in model.model_fields.items()
        if policy_of(info.json_schema_extra) == policy and EXCEPTION in info.json_schema_extra  # type: ignore[operator]
    }


def test_exceptions_are_declared_on_the_fields_whose_changes_the_kinds_judge() -> None:
    """What the diffs judge by their own lists, the fields say beside their policy."""
    assert excepted(placed.PodInputs, "replaceOnChange") == set(placed.PLACEMENT_FIELDS)
    assert excepted(placed.PodInputs, "updateInPlace") == set(placed.CONTAINER_FIELDS)
    assert excepted(prime.PodInputs, "replaceOnChange") == set(prime.OFFER_FIELDS)
