"""What the sweep counts as held, and what it lists (``pulumi_gpu.sweep``)."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.core.errors import ConfigurationError
from pulumi_gpu.core.identity import Inventoried, Owner, compose_name
from pulumi_gpu.core.stack_identity import IDENTITY_TYPE
from pulumi_gpu.sweep import Holdings, leftovers

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
    assert holdings.whose(OURS.stack[:6]) == "organization/p/dev (3f9a1c)"
    assert holdings.whose(GONE.stack[:6]) == "unknown stack (9b8c7d)"


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
    assert [(f.found.id, f.owner) for f in found] == [
        ("lost", "dev (3f9a1c)"),
        ("env-marked", "unknown stack (9b8c7d)"),
    ]
    assert skipped == ["celium"], "a cloud without credentials is said, not swept"
