"""The provider base: check turns mistakes into CheckFailures, diff classifies changes."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pytest
from pulumi.output import Unknown
from pydantic import BaseModel, ConfigDict, Field

from pulumi_gpu.core.identity import DEFAULT_NAME_KEY, OWNER_KEY
from pulumi_gpu.core.inputs import (
    DESTROYS_DATA,
    LOCAL,
    PROVIDER_KEY,
    REPLACES,
    SECRET,
    UPDATES,
    ResourceInputs,
    property_path,
    references,
)
from pulumi_gpu.core.log import REDACTED, redacted
from pulumi_gpu.core.provider import GpuProvider
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


# -- names, owners and references: what check settles ------------------------------------


def test_a_name_the_program_gives_wins_then_the_recorded_one_then_the_proposal() -> None:
    proposed = {**VALID, DEFAULT_NAME_KEY: "p-s-a-3f9a1c-7d2ae8b1"}
    del proposed["name"]
    assert provider.check({}, dict(proposed)).inputs["name"] == "p-s-a-3f9a1c-7d2ae8b1"
    recorded = {"name": "gpu-fleet-dev-a", "gpu": "A100"}  # named by an older release
    assert provider.check(recorded, dict(proposed)).inputs["name"] == "gpu-fleet-dev-a"
    given = {**proposed, "name": "mine"}
    assert provider.check(recorded, given).inputs["name"] == "mine"
    assert DEFAULT_NAME_KEY not in provider.check({}, dict(proposed)).inputs


def test_the_owner_passes_check_beside_the_inputs() -> None:
    result = provider.check({}, {**VALID, OWNER_KEY: "3f9a1c0e7b52.7d2ae8b1"})
    assert result.failures == [] and result.inputs[OWNER_KEY] == "3f9a1c0e7b52.7d2ae8b1"


class Volumes(ResourceInputs):
    name: str = Field(json_schema_extra=UPDATES)
    volume_id: str | None = Field(None, json_schema_extra=references("disks"))
    key_ids: list[str] = Field(default_factory=list, json_schema_extra=references("ssh_keys"))


class VolumeUser(GpuProvider[Volumes, Any]):
    inputs_model = Volumes
    kind = "demo User"
    existing: ClassVar[set[str]] = {"vol-1", "key-1"}
    asked: ClassVar[list[str]] = []

    def client(self) -> Any:
        return type("Client", (), {"account": lambda self: "acct"})()

    def reference_exists(self, field: str, value: str) -> bool | None:
        self.asked.append(value)
        return value in self.existing


def test_a_reference_to_nothing_is_refused_at_preview() -> None:
    """GPU Dev would make the disk a job names (no resource would own it): refused."""
    user = VolumeUser()
    result = user.check({}, {"name": "u", "volume_id": "vol-9", "key_ids": ["key-1", "key-2"]})
    found = by_field(result.failures)
    assert found.keys() == {"volume_id", "key_ids"}
    assert "no disk 'vol-9' exists" in found["volume_id"]
    assert "no ssh key 'key-2' exists" in found["key_ids"]


def test_references_not_known_yet_or_held_already_are_not_looked_up() -> None:
    user = VolumeUser()
    user.asked.clear()
    olds = {"name": "u", "volume_id": "vol-gone"}
    assert user.check(olds, {"name": "u", "volume_id": "vol-gone"}).failures == []
    assert user.check({}, {"name": "u", "volume_id": Unknown()}).failures == []
    assert user.asked == []


def test_a_name_this_program_declares_passes_only_on_its_own_cloud() -> None:
    """The disk a job names may be made by the same program (first, as its output is
    passed): not looked up. A same-named object of another cloud is no such disk."""

    class Disk(GpuProvider[Volumes, Any]):
        inputs_model = Volumes
        kind = "demo Disk"

    class OtherCloudDisk(Disk):
        kind = "other Volume"

    OtherCloudDisk().check({}, {"name": "shared-data"})
    user = VolumeUser()
    refused = user.check({}, {"name": "u", "volume_id": "shared-data"}).failures
    assert "no disk 'shared-data' exists" in by_field(refused)["volume_id"]
    Disk().check({}, {"name": "shared-data"})
    assert user.check({}, {"name": "u", "volume_id": "shared-data"}).failures == []


# -- secrets: nothing derived from a run carries one --------------------------------------


def test_outputs_derived_from_a_run_never_carry_a_secret_input() -> None:
    provider.hide_secrets({"password": "hunter2-token"})
    shown = provider.shown(
        {"log_tail": "token is hunter2-token", "password": "hunter2-token", "size": 10}
    )
    assert shown == {"log_tail": f"token is {REDACTED}", "password": "hunter2-token", "size": 10}
    assert redacted({"a": ["x hunter2-token y"]}) == {"a": [f"x {REDACTED} y"]}
    assert redacted("short1 is left") == "short1 is left"
