"""The job lifecycle in the core, on an in-memory cloud: waits, the record, the time box.

The kind under test declares only what a job kind declares (its object and :meth:`run`);
every behaviour asserted here is the core's, so it holds for every job kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import Field

from pulumi_gpu.core import jobs, lifecycle
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import NotFoundError, RecordedFailure, ResourceFailed
from pulumi_gpu.core.inputs import PROVIDER_KEY, REPLACES
from pulumi_gpu.core.jobs import JobProvider, JobSpec, Run, RunStatus, exit_of

T0 = 1_800_000_000.0


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_GPU_POLL_SECONDS", "0.01")
    monkeypatch.setattr(lifecycle, "claims", lifecycle.Claims())
    monkeypatch.setattr(jobs, "_memory", {})  # each test's objects are new (ids repeat)
    use_stack_config({})


@dataclass
class Box:
    """A container: its statuses as successive reads see them, and its log."""

    id: str
    name: str
    statuses: list[str]
    log: list[str] = field(default_factory=list)


@dataclass
class Cloud:
    boxes: dict[str, Box] = field(default_factory=dict)
    runs: list[str] = field(default_factory=lambda: ["STARTING", "RUNNING"])
    log: list[str] = field(default_factory=list)
    now: float = T0
    calls: list[str] = field(default_factory=list)

    def account(self) -> str:
        return "tester"

    def cloud_now(self) -> float:
        return self.now


class Inputs(JobSpec):
    name: str = Field("job", json_schema_extra=REPLACES)


class Jobs(JobProvider[Box]):
    inputs_model = Inputs
    kind = "test Job"
    visible_after = 1.0

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    def client(self) -> Any:
        return self.cloud

    def find(self, inputs: Any) -> list[Box]:
        return [b for b in self.cloud.boxes.values() if b.name == inputs.name]

    def create_object(self, inputs: Any, token: str) -> Box:
        self.cloud.calls.append("create")
        box = Box(f"b{len(self.cloud.boxes)}", inputs.name, list(self.cloud.runs), self.cloud.log)
        self.cloud.boxes[box.id] = box
        return box

    def object_id(self, obj: Box) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> Box:
        self.cloud.calls.append("get")
        box = self.cloud.boxes.get(id_)
        if box is None:
            raise NotFoundError("test", "GET", id_, 404, "not found")
        seen = Box(box.id, box.name, [box.statuses[0]], list(box.log))
        if len(box.statuses) > 1:
            box.statuses.pop(0)
        return seen

    def run(self, obj: Box) -> Run:
        code, log = exit_of(obj.log)
        status = obj.statuses[0]
        if status == "EXITED" and code is not None:
            return Run(
                RunStatus.SUCCEEDED if code == 0 else RunStatus.FAILED,
                status,
                exit_code=code,
                log=tuple(log),
                started_at=T0,
                cost_per_hour=2.0,
            )
        if status == "BROKEN":
            return Run(RunStatus.FAILED, status, reason="the machine failed")
        known = {"STARTING": RunStatus.STARTING, "RUNNING": RunStatus.RUNNING}
        return Run(
            known.get(status, RunStatus.RUNNING if status == "UNMAPPED" else RunStatus.CANCELLED),
            status,
            log=tuple(log),
            started_at=None if status == "STARTING" else T0,
            cost_per_hour=2.0,
            lacks=("8888/tcp",) if status == "UNMAPPED" else (),
        )

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.cloud.calls.append("delete")
        if self.cloud.boxes.pop(id_, None) is None:
            raise NotFoundError("test", "DELETE", id_, 404, "not found")

    def outputs(self, obj: Box, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"ssh_command": "ssh root@h -p 22" if obj.statuses[0] == "RUNNING" else None}


def _props(**values: Any) -> dict[str, Any]:
    return {"name": "job", "command": "train", "max_duration": "1h", PROVIDER_KEY: "p", **values}


def test_wait_started_holds_until_the_run_lacks_nothing() -> None:
    """A command that runs before its ports are mapped is not yet usable: the wait goes on,
    as a pod's does, and up returns with the address a person needs."""
    cloud = Cloud(runs=["STARTING", "UNMAPPED", "UNMAPPED", "RUNNING"])
    made = Jobs(cloud).create(_props())
    assert made.outs["status"] == "running" and made.outs["ssh_command"] == "ssh root@h -p 22"


def test_wait_started_returns_once_it_runs_and_records_the_start() -> None:
    cloud = Cloud()
    made = Jobs(cloud).create(_props())
    assert made.outs["status"] == "running" and made.outs["ssh_command"]
    assert made.outs["expires_at"] == "2027-01-15T09:00:00Z", "start + max_duration"
    assert made.outs["released"] is False and cloud.calls.count("create") == 1


