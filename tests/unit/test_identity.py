"""Ownership marks and the names pulumi-gpu gives (see ``pulumi_gpu.core.identity``)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_gpu.core.identity import (
    NameRule,
    Owner,
    Whose,
    compose_name,
    ownership,
    resource_hash,
    resource_key,
    tag_of,
)
from pulumi_gpu.fleet.kinds import KINDS

STACK = "3f9a1c0e7b52"
OTHER_STACK = "9b8c7d6e5f40"


def owner_of(name: str, stack: str = STACK) -> Owner:
    return Owner(stack, resource_hash(resource_key("pulumi-python:dynamic/runpod:Pod", name)))


def test_an_owner_reads_back_from_its_text() -> None:
    owner = owner_of("trainer")
    assert Owner.parse(str(owner)) == owner
    assert Owner.parse("3f9a1c0e7b52") is None
    assert Owner.parse(None) is None


def test_names_that_lose_everything_but_ascii_stay_apart() -> None:
    prefix = "gpu-fleet-dev-"
    train, infer = (compose_name(prefix + n, owner_of(n).tag) for n in ("训练", "推理"))
    assert train != infer
    assert train.startswith("gpu-fleet-dev-") and train.isascii()


def test_long_names_that_differ_at_the_end_stay_apart_within_the_limit() -> None:
    base = "gpu-fleet-dev-" + "very-long-resource-name-" * 4
    a, b = (compose_name(base + end, owner_of(base + end).tag) for end in ("a", "b"))
    assert a != b
    assert len(a) <= 63 and len(b) <= 63
    assert a.startswith("gpu-fleet-dev-very-long")


def test_a_name_is_the_same_for_one_resource_and_differs_between_stacks() -> None:
    one = compose_name("p-s-trainer", owner_of("trainer").tag)
    assert one == compose_name("p-s-trainer", owner_of("trainer").tag)
    assert one != compose_name("p-s-trainer", owner_of("trainer", OTHER_STACK).tag)


@pytest.mark.parametrize("kind", [k for k in KINDS if "name" in k.inputs.model_fields], ids=str)
def test_every_kind_takes_the_names_it_is_given(kind: Any) -> None:
    """The names the core gives pass each kind's own rules for its name input."""
    provider = kind.provider
    for prefix in ("My_Project-dev-训练__0", "p-s-" + "x" * 200, "项目-堆栈-名"):
        name = compose_name(prefix, owner_of(prefix).tag, provider.name_rule)
        blank = kind.inputs.model_construct()
        try:
            kind.inputs.__pydantic_validator__.validate_assignment(blank, "name", name)
        except ValidationError as exc:  # rules across fields fail on the blank; not the name's
            assert [e for e in exc.errors() if e["loc"] == ("name",)] == [], (name, exc)


def test_the_rule_of_lower_case_clouds_is_kept() -> None:
    name = compose_name(
        "My_Project-Dev-Trainer", owner_of("t").tag, NameRule(lower=True, underscores=False)
    )
    assert name == name.lower() and "_" not in name


def test_whose_an_object_is() -> None:
    mine = owner_of("trainer")
    named = compose_name("p-s-trainer", mine.tag)
    assert ownership(mine, named, None).whose is Whose.OURS
    assert ownership(mine, "by-hand", None).whose is Whose.UNPROVEN
    assert ownership(mine, "by-hand", str(mine)).whose is Whose.OURS
    theirs = owner_of("trainer", OTHER_STACK)
    foreign = ownership(mine, compose_name("p-s-trainer", theirs.tag), None)
    assert foreign.whose is Whose.FOREIGN and foreign.mark == f"{OTHER_STACK[:6]}.{theirs.resource}"
    assert ownership(mine, named, str(theirs)).whose is Whose.FOREIGN
    assert ownership(None, named, None).whose is Whose.FOREIGN


def test_tags_are_not_mistaken_for_uuid_tails() -> None:
    assert tag_of("pod-1f2e3d4c-5b6a-4978-8a7b-6c5d4e3f2a1b") is None
    assert tag_of(compose_name("x", owner_of("x").tag)) is not None
