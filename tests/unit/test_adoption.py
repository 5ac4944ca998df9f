"""adopt_id: every kind takes over an existing object through the same core path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
from pydantic import Field

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.errors import GpuCloudError, NotFoundError
from pulumi_gpu.core.inputs import REPLACES, SECRET, UPDATES, ResourceInputs
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from tests.support.checks import by_field


class BoxInputs(ResourceInputs):
    name: str = Field(json_schema_extra=UPDATES)
    gpu: str = Field(json_schema_extra=REPLACES)
    token: str | None = Field(None, json_schema_extra={**SECRET, **REPLACES})
    wait_timeout: float = Field(5.0, json_schema_extra={"local": True})


@dataclass(frozen=True)
class Box:
    id: str
    name: str
    gpu: str
    status: str = "RUNNING"


class Account:
    def account(self) -> str:
        return "me"


class BoxProvider(GpuProvider[BoxInputs, Box]):
    """An in-memory cloud: what the lifecycle asked of it is kept for the tests."""

    inputs_model = BoxInputs
    kind = "test Box"

    def __init__(self, *boxes: Box) -> None:
        self.boxes = {b.id: b for b in boxes}
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.renamed: list[str] = []

    def client(self) -> Any:
        return Account()

    def find(self, inputs: BoxInputs) -> list[Box]:
        return [b for b in self.boxes.values() if b.name == inputs.name]

    def create_object(self, inputs: BoxInputs, token: str) -> Box:
        box = Box(f"b-new-{len(self.created)}", inputs.name, inputs.gpu)
        self.created.append(box.id)
        self.boxes[box.id] = box
        return box

    def object_id(self, obj: Box) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> Box:
        if id_ not in self.boxes:
            raise NotFoundError("test", "GET", f"/boxes/{id_}", 404, "no such box")
        return self.boxes[id_]

    def observe(self, obj: Box) -> Observed[Box]:
        phase = {"RUNNING": Phase.READY, "BOOTING": Phase.PENDING, "BROKEN": Phase.FAILED}
        return Observed(phase[obj.status], obj.status, obj=obj)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.deleted.append(id_)

    def outputs(self, obj: Box, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": obj.name, "gpu": obj.gpu}

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: BoxInputs, changed: set[str]
    ) -> set[str]:
        if "name" in changed:
            self.renamed.append(inputs.name)
            self.boxes[id_] = replace(self.boxes[id_], name=inputs.name)
        return changed & {"name"}


DECLARED = {"name": "trainer", "gpu": "H100"}


def test_a_missing_object_is_refused_at_preview() -> None:
    found = by_field(BoxProvider().check({}, {**DECLARED, "adopt_id": "b-9"}).failures)
    assert found.keys() == {"adopt_id"}
    assert "no test Box b-9 exists for the configured credentials (me)" in found["adopt_id"]


def test_a_difference_that_replaces_is_refused_naming_both_values() -> None:
    cloud = BoxProvider(Box("b-1", "by-hand", "A100"))
    found = by_field(cloud.check({}, {**DECLARED, "adopt_id": "b-1"}).failures)
    assert "gpu is 'A100', declared 'H100'" in found["adopt_id"]
    assert "declare it as it is" in found["adopt_id"]
    assert "name" not in found["adopt_id"], "a rename is applied, not refused"


def test_a_secret_difference_is_refused_without_showing_it() -> None:
    cloud = BoxProvider(Box("b-1", "by-hand", "H100"))
    cloud.outputs = lambda obj, state: {"token": "live-secret-value"}  # type: ignore[method-assign]
    found = by_field(
        cloud.check({}, {**DECLARED, "token": "declared-secret", "adopt_id": "b-1"}).failures
    )
    assert "token differs (secret)" in found["adopt_id"]
    assert "secret-value" not in found["adopt_id"] and "declared-secret" not in found["adopt_id"]


def test_a_failed_object_cannot_be_adopted() -> None:
    cloud = BoxProvider(Box("b-1", "trainer", "H100", status="BROKEN"))
    found = by_field(cloud.check({}, {**DECLARED, "adopt_id": "b-1"}).failures)
    assert "b-1 is BROKEN (failed): it cannot be adopted" in found["adopt_id"]


def test_adopting_applies_in_place_differences_and_creates_nothing() -> None:
    cloud = BoxProvider(Box("b-2", "by-hand", "H100"))
    assert cloud.check({}, {**DECLARED, "adopt_id": "b-2"}).failures == []
    made = cloud.create({**DECLARED, "adopt_id": "b-2"})
    assert made.id == "b-2"
    assert cloud.created == [] and cloud.renamed == ["trainer"]
    assert made.outs is not None
    assert made.outs["name"] == "trainer" and made.outs["status"] == "ready"
    assert made.outs["adopt_id"] == "b-2"


def test_an_object_is_adopted_once() -> None:
    cloud = BoxProvider(Box("b-3", "trainer", "H100"))
    cloud.create({**DECLARED, "adopt_id": "b-3"})
    with pytest.raises(GpuCloudError, match="already managed by this stack"):
        cloud.create({**DECLARED, "adopt_id": "b-3"})


def test_an_adopted_object_that_never_becomes_ready_is_left_as_it_was() -> None:
    cloud = BoxProvider(Box("b-4", "trainer", "H100", status="BOOTING"))
    with pytest.raises(GpuCloudError, match="BOOTING"):
        cloud.create({**DECLARED, "adopt_id": "b-4", "wait_timeout": 0.3})
    assert cloud.deleted == [], "what was adopted is not deleted by a failed create"


def test_adopt_id_applies_only_at_create() -> None:
    olds = {**DECLARED, "adopt_id": "b-5"}
    cloud = BoxProvider()
    assert cloud.check(olds, dict(olds)).failures == []
    assert cloud.check(olds, dict(DECLARED)).failures == [], "it may be removed afterwards"
    found = by_field(cloud.check(olds, {**DECLARED, "adopt_id": "b-6"}).failures)
    assert "used only when the resource is created" in found["adopt_id"]
    found = by_field(cloud.check(DECLARED, {**DECLARED, "adopt_id": "b-6"}).failures)
    assert "used only when the resource is created" in found["adopt_id"]


def test_replacing_what_was_adopted_creates_a_new_object() -> None:
    cloud = BoxProvider(Box("b-7", "trainer", "H100"))
    adopted = cloud.create({**DECLARED, "adopt_id": "b-7"})
    assert adopted.outs is not None
    edited = {**DECLARED, "gpu": "A100", "adopt_id": "b-7"}
    assert cloud.diff("b-7", adopted.outs, edited).replaces == ["gpu"]
    assert cloud.check({}, edited).failures == [], "the engine checks a replacement anew"
    replacement = cloud.create(edited)
    assert replacement.id == "b-new-0" and cloud.created == ["b-new-0"]


@pytest.fixture(autouse=True)
def _fresh_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "claims", lifecycle.Claims())
