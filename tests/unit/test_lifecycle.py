"""The lifecycle in the core, on an in-memory cloud: create once, wait, clean up, repair.

The kind under test declares only its hooks (as every real kind does); every behaviour
asserted here is the core's, so it holds for all kinds.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import pytest
from pydantic import Field

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import (
    ForeignObject,
    GpuCloudError,
    NotFoundError,
    ResourceFailed,
    ServerError,
    WaitTimeout,
)
from pulumi_gpu.core.identity import OWNER_KEY, Owner, compose_name
from pulumi_gpu.core.inputs import (
    LOCAL,
    PROVIDER_KEY,
    REPLACES,
    UPDATES,
    MachineInputs,
    ResourceInputs,
)
from pulumi_gpu.core.phases import Observed, Phase, StatusMap
from pulumi_gpu.core.provider import GpuProvider, Replacement


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_GPU_POLL_SECONDS", "0.01")
    monkeypatch.setattr(lifecycle, "claims", lifecycle.Claims())
    use_stack_config({})


@dataclass
class Box:
    id: str
    name: str
    statuses: list[str]
    """What the next reads see, one status per read; the last one stays."""
    size: int = 1
    label: str = ""

    @property
    def status(self) -> str:
        return self.statuses[0]

    def read(self) -> Box:
        seen = replace(self, statuses=list(self.statuses))
        if len(self.statuses) > 1:
            self.statuses.pop(0)
        return seen


@dataclass
class Cloud:
    """An in-memory cloud; ``lose`` says what happens to the next creates' answers."""

    boxes: dict[str, Box] = field(default_factory=dict)
    lose: list[str] = field(default_factory=list)
    """"after": the box is made, the answer lost; "before": nothing made, 5xx."""
    boot: list[str] = field(default_factory=lambda: ["BOOTING", "RUNNING"])
    hidden_reads: int = 0
    """Reads of a new box that answer 404 (a cloud that shows new objects late)."""
    creates: int = 0
    deletes: list[str] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: (f"box-{n}" for n in itertools.count(1)))

    def create(self, name: str, size: int = 1) -> Box:
        self.creates += 1
        fault = self.lose.pop(0) if self.lose else None
        if fault == "before":
            raise ServerError("fake", "POST", "/boxes", 503, "down", outcome_unknown=True)
        box = Box(next(self.ids), name, list(self.boot), size)
        self.boxes[box.id] = box
        if fault == "after":
            raise ServerError("fake", "POST", "/boxes", 500, "boom", outcome_unknown=True)
        return box.read()


CLOUD = Cloud()
OWNER = Owner("3f9a1c0e7b52", "7d2ae8b1")
NAME = compose_name("p-s-b", OWNER.tag)
"""The name the core gives the box of the resource of OWNER."""
PHASES = StatusMap(
    {"BOOTING": Phase.PENDING, "RUNNING": Phase.READY, "OFF": Phase.STOPPED, "BROKEN": Phase.FAILED}
)


class BoxInputs(ResourceInputs):
    name: str = Field(json_schema_extra=UPDATES)
    size: int = Field(1, json_schema_extra=REPLACES)
    label: str = Field("", json_schema_extra=UPDATES)
    wait_timeout: float = Field(5, json_schema_extra=LOCAL)


class FakeClient:
    def __init__(self, account: str = "account-a") -> None:
        self._account = account

    def account(self) -> str:
        return self._account


