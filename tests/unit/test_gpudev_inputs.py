"""GPU Dev inputs: mistakes caught at preview, and what each change does (in place or replace)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_gpu.core.inputs import PROVIDER_KEY
from pulumi_gpu.core.jobs import RunStatus
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.gpudev.disk import DiskProvider
from pulumi_gpu.gpudev.job import JobInputs, JobProvider
from pulumi_gpu.gpudev.job_inputs import submit_body
from pulumi_gpu.gpudev.models import GPU_TYPES, Job, iso
from tests.support.checks import by_field

JOB = {"name": "dev", "gpu_type": "h100", "gpu_count": 8, "duration_hours": 4}
DISK = {"name": "data", "size_gb": 100}


def failures(provider: Any, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict:
    result = provider.check(olds or {}, {**news, PROVIDER_KEY: "p"})
    return by_field(result.failures)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"gpu_type": "H100"}, "gpu_type", "'t4', 't4-small', 'l4', 'a10g', 'a100', 'h100'"),
        ({"gpu_type": "t4", "gpu_count": 8}, "gpu_count", "t4 takes gpu_count 1, 2, 4; got 8"),
        ({"gpu_type": "t4-small", "gpu_count": 2}, "gpu_count", "takes gpu_count 1; got 2"),
        ({"gpu_count": 3}, "gpu_count", "h100 takes gpu_count 1, 2, 4, 8, 16; got 3"),
        ({"gpu_type": "l4", "gpu_count": 16}, "gpu_count", "1, 2, 4; got 16"),
        ({"gpu_type": "cpu-x86", "gpu_count": 1}, "gpu_count", "CPU-only type: gpu_count must"),
        ({"gpu_count": 0}, "gpu_count", "got 0"),
        ({"duration_hours": 0}, "duration_hours", "greater than or equal to 1"),
        ({"duration_hours": 73}, "duration_hours", "less than or equal to 72"),
        ({"disk_name": "my disk"}, "disk_name", "should match pattern"),
        ({"disk_size_gb": 100}, "disk_size_gb", "needs disk_name"),
        ({"disk_name": "d", "disk_size_gb": 5}, "disk_size_gb", "greater than or equal to 10"),
        ({"env_vars": {"GPU_TYPE": "a100"}}, "env_vars", "use the gpu_type input"),
        ({"env_vars": {"RESERVATION_ID": "x"}}, "env_vars", "set by pulumi-gpu"),
        ({"env_vars": {"1X": "y"}}, "env_vars", "[A-Za-z_]"),
        ({"github_user": "-nope"}, "github_user", "not a GitHub username"),
        ({"extra_users": ["ok", "no way"]}, "extra_users", "not GitHub usernames"),
        ({"extra_users": ["a", "A"]}, "extra_users", "duplicates"),
        ({"wait_timeout": 0}, "wait_timeout", "greater than 0"),
        ({"gpu_cuont": 2}, "gpu_cuont", "did you mean 'gpu_count'"),
    ],
)
def test_job_mistakes(change: dict[str, Any], field: str, words: str) -> None:
    found = failures(JobProvider(), {**JOB, **change})
    assert field in found, found
    assert words in found[field]


@pytest.mark.parametrize(
    ("gpu_type", "count"),
    [("a100", 16), ("h100", 1), ("t4", 4), ("t4-small", 1), ("cpu-arm", 0), ("b200", 2)],
)
def test_valid_counts(gpu_type: str, count: int) -> None:
    assert failures(JobProvider(), {"name": "dev", "gpu_type": gpu_type, "gpu_count": count}) == {}


def test_secret_env_values_are_not_shown() -> None:
    found = failures(JobProvider(), {**JOB, "env_vars": {"TOKEN": 12}})
    assert "12" not in found["env_vars.TOKEN"]


def test_unknown_values_are_not_judged() -> None:
    assert failures(JobProvider(), {**JOB, "gpu_type": Unknown(), "gpu_count": 16}) == {}


def test_allowed_counts_follow_the_type_table() -> None:
    assert GPU_TYPES["h200"].allowed_counts() == (1, 2, 4, 8, 16)
    assert GPU_TYPES["a10g"].allowed_counts() == (1, 2, 4)
    assert GPU_TYPES["cpu-x86"].allowed_counts() == (0,)


def diff(provider: Any, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
    result = provider.diff("id", {**olds, PROVIDER_KEY: "old"}, {**news, PROVIDER_KEY: "new"})
    return bool(result.changes), sorted(result.replaces)


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"duration_hours": 6}, []),
        ({"duration_hours": 2}, ["duration_hours"]),
        ({"jupyter": True}, []),
        ({"extra_users": ["a", "b"]}, []),
        ({"extra_users": ["b"]}, ["extra_users"]),
        ({"extra_users": []}, ["extra_users"]),
        ({"wait_timeout": 60}, []),
        ({"gpu_type": "a100"}, ["gpu_type"]),
        ({"gpu_count": 4}, ["gpu_count"]),
        ({"image": "ubuntu:24.04"}, ["image"]),
        ({"disk_name": "other"}, ["disk_name"]),
        ({"env_vars": {"A": "2"}}, ["env_vars"]),
        ({"command": "sleep 1"}, ["command"]),
        ({"github_user": "hubot"}, ["github_user"]),
        ({"instance_type": "p5e.48xlarge"}, ["instance_type"]),
        ({"duration_hours": Unknown()}, ["duration_hours"]),
        ({"extra_users": Unknown()}, ["extra_users"]),
    ],
)
def test_job_diff_policy(change: dict[str, Any], replaces: list[str]) -> None:
    olds = {**JOB, "extra_users": ["a"], "env_vars": {"A": "1"}, "status": "active"}
    changed, replaced = diff(JobProvider(), olds, {**olds, **change})
    assert changed
    assert replaced == replaces


def test_unchanged_job_and_defaults() -> None:
    olds = {**JOB, "gpu_count": 8.0, "jupyter": False, "status": "active", "ssh_command": "x"}
    assert diff(JobProvider(), olds, JOB) == (False, [])
    result = JobProvider().diff("id", olds, {**olds, "gpu_type": "a100"})
    assert result.delete_before_replace, "the new job needs the old one's GPUs and disk"


def test_extension_past_48_hours_is_refused_at_preview() -> None:
    provider = JobProvider()
    found = failures(provider, {**JOB, "duration_hours": 60}, olds={**JOB, "duration_hours": 4})
    assert "at most 48 hours in total" in found["duration_hours"]
    assert "destroy this job first" in found["duration_hours"]
    assert failures(provider, {**JOB, "duration_hours": 48}, olds=JOB) == {}
    shorter = failures(provider, {**JOB, "duration_hours": 59}, olds={**JOB, "duration_hours": 60})
    assert shorter == {}, "a shorter duration replaces the job: no cap applies"
    assert failures(provider, {**JOB, "duration_hours": 60}) == {}, "a new job may be 60 h"


def test_submit_body_carries_the_scheduling_inputs_in_env_vars() -> None:
    inputs = JobInputs(
        name="dev",
        gpu_type="h100",
        gpu_count=2,
        duration_hours=3,
        env_vars={"WANDB_API_KEY": "k"},
        github_user="octocat",
        jupyter=True,
    )
    body = submit_body(inputs, "r-1")
    assert body == {
        "instance_type": "p5.48xlarge",
        "duration_hours": 3,
        "env_vars": {
            "WANDB_API_KEY": "k",
            "RESERVATION_ID": "r-1",
            "POD_NAME": "dev",
            "GPU_TYPE": "h100",
            "GPU_COUNT": "2",
            "JUPYTER_ENABLED": "true",
            "GITHUB_USER": "octocat",
        },
    }
    custom = JobInputs(name="dev", gpu_type="a100", instance_type="p4de.24xlarge", disk_name="d")
    assert submit_body(custom, "r-2")["instance_type"] == "p4de.24xlarge"
    assert submit_body(custom, "r-2")["disk_name"] == "d"


def test_disk_policy() -> None:
    provider = DiskProvider()
    assert diff(provider, DISK, {**DISK, "name": "data-2"}) == (True, [])
    found = failures(provider, {**DISK, "size_gb": 200}, olds=DISK)
    assert "deletes the data" in found["size_gb"]
    allowed = {**DISK, "size_gb": 200, "allow_replacement": True}
    assert failures(provider, allowed, olds=DISK) == {}
    assert diff(provider, DISK, allowed) == (True, ["size_gb"])
    assert provider.diff("d", DISK, allowed).delete_before_replace, "names are unique"
    assert "name" in failures(provider, {"name": "bad/name"})
    assert "size_gb" in failures(provider, {"name": "d", "size_gb": 5})


def test_status_map_and_models() -> None:
    def seen(status: str) -> Phase:
        return JobProvider().observe(Job(job_id="j", status=status)).phase

    running = JobProvider().run(Job(job_id="j", status="ACTIVE")).status
    assert seen("queued") is Phase.PENDING and running is RunStatus.RUNNING
    assert seen("creating_server") is Phase.PENDING
    assert seen("completed") is Phase.ENDED, "a command that ended well"
    assert seen("failed") is Phase.FAILED and seen("expired") is Phase.FAILED
    assert seen("something-new") is Phase.PENDING, "unknown: neither ready nor over"
    job = Job.model_validate(
        {
            "job_id": "j",
            "status": "expired",
            "expires_at": "2026-01-20T20:00:00Z",
            "jupyter_token": "tok",
            "brand_new_field": 1,
        }
    )
    assert job.ended and "tok" not in repr(job)
    assert iso(job.expires_at) == "2026-01-20T20:00:00Z"
    assert iso(None) is None
