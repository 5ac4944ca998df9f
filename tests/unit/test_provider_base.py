"""The provider base: check turns mistakes into CheckFailures, diff classifies changes."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pulumi.output import Unknown
from pydantic import BaseModel, ConfigDict, Field

from pulumi_gpu.core.inputs import (
    DESTROYS_DATA,
    LOCAL,
    REPLACES,
    SECRET,
    UPDATES,
    ResourceInputs,
    property_path,
)
from pulumi_gpu.core.provider import PROVIDER_KEY, GpuProvider
from tests.support.checks import by_field


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpus: int = Field(1, ge=1)


class DemoInputs(ResourceInputs):
    name: str = Field(min_length=1, json_schema_extra=UPDATES)
    gpu: Literal["A100", "H100"] = Field(json_schema_extra=REPLACES)
    ports: list[int] = Field(default_factory=list, json_schema_extra=UPDATES)
    limits: Limits = Field(default_factory=Limits, json_schema_extra=UPDATES)
    size: int = Field(10, json_schema_extra=UPDATES)
    region: str = Field("eu", json_schema_extra=DESTROYS_DATA)
    allow_replacement: bool = Field(False, json_schema_extra=LOCAL)
    password: str | None = Field(None, min_length=8, json_schema_extra={**SECRET, **UPDATES})


class DemoProvider(GpuProvider[DemoInputs, Any]):
    inputs_model = DemoInputs
    kind = "demo Thing"


provider = DemoProvider()
VALID = {"name": "a", "gpu": "A100", PROVIDER_KEY: "serialized"}


def failures(news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, str]:
    result = provider.check(olds or {}, news)
    return by_field(result.failures)


def test_valid_inputs_pass_and_come_back_unchanged() -> None:
    result = provider.check({}, dict(VALID))
    assert result.failures == []
    assert result.inputs == VALID


def test_each_mistake_names_the_field_and_what_is_allowed() -> None:
    found = failures({"name": "", "gpu": "B200", "ports": [22, "x"], "limits": {"cpus": 0}})
    assert found.keys() == {"name", "gpu", "ports[1]", "limits.cpus"}
    assert "'A100' or 'H100'" in found["gpu"] and "'B200'" in found["gpu"]
    assert "greater than or equal to 1" in found["limits.cpus"]


def test_missing_and_unknown_fields() -> None:
    found = failures({"gpu": "A100", "nmae": "x", "limits": {"cpu": 2}})
    assert found["name"] == "required input is missing"
    assert "did you mean 'name'" in found["nmae"]
    assert "did you mean 'cpus'" in found["limits.cpu"]


def test_secret_values_are_never_echoed() -> None:
    found = failures({**VALID, "password": "short"})
    assert "short" not in found["password"]


def test_values_unknown_during_preview_are_not_judged() -> None:
    assert failures({"name": Unknown(), "gpu": Unknown(), "limits": {"cpus": Unknown()}}) == {}
    assert failures({"name": Unknown(), "gpu": "B200"}).keys() == {"gpu"}


def test_data_holding_fields_cannot_change_without_consent() -> None:
    olds = {**VALID, "region": "eu"}
    found = failures({**VALID, "region": "us"}, olds)
    assert "deletes the data" in found["region"] and "allow_replacement=true" in found["region"]
    assert failures({**VALID, "region": "us", "allow_replacement": True}, olds) == {}
    assert failures({**VALID, "region": "us"}) == {}, "a new resource has no data yet"


def test_diff_classifies_each_field_and_ignores_the_provider() -> None:
    olds = {**VALID, "size": 10.0, "status": "RUNNING", "id_output": "x"}
    same = provider.diff("id", olds, {**VALID, "size": 10, PROVIDER_KEY: "other"})
    assert same.changes is False and same.replaces == []

    update = provider.diff("id", olds, {**VALID, "size": 20})
    assert update.changes is True and update.replaces == []

    replace = provider.diff("id", olds, {**VALID, "gpu": "H100", "limits": {"cpus": 4}})
    assert replace.changes is True and replace.replaces == ["gpu"]


def test_defaults_count_as_the_same_value() -> None:
    olds = {**VALID, "size": 10, "ports": [], "region": "eu"}
    assert provider.diff("id", olds, dict(VALID)).changes is False


def test_unknown_new_values_count_as_changes() -> None:
    result = provider.diff("id", dict(VALID), {**VALID, "gpu": Unknown()})
    assert result.changes and result.replaces == ["gpu"]


@pytest.mark.parametrize(
    ("loc", "path"),
    [(("a",), "a"), (("a", 1, "b"), "a[1].b"), ((), ""), (("a", "b", 0), "a.b[0]")],
)
def test_property_paths(loc: tuple[Any, ...], path: str) -> None:
    assert property_path(loc) == path