class BoxProvider(GpuProvider[BoxInputs, Box]):
    inputs_model = BoxInputs
    kind = "fake Box"
    visible_after = 0.3
    look_for_lost = 0.3
    startable = True
    account_name: ClassVar[str] = "account-a"
    applies: ClassVar[set[str]] = {"name", "label"}
    plan: ClassVar[Replacement] = Replacement()

    def client(self) -> Any:
        return FakeClient(self.account_name)

    def find(self, inputs: BoxInputs) -> list[Box]:
        return [b.read() for b in CLOUD.boxes.values() if b.name == inputs.name]

    def create_object(self, inputs: BoxInputs, token: str) -> Box:
        return CLOUD.create(inputs.name, inputs.size)

    def object_id(self, obj: Box) -> str:
        return obj.id

    def fetch(self, id_: str, state: Mapping[str, Any]) -> Box | None:
        box = CLOUD.boxes.get(id_)
        if box is None:
            return None
        if CLOUD.hidden_reads:
            CLOUD.hidden_reads -= 1
            return None
        return box.read()

    def observe(self, obj: Box) -> Observed[Box]:
        phase = PHASES(obj.status)
        return Observed(phase, obj.status, "it broke" if phase is Phase.FAILED else None, obj)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        if id_ not in CLOUD.boxes:
            raise NotFoundError("fake", "DELETE", f"/boxes/{id_}", 404, "gone")
        CLOUD.deletes.append(id_)
        del CLOUD.boxes[id_]

    def outputs(self, obj: Box, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"size_seen": obj.size}

    def reflect(self, obj: Box, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": obj.name, "size": obj.size, "label": obj.label}

    def start_object(self, id_: str, state: Mapping[str, Any]) -> None:
        CLOUD.boxes[id_].statuses = ["BOOTING", "RUNNING"]

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: BoxInputs, changed: set[str]
    ) -> set[str]:
        applied = changed & self.applies
        if "label" in applied:
            CLOUD.boxes[id_].label = inputs.label
        return applied

    def replacement(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Replacement:
        return self.plan


@pytest.fixture(autouse=True)
def cloud() -> Cloud:
    global CLOUD
    CLOUD = Cloud()
    BoxProvider.account_name = "account-a"
    BoxProvider.applies = {"name", "label"}
    BoxProvider.plan = Replacement()
    return CLOUD


def create(name: str = NAME, **inputs: Any) -> tuple[str, dict[str, Any]]:
    props = {"name": name, **inputs, OWNER_KEY: str(OWNER), PROVIDER_KEY: "p"}
    result = BoxProvider().create(props)
    return result.id, result.outs


def test_create_waits_until_ready_and_reports_the_shared_outputs(cloud: Cloud) -> None:
    id_, outs = create()
    assert (outs["status"], outs["cloud_status"], outs["account"]) == (
        "ready",
        "RUNNING",
        "account-a",
    )
    assert list(cloud.boxes) == [id_] and cloud.creates == 1


def test_a_lost_answer_is_looked_for_and_adopted(cloud: Cloud) -> None:
    cloud.lose = ["after"]
    id_, _ = create()
    assert cloud.creates == 1 and list(cloud.boxes) == [id_]


def test_a_5xx_before_acting_creates_again(cloud: Cloud) -> None:
    cloud.lose = ["before"]
    id_, _ = create()
    assert cloud.creates == 2 and list(cloud.boxes) == [id_]


def test_unanswered_creates_stop_after_three_and_say_what_happens_next(cloud: Cloud) -> None:
    cloud.lose = ["before"] * 3
    with pytest.raises(GpuCloudError, match="next `pulumi up` adopts it"):
        create()
    assert cloud.creates == 3 and cloud.boxes == {}


def test_what_an_interrupted_run_left_is_adopted_not_made_again(cloud: Cloud) -> None:
    left = cloud.create(NAME)
    id_, outs = create()
    assert id_ == left.id and cloud.creates == 1 and outs["status"] == "ready"


def test_a_leftover_gets_what_the_inputs_changed_in_place_since(cloud: Cloud) -> None:
    left = cloud.create(NAME)
    id_, _ = create(label="new")
    assert id_ == left.id and cloud.creates == 1 and cloud.boxes[id_].label == "new"


def test_a_leftover_made_for_inputs_that_replace_it_is_deleted_and_made_anew(
    cloud: Cloud,
) -> None:
    """Killed mid-boot, then edited: the old box is not adopted as it is (a stale adoption
    would record the new inputs on the old box)."""
    left = cloud.create(NAME, size=1)
    id_, outs = create(size=2)
    assert left.id in cloud.deletes and id_ != left.id
    assert cloud.boxes[id_].size == 2 and outs["size_seen"] == 2


def test_a_failed_leftover_is_deleted_and_a_new_one_made(cloud: Cloud) -> None:
    left = cloud.create(NAME)
    cloud.boxes[left.id].statuses = ["BROKEN"]
    id_, _ = create()
    assert left.id in cloud.deletes and id_ != left.id and list(cloud.boxes) == [id_]


def test_two_leftovers_are_not_guessed_between(cloud: Cloud) -> None:
    cloud.create(NAME)
    cloud.create(NAME)
    with pytest.raises(GpuCloudError, match="2 objects of this resource exist"):
        create()


def test_an_object_of_the_name_without_a_mark_is_never_taken(cloud: Cloud) -> None:
    """An explicit name that a box made by hand holds: refused, the box untouched."""
    by_hand = cloud.create("b")
    cloud.boxes[by_hand.id].statuses = ["BROKEN"]  # not even a failed one is deleted
    with pytest.raises(ForeignObject, match=r"cannot prove it made.*adopt_id='box-1'"):
        create("b")
    assert list(cloud.boxes) == [by_hand.id] and cloud.deletes == [] and cloud.creates == 1


def test_an_object_bearing_another_stacks_mark_is_never_taken(cloud: Cloud) -> None:
    theirs = Owner("9b8c7d6e5f40", OWNER.resource)  # the same resource of a same-named stack
    other = cloud.create(compose_name("p-s-b", theirs.tag))
    with pytest.raises(ForeignObject, match="bears the mark of another pulumi-gpu resource"):
        create(other.name)
    assert list(cloud.boxes) == [other.id] and cloud.deletes == []


def test_an_object_the_state_holds_is_never_adopted(cloud: Cloud) -> None:
    old = cloud.create("b")
    provider = BoxProvider()
    provider.diff(old.id, {"name": "b", "size": 1}, {"name": "b", "size": 2})  # a replacement
    id_, _ = create("b")
    assert id_ != old.id and set(cloud.boxes) == {old.id, id_}


def test_failure_during_the_wait_deletes_the_object_and_names_it(cloud: Cloud) -> None:
    cloud.boot = ["BOOTING", "BROKEN"]
    with pytest.raises(ResourceFailed, match=r"it broke; box-1 was deleted"):
        create()
    assert cloud.boxes == {} and cloud.deletes == ["box-1"]


def test_a_box_stopped_while_booting_ends_the_wait_at_once(cloud: Cloud) -> None:
    cloud.boot = ["BOOTING", "OFF"]
    with pytest.raises(ResourceFailed, match="stopped before it was ready"):
        create()
    assert cloud.boxes == {}


def test_a_box_that_vanishes_mid_wait_ends_it_promptly(cloud: Cloud) -> None:
    cloud.boot = ["BOOTING"]
    original = cloud.create

    def vanishing(name: str, size: int = 1) -> Box:
        box = original(name, size)
        del cloud.boxes[box.id]
        return box

    cloud.create = vanishing  # type: ignore[method-assign]
    with pytest.raises(ResourceFailed, match="no longer exists"):
        create()


def test_a_box_not_shown_yet_is_waited_for(cloud: Cloud) -> None:
    cloud.hidden_reads = 2
    provider = BoxProvider()
    made = cloud.create("b")
    watch = lifecycle.Watch(provider, made, {}, "fake box b")
    watch.seen = False  # as for a queued create
    assert watch.until(Phase.READY, timeout=5).status == "RUNNING"


def test_delete_treats_gone_as_done(cloud: Cloud) -> None:
    id_, outs = create()
    provider = BoxProvider()
    provider.delete(id_, outs)
    provider.delete(id_, outs)
    assert cloud.boxes == {}


def test_update_fails_closed_when_a_change_was_not_applied(cloud: Cloud) -> None:
    id_, outs = create()
    BoxProvider.applies = {"name"}
    with pytest.raises(GpuCloudError, match="label changed but fake Box did not apply"):
        BoxProvider().update(id_, outs, {"name": "b", "label": "x", PROVIDER_KEY: "p"})
    BoxProvider.applies = {"name", "label"}
    result = BoxProvider().update(id_, outs, {"name": "b", "label": "x", PROVIDER_KEY: "p"})
    assert result.outs["label"] == "x"


def test_local_fields_need_no_apply(cloud: Cloud) -> None:
    id_, outs = create()
    BoxProvider.applies = set()
    BoxProvider().update(id_, outs, {"name": NAME, "wait_timeout": 9, PROVIDER_KEY: "p"})


def test_refresh_finds_failed_or_stopped_boxes_and_up_repairs_them(cloud: Cloud) -> None:
    id_, outs = create()
    provider = BoxProvider()
    cloud.boxes[id_].statuses = ["BROKEN"]
    read = provider.read(id_, outs)
    assert read.outs["status"] == "failed"
    diff = provider.diff(id_, read.outs, {"name": "b"})
    assert diff.changes and diff.replaces == ["status"], "a failed box is replaced"

    cloud.boxes[id_].statuses = ["OFF"]
    read = provider.read(id_, outs)
    diff = provider.diff(id_, read.outs, {"name": "b"})
    assert diff.changes and diff.replaces == [], "a stopped box that can start is started"
    updated = provider.update(id_, read.outs, {"name": "b", PROVIDER_KEY: "p"})
    assert updated.outs["status"] == "ready"


def test_a_404_drops_the_resource_only_for_the_account_that_made_it(cloud: Cloud) -> None:
    id_, outs = create()
    del cloud.boxes[id_]
    BoxProvider.account_name = "account-b"
    with pytest.raises(GpuCloudError, match="not those that made it"):
        BoxProvider().read(id_, outs)
    BoxProvider.account_name = "account-a"
    assert BoxProvider().read(id_, outs).id is None


def test_a_replacement_that_cannot_work_is_refused_at_preview(cloud: Cloud) -> None:
    BoxProvider.plan = Replacement(delete_first=True, blocker="no capacity for size 2")
    with pytest.raises(GpuCloudError, match=r"cannot be replaced .*no capacity for size 2"):
        BoxProvider().diff("box-1", {"name": "b", "size": 1}, {"name": "b", "size": 2})
    BoxProvider.plan = Replacement(delete_first=True)
    diff = BoxProvider().diff("box-1", {"name": "b", "size": 1}, {"name": "b", "size": 2})
    assert diff.replaces == ["size"] and diff.delete_before_replace


class MachineBoxInputs(BoxInputs, MachineInputs):
    pass


class MachineBoxProvider(BoxProvider):
    """A box with an SSH port: ``ssh_port`` says where its sshd listens (None: no port)."""

    inputs_model = MachineBoxInputs
    ssh_port: ClassVar[int | None] = None

    def outputs(self, obj: Box, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"ssh_host": "127.0.0.1", "ssh_port": self.ssh_port}


def test_ready_waits_until_ssh_answers_with_a_banner(cloud: Cloud) -> None:
    with socket.create_server(("127.0.0.1", 0)) as sshd:
        MachineBoxProvider.ssh_port = sshd.getsockname()[1]

        def answer_later() -> None:
            time.sleep(0.3)  # running, and sshd not up yet: connections wait unanswered
            conn, _ = sshd.accept()
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        thread = threading.Thread(target=answer_later)
        started = time.monotonic()  # before the thread's sleep starts, whatever the load
        thread.start()
        made = MachineBoxProvider().create({"name": "m", PROVIDER_KEY: "p"})
        thread.join()
    assert made.outs is not None and made.outs["status"] == "ready"
    assert time.monotonic() - started >= 0.3


def test_ssh_that_never_answers_fails_the_create_and_deletes_the_machine(cloud: Cloud) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        MachineBoxProvider.ssh_port = silent.getsockname()[1]
        with pytest.raises(WaitTimeout) as failure:
            MachineBoxProvider().create({"name": "m", "wait_timeout": 1, PROVIDER_KEY: "p"})
    message = str(failure.value)
    assert f"its SSH port 127.0.0.1:{MachineBoxProvider.ssh_port} did not answer" in message
    assert "wait_for_ssh=false" in message and "box-1 was deleted" in message
    assert cloud.boxes == {} and cloud.deletes == ["box-1"]


def test_without_wait_for_ssh_running_is_ready(cloud: Cloud) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        MachineBoxProvider.ssh_port = silent.getsockname()[1]
        inputs = {"name": "m", "wait_for_ssh": False, "wait_timeout": 1, PROVIDER_KEY: "p"}
        made = MachineBoxProvider().create(inputs)
    assert made.outs is not None and made.outs["status"] == "ready"