def test_wait_finished_returns_when_it_succeeded_and_releases_the_compute() -> None:
    cloud = Cloud(runs=["RUNNING", "EXITED"], log=["epoch 1", "pulumi-gpu: exit 0"])
    cloud.now = T0 + 1800
    made = Jobs(cloud).create(_props(wait="finished"))
    out = made.outs
    assert (out["status"], out["exit_code"], out["log_tail"]) == ("succeeded", 0, "epoch 1")
    assert out["released"] is True and out["ssh_command"] is None
    assert out["cost_so_far"] == pytest.approx(1.0), "2 $/h for half an hour"
    assert out["cost_per_hour"] == 0.0, "nothing billed once released"
    assert cloud.boxes == {}, "deleted at once"


def test_a_failed_run_fails_the_create_with_its_log_and_leaves_nothing() -> None:
    cloud = Cloud(runs=["RUNNING", "EXITED"], log=["CUDA out of memory", "pulumi-gpu: exit 3"])
    with pytest.raises(ResourceFailed, match=r"(?s)exit code 3; last lines:.*CUDA out of"):
        Jobs(cloud).create(_props(wait="finished"))
    assert cloud.boxes == {}


def test_a_run_that_started_and_failed_comes_with_its_record() -> None:
    """What a front door that keeps a failed create's state (the plugin) records: how
    the run ended, its compute released."""
    cloud = Cloud(runs=["RUNNING", "EXITED"], log=["CUDA out of memory", "pulumi-gpu: exit 3"])
    with pytest.raises(RecordedFailure) as failed:
        Jobs(cloud).create(_props(wait="finished"))
    record = failed.value.record
    assert failed.value.object_id == "b0" and record["command"] == "train"
    assert (record["status"], record["exit_code"]) == ("failed", 3)
    assert record["log_tail"] == "CUDA out of memory" and record["released"] is True
    assert record["started_at"] and record["ended_at"] and record["ssh_command"] is None


def test_a_run_whose_machine_failed_before_it_started_has_no_record() -> None:
    """Nothing ran: the next up runs it, as after any failed create."""
    cloud = Cloud(runs=["STARTING", "BROKEN"])
    with pytest.raises(ResourceFailed, match="the machine failed") as failed:
        Jobs(cloud).create(_props(wait="finished"))
    assert not isinstance(failed.value, RecordedFailure)
    assert cloud.boxes == {}


def test_refresh_records_how_it_ended_and_then_costs_nothing() -> None:
    cloud = Cloud()
    jobs = Jobs(cloud)
    made = jobs.create(_props())
    box = cloud.boxes[made.id]
    box.statuses, box.log[:] = ["EXITED"], ["done", "pulumi-gpu: exit 0"]
    read = jobs.read(made.id, made.outs).outs
    assert (read["status"], read["released"], read["log_tail"]) == ("succeeded", True, "done")
    assert cloud.boxes == {}, "refresh releases the compute of a run that ended"
    calls = len(cloud.calls)
    again = jobs.read(made.id, read).outs
    assert again == read and len(cloud.calls) == calls, "a record is read without the cloud"
    diff = jobs.diff(made.id, read, _props())
    assert not diff.changes, "up does not run it again"
    assert jobs.diff(made.id, read, _props(run_id="2")).replaces == ["run_id"]


def test_deleted_outside_is_a_cancelled_record_or_expired_past_its_end() -> None:
    cloud = Cloud()
    jobs = Jobs(cloud)
    made = jobs.create(_props())
    cloud.boxes.clear()
    assert jobs.read(made.id, made.outs).outs["status"] == "cancelled"
    cloud.now = T0 + 2 * 3600
    assert jobs.read(made.id, made.outs).outs["status"] == "expired"


def test_refresh_releases_a_run_past_its_time_box() -> None:
    cloud = Cloud()
    jobs = Jobs(cloud)
    made = jobs.create(_props())
    cloud.now = T0 + 3 * 3600
    read = jobs.read(made.id, made.outs).outs
    assert (read["status"], read["released"]) == ("expired", True)
    assert cloud.boxes == {}


def test_local_inputs_change_without_the_cloud_and_others_replace() -> None:
    cloud = Cloud()
    jobs = Jobs(cloud)
    made = jobs.create(_props())
    diff = jobs.diff(made.id, made.outs, _props(log_lines=5))
    assert diff.changes and not diff.replaces
    calls = len(cloud.calls)
    updated = jobs.update(made.id, made.outs, _props(log_lines=5)).outs
    assert updated["log_lines"] == 5 and len(cloud.calls) == calls
    assert jobs.diff(made.id, made.outs, _props(command="other")).replaces == ["command"]
