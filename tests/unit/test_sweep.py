"""What the sweep counts as held, and what it lists (``pulumi_gpu.sweep``)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_gpu.core.errors import ConfigurationError, GpuCloudError, NotFoundError
from pulumi_gpu.core.identity import Inventoried, Owner, compose_name
from pulumi_gpu.core.stack_identity import IDENTITY_TYPE
from pulumi_gpu.sweep import Holdings, Leftover, delete, leftovers

OURS = Owner("3f9a1c0e7b52", "7d2ae8b1")
GONE = Owner("9b8c7d6e5f40", "11223344")


def _export(*resources: dict[str, Any], pending: tuple[dict[str, Any], ...] = ()) -> Any:
    ops = [{"resource": r, "type": "creating"} for r in pending]
    return {"deployment": {"resources": list(resources), "pending_operations": ops}}


def _res(kind: str, id_: str, **outputs: Any) -> dict[str, Any]:
    return {"type": f"pulumi-python:dynamic/{kind}", "id": id_, "outputs": outputs}


class Lister:
    kind = "runpod Pod"

    def __init__(self, *found: Inventoried, refuse: bool = False) -> None:
        self.found, self.refuse = found, refuse

    def inventory(self) -> list[Inventoried]:
        if self.refuse:
            raise ConfigurationError("runpod API key is not configured")
        return list(self.found)


def test_a_stack_holds_its_ids_names_placed_pods_and_pending_creates() -> None:
    holdings = Holdings()
    exported = _export(
        {"type": IDENTITY_TYPE, "id": OURS.stack},
        _res("runpod:Pod", "pod-1", name="a"),
        _res("market:Pod", "celium/pod-2", name="b"),
        pending=({"type": "pulumi-python:dynamic/celium:Job", "inputs": {"name": "c"}},),
    )
    holdings.add_stack("organization/p/dev", exported)
    assert {("runpod", "pod-1"), ("runpod", "a"), ("celium", "pod-2"), ("celium", "b")} <= (
        holdings.held
    )
    assert ("celium", "c") in holdings.held, "a pending create's object is the next up's"
    assert holdings.stacks == {OURS.stack: "organization/p/dev"}
    assert holdings.whose(OURS.stack[:6]) == "organization/p/dev"
    assert holdings.whose(GONE.stack[:6]) is None


def test_a_stack_of_the_provider_plugin_holds_its_objects_and_identity() -> None:
    holdings = Holdings()
    exported = _export(
        {"type": "pulumi:providers:pulumi-gpu", "id": "p1", "inputs": {"stackId": OURS.stack}},
        {"type": "pulumi-gpu:runpod:Pod", "id": "pod-1", "outputs": {"name": "a"}},
        {"type": "pulumi-gpu:index:Pod", "id": "primeintellect/pod-2", "outputs": {"name": "b"}},
        pending=({"type": "pulumi-gpu:celium:Job", "inputs": {"name": "c"}},),
    )
    holdings.add_stack("organization/yaml-fleet/dev", exported)
    assert holdings.held == {
        ("runpod", "pod-1"),
        ("runpod", "a"),
        ("primeintellect", "pod-2"),
        ("primeintellect", "b"),
        ("celium", "c"),
    }
    assert holdings.whose(OURS.stack[:6]) == "organization/yaml-fleet/dev"


def test_only_marked_objects_no_stack_holds_are_listed() -> None:
    holdings = Holdings()
    holdings.add_stack("dev", _export({"type": IDENTITY_TYPE, "id": OURS.stack}))
    holdings.add_stack("dev", _export(_res("runpod:Pod", "held-by-id", name="x")))
    held = Inventoried("held-by-id", compose_name("p-dev-a", OURS.tag))
    ours_lost = Inventoried("lost", compose_name("p-dev-b", OURS.tag))
    theirs = Inventoried("env-marked", "named-by-hand", mark=str(GONE))
    by_hand = Inventoried("hand", "named-by-hand")
    lister: Any = Lister(held, ours_lost, theirs, by_hand)
    skipped: list[str] = []
    found = leftovers(
        [("runpod", "Pod", lister), ("celium", "Pod", Lister(refuse=True))],  # type: ignore[list-item]
        holdings,
        skipped=lambda cloud, why: skipped.append(cloud),
    )
    assert [(f.found.id, f.marked_by) for f in found] == [
        ("lost", "dev (3f9a1c)"),
        ("env-marked", "unknown stack (9b8c7d)"),
    ]
    assert skipped == ["celium"], "a cloud without credentials is said, not swept"
    lost, foreign = found
    assert lost.of(["dev"], []) and not foreign.of(["dev"], []), "--stack: what it marked"
    assert foreign.of([], ["9b8c"]) and not lost.of([], ["9b8c"]), "--mark: by its hex"


def test_a_stack_is_named_in_full_or_by_its_last_parts_and_never_guessed() -> None:
    holdings = Holdings()
    for name in ("org/p/dev", "org/q/dev", "org/p/prod"):
        holdings.add_stack(name, _export())
    assert holdings.named("org/p/dev") == "org/p/dev"
    assert holdings.named("prod") == holdings.named("p/prod") == "org/p/prod"
    with pytest.raises(GpuCloudError, match="--stack dev names more than one"):
        holdings.named("dev")
    with pytest.raises(GpuCloudError, match="--stack staging is none of"):
        holdings.named("staging")


class Deleter:
    def __init__(self, kind: str, log: list[str]) -> None:
        self.kind, self.log = kind, log

    def delete_object(self, id_: str, state: Any) -> None:
        self.log.append(id_)
        raise NotFoundError("test", "DELETE", f"/{id_}", 404, "gone")  # counts as deleted


def test_pods_and_jobs_are_deleted_before_the_templates_and_disks_they_use() -> None:
    log: list[str] = []
    found = [
        Leftover(cloud, kind, Deleter(kind, log), Inventoried(id_, None), "9b8c7d", None)  # type: ignore[arg-type]
        for cloud, kind, id_ in [
            ("celium", "Template", "tpl"),
            ("celium", "Pod", "pod"),
            ("gpudev", "Disk", "disk"),
            ("gpudev", "Job", "job"),
        ]
    ]
    assert delete(found, lambda line: None) == []
    assert log == ["job", "disk", "pod", "tpl"]


def test_the_clouds_a_command_narrows_to_are_the_clouds_of_the_kinds() -> None:
    from pulumi_gpu.cli import CLOUDS
    from pulumi_gpu.fleet.kinds import PLACED, clouds
    from pulumi_gpu.market.offers import CLOUDS as OFFERED

    assert sorted(CLOUDS) == sorted(set(clouds()) - {PLACED}) == sorted(OFFERED)
