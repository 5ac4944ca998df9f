"""The job core's pure parts: the command wrapper, exit lines, durations, statuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pulumi_gpu.core.inputs import REPLACES, policy_of
from pulumi_gpu.core.jobs import (
    EXIT_LINE,
    PHASES,
    JobSpec,
    Run,
    RunStatus,
    exit_of,
    failure_text,
    status_of_exit,
    wrap,
)
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.gpudev.job import JobProvider as GpuDevJobs
from pulumi_gpu.gpudev.models import Job as ApiJob
from pulumi_gpu.runpod.job import JobInputs
from pulumi_gpu.runpod.pod_inputs import PodInputs


def test_the_wrapper_quotes_the_command_and_reports_the_exit() -> None:
    wrapped = wrap("echo 'it''s'; exit 3", 90)
    assert wrapped.startswith("timeout -s TERM -k 30 90 sh -c ")
    assert """'echo '"'"'it'"'"''"'"'s'"'"'; exit 3'""" in wrapped
    assert wrapped.endswith(f'code=$?; echo "{EXIT_LINE}$code"; exit $code')


def test_the_exit_line_is_read_and_dropped_from_the_log() -> None:
    assert exit_of(["epoch 1", "done", f"{EXIT_LINE}3"]) == (3, ["epoch 1", "done"])
    assert exit_of(["still going"]) == (None, ["still going"])
    assert exit_of([f"echo {EXIT_LINE}7 is not the line"])[0] is None


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (0, RunStatus.SUCCEEDED),
        (3, RunStatus.FAILED),
        (124, RunStatus.EXPIRED),
        (137, RunStatus.EXPIRED),
    ],
)
def test_exit_codes_name_how_the_run_ended(code: int, status: RunStatus) -> None:
    assert status_of_exit(code) is status


@pytest.mark.parametrize(
    ("given", "seconds"),
    [(90, 90), ("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1h30m", 5400), ("1d", 86400)],
)
def test_durations_read_as_seconds(given: object, seconds: int) -> None:
    inputs = JobInputs(name="j", gpu_type="g", image="i", command="true", max_duration=given)
    assert inputs.max_duration == seconds


@pytest.mark.parametrize("given", ["soon", "2 hours", "-5m", 0, "31d"])
def test_bad_durations_are_refused(given: object) -> None:
    with pytest.raises(ValidationError, match="max_duration"):
        JobInputs(name="j", gpu_type="g", image="i", command="true", max_duration=given)


def test_every_input_of_a_run_replaces_it_except_how_pulumi_waits() -> None:
    replaced = JobInputs.replace_fields()
    assert {"image", "env", "command", "max_duration", "run_id", "name"} <= replaced
    local = {"wait", "on_finish", "log_lines", "wait_timeout", "adopt_id"}
    assert JobInputs.local_fields() == local
    schema = JobInputs.model_json_schema()["properties"]
    assert schema["image"].get("replaceOnChange") and "updateInPlace" not in schema["image"]
    assert issubclass(JobInputs, JobSpec)


def test_a_job_redeclares_the_policies_it_shares_with_a_pod_in_its_own_fields() -> None:
    """The name a RunPod job shares with a pod updates a pod in place and replaces a job:
    the job's field says so itself, once, and its description no longer says otherwise."""
    name = JobInputs.model_fields["name"]
    assert policy_of(name.json_schema_extra) == "replaceOnChange"
    assert "in place" not in (name.description or "")
    assert policy_of(PodInputs.model_fields["name"].json_schema_extra) == "updateInPlace"
    registry = JobInputs.model_fields["registry_id"].json_schema_extra
    assert registry == {"references": "registries", "referenceOutput": "id", **REPLACES}
    assert JobInputs.undeclared_fields() == []


def test_failure_text_gives_the_exit_code_reason_and_last_lines() -> None:
    run = Run(RunStatus.FAILED, "EXITED", exit_code=3, log=tuple(f"line {i}" for i in range(20)))
    text = failure_text(run)
    assert text.startswith("failed with exit code 3; last lines:")
    assert "line 19" in text and "line 9" not in text


def test_gpudev_statuses_become_run_statuses_and_phases() -> None:
    provider = GpuDevJobs()

    def seen(status: str) -> tuple[RunStatus, Phase]:
        job = ApiJob(job_id="j", status=status)
        run = provider.run(job)
        return run.status, PHASES[run.status]

    assert seen("queued") == (RunStatus.QUEUED, Phase.PENDING)
    assert seen("preparing") == (RunStatus.STARTING, Phase.PENDING)
    assert seen("active") == (RunStatus.RUNNING, Phase.READY)
    assert seen("completed") == (RunStatus.SUCCEEDED, Phase.ENDED)
    assert seen("expired") == (RunStatus.EXPIRED, Phase.FAILED)
    assert seen("cancelled") == (RunStatus.CANCELLED, Phase.FAILED)
