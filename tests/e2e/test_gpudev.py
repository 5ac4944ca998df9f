"""GPU Dev API end to end: the real pulumi CLI driving the emulated GPU Dev API over HTTP.

Stacks log in with the emulator's AWS test credentials (see ``GpuDevBackend.stack_config``),
so every test also exercises the AWS login.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.emulator.gpudev.backend import GpuDevBackend
from pulumi_gpu.emulator.gpudev.model import (
    EMULATOR_AWS,
    STATIC_API_KEY,
    WRONG_ROLE_AWS,
)

pytestmark = pytest.mark.e2e

USER = "emulator-user"


def _backend(emulator: Emulator) -> GpuDevBackend:
    return emulator.gpudev


def _jobs(emulator: Emulator) -> list[str]:
    return emulator.leftovers()["gpudev"]["jobs"]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _secrets_absent(text: str, emulator: Emulator) -> None:
    assert EMULATOR_AWS.secret_access_key not in text
    assert EMULATOR_AWS.session_token not in text
    assert EMULATOR_AWS.access_key_id not in text
    keys = _backend(emulator).issued_keys()
    assert len(keys) >= 2, "the stack must have logged in"
    for key in keys:
        assert key not in text, "an API key leaked"


def test_example_lifecycle(cloud_stack, emulator: Emulator) -> None:
    backend = _backend(emulator)
    stack = cloud_stack("gpudev-job")

    assert stack.preview().ops() == {"workspace": "create", "dev": "create"}
    assert emulator.is_empty(), "preview must not create anything"

    assert stack.up().ops() == {"workspace": "create", "dev": "create"}
    outputs = stack.outputs()
    job_id = outputs["job_id"]
    assert outputs["ssh"].startswith("gpu-dev connect gpudev-job-test-dev-"), "the job's name"
    assert outputs["node"].startswith("127.0.0.1:"), "the emulator's SSH listener"
    job = backend.job(job_id)
    assert job.status == "active"
    assert job.history[:1] == ["pending"] and "preparing" in job.history
    disk = backend.disk(USER, outputs["disk"])
    assert disk.in_use and disk.reservation_id == job_id, "the job mounts the disk"

    assert stack.preview().ops() == {}, "an unchanged program must preview no changes"

    # A longer duration extends the same job in place.
    expires = _when(outputs["expires_at"])
    stack.set_config("durationHours", "4")
    assert stack.preview().ops() == {"dev": "update"}
    assert stack.up().ops() == {"dev": "update"}
    outputs = stack.outputs()
    assert outputs["job_id"] == job_id
    assert _when(outputs["expires_at"]) - expires == timedelta(hours=2)
    assert backend.job(job_id).expires_at is not None
    assert stack.preview().ops() == {}

    # Jupyter on and off in place; the token is a secret output.
    stack.set_config("jupyter", "true")
    assert stack.up().ops() == {"dev": "update"}
    outputs = stack.outputs()
    token = backend.job(job_id).jupyter_token
    assert token and outputs["jupyter_token"] == token
    assert outputs["jupyter_url"].startswith("http://127.0.0.1:")
    state = stack.resources()["dev"]
    assert "ciphertext" in state["outputs"]["jupyter_token"], "the token must be encrypted"
    assert "jupyter_token" in state.get("additionalSecretOutputs", [])
    assert token not in stack.export_text()
    plain = stack.cli("stack", "output", "--json").stdout
    assert token not in plain
    stack.set_config("jupyter", "false")
    assert stack.up().ops() == {"dev": "update"}
    assert backend.job(job_id).jupyter_enabled is False
    assert "jupyter_url" not in stack.outputs()

    # Past the 48 h cap: refused at preview, with what to do instead.
    stack.set_config("durationHours", "60")
    refused = stack.preview(expect_failure=True)
    assert "at most 48 hours" in refused.text()
    assert "Traceback" not in refused.text()

    # A shorter duration, or another GPU type, replaces the job (old one cancelled first).
    stack.set_config("durationHours", "3")
    assert stack.preview().ops() == {"dev": "replace"}
    stack.set_config("durationHours", "4")
    stack.set_config("gpuType", "h100")
    assert stack.preview().ops() == {"dev": "replace"}
    assert stack.up().ops() == {"dev": "replace"}
    new_id = stack.outputs()["job_id"]
    assert new_id != job_id
    assert backend.job(job_id).status == "cancelled"
    assert backend.job(new_id).gpu_type == "h100"
    assert backend.disk(USER, outputs["disk"]).reservation_id == new_id

    assert stack.destroy().ops() == {"dev": "delete", "workspace": "delete"}
    assert emulator.is_empty()
    assert backend.job(new_id).status == "cancelled"
    gone = backend.disk(USER, outputs["disk"])
    assert gone.is_deleted, "disk deletion is soft"
    assert gone.delete_date is not None
    _secrets_absent(stack.export_text(), emulator)


def test_queued_job_starts_when_capacity_frees(cloud_stack, emulator: Emulator) -> None:
    backend = _backend(emulator)
    other = backend.users["other-user"]
    blocker = backend.submit(
        other,
        {
            "instance_type": "p4d.24xlarge",
            "duration_hours": 8,
            "env_vars": {"GPU_TYPE": "a100", "GPU_COUNT": "16"},
        },
    )["job_id"]
    emulator.clock.advance(10)
    assert backend.job(blocker).status == "preparing", "the blocker holds every A100"

    seen: dict[str, object] = {}

    def cancel_blocker_once_queued() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            queued = backend.find_jobs(USER, "queued")
            if queued:
                seen["position"] = queued[0].queue_position
                time.sleep(1.0)  # let the provider report the queue position
                backend.cancel_now(blocker)
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=cancel_blocker_once_queued, daemon=True)
    watcher.start()
    stack = cloud_stack("gpudev-lab", config={"gpuType": "a100", "gpuCount": "8"})
    result = stack.up()
    watcher.join(timeout=5)
    assert seen.get("position") == 1
    assert "queued (position 1)" in result.text(), "the queue position must be reported"
    (job_id,) = _jobs(emulator)
    job = backend.job(job_id)
    assert job.status == "active"
    assert job.history == ["pending", "queued", "preparing", "active"]
    stack.destroy()
    assert emulator.is_empty()


def test_disk_rename_in_place_and_refused_while_in_use(cloud_stack, emulator: Emulator) -> None:
    backend = _backend(emulator)
    stack = cloud_stack("gpudev-lab", config={"diskName": "scratch", "jobs": "0"})
    assert stack.up().ops() == {"disk": "create"}
    assert stack.resources()["disk"]["id"] == "scratch"

    stack.set_config("diskName", "scratch-2")
    assert stack.preview().ops() == {"disk": "update"}
    assert stack.up().ops() == {"disk": "update"}
    assert emulator.leftovers()["gpudev"]["disks"] == [f"{USER}/scratch-2"]
    assert stack.resources()["disk"]["id"] == "scratch", "a rename keeps the resource"
    assert stack.outputs()["disk_name"] == "scratch-2"

    stack.set_config("jobs", "1")
    assert stack.up().ops() == {"job-0": "create"}
    (job_id,) = _jobs(emulator)
    assert backend.disk(USER, "scratch-2").reservation_id == job_id

    stack.set_config("diskName", "scratch-3")
    failed = stack.up(expect_failure=True)
    text = failed.text()
    assert f"cannot be renamed to scratch-3 while job {job_id} uses it" in text
    assert "Cancel that job first" in text
    assert "Traceback" not in text
    assert emulator.leftovers()["gpudev"]["disks"] == [f"{USER}/scratch-2"]
    assert stack.resources()["disk"]["outputs"]["name"] == "scratch-2"

    stack.set_config("diskName", "scratch-2")
    stack.destroy()
    assert emulator.is_empty()


def test_refresh_keeps_expired_and_cancelled_jobs_as_records(
    cloud_stack, emulator: Emulator
) -> None:
    backend = _backend(emulator)
    stack = cloud_stack("gpudev-lab", config={"diskName": "data", "durationHours": "1"})
    stack.up()
    assert backend.disk(USER, "data").in_use
    stack.refresh()
    assert stack.resources()["disk"]["outputs"]["in_use"] is True, "refresh shows it in use"

    emulator.clock.advance(3600 + backend.timings.expiry_grace + 60)
    (job_id,) = [j.id for j in backend.find_jobs(USER)]
    assert backend.job(job_id).status == "expired"
    stack.refresh()
    job = stack.resources()["job-0"]["outputs"]
    assert (job["status"], job["released"]) == ("expired", True), "kept as the run's record"
    disk = stack.resources()["disk"]["outputs"]
    assert disk["in_use"] is False and disk["snapshot_count"] == 1
    assert stack.preview().ops() == {}, "an expired job is not queued again"

    stack.set_config("runId", "2")
    assert stack.up().ops() == {"job-0": "replace"}, "a new run_id queues a new job"
    (new_id,) = _jobs(emulator)
    backend.cancel_now(new_id)  # someone ran `gpu-dev cancel`
    stack.refresh()
    assert stack.resources()["job-0"]["outputs"]["status"] == "cancelled"

    stack.destroy()
    assert emulator.is_empty()


def test_expired_key_is_renewed_mid_run(cloud_stack, emulator: Emulator) -> None:
    backend = _backend(emulator)
    backend.settings.key_ttl_seconds = 60  # one real second at the tests' speed
    backend.timings.prepare = 400
    stack = cloud_stack("gpudev-lab", config={"jobs": "2", "gpuType": "h100"})
    result = stack.up()
    assert len(_jobs(emulator)) == 2
    assert "the service refused the API key" in result.text(), "renewals are reported"
    refused = [r for r in emulator.requests.find("gpudev") if r.status == 403]
    assert refused, "keys must have expired during the run"
    logins = emulator.requests.find("gpudev", "POST", "/v1/auth/aws-login")
    assert len(logins) >= 2, "the provider must log in again when its key expires"
    assert all(r.status == 200 for r in logins)
    stack.destroy()
    assert emulator.is_empty()
    _secrets_absent(stack.export_text(), emulator)
    _secrets_absent(result.text(), emulator)


def test_users_added_in_place_removal_replaces(cloud_stack, emulator: Emulator) -> None:
    backend = _backend(emulator)
    token = "wandb-secret-value-0123456789"
    stack = cloud_stack("gpudev-lab", config={"extraUsers": "alice"}, secrets={"token": token})
    stack.up()
    (job_id,) = _jobs(emulator)
    emulator.clock.advance(10)
    assert backend.job(job_id).users == ["alice"]
    assert backend.job(job_id).env_vars["WANDB_API_KEY"] == token
    assert token not in stack.export_text(), "env_vars are secret in the state"
    assert stack.preview().ops() == {}

    stack.set_config("extraUsers", "alice,bob")
    assert stack.up().ops() == {"job-0": "update"}
    emulator.clock.advance(10)
    assert backend.job(job_id).users == ["alice", "bob"]

    stack.set_config("extraUsers", "bob")
    assert stack.preview().ops() == {"job-0": "replace"}, "keys cannot be taken back"
    stack.destroy()
    assert emulator.is_empty()


def test_failed_job_reports_reason_and_leaves_nothing(cloud_stack, emulator: Emulator) -> None:
    _backend(emulator).fail_next_jobs.append("Pod failed to start: ImagePullBackOff")
    stack = cloud_stack("gpudev-lab")
    result = stack.up(expect_failure=True)
    assert "Pod failed to start: ImagePullBackOff" in result.text()
    assert "Traceback" not in result.text()
    assert stack.resources() == {}
    assert emulator.is_empty()


def test_invalid_job_is_refused_at_preview(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("gpudev-lab", config={"gpuType": "t4", "gpuCount": "8"})
    result = stack.preview(expect_failure=True)
    assert "t4 takes gpu_count 1, 2, 4; got 8" in result.text()
    assert emulator.requests.find("gpudev", "POST") == [], "nothing may reach the API"


def test_lost_submit_answer_makes_one_job(cloud_stack, emulator: Emulator) -> None:
    emulator.faults.add(
        cloud="gpudev", method="POST", path="/v1/jobs/submit", after_action=True, drop=True
    )
    stack = cloud_stack("gpudev-lab")
    stack.up()
    submits = emulator.requests.find("gpudev", "POST", "/v1/jobs/submit")
    assert len(submits) == 2, "the submit is retried with the same reservation id"
    (job_id,) = _jobs(emulator)
    assert stack.resources()["job-0"]["id"] == job_id
    assert len(_backend(emulator).jobs) == 1


def test_refused_aws_credentials_fail_clearly(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack(
        "gpudev-lab",
        secrets={
            "pulumi-gpu:gpudevAwsAccessKeyId": WRONG_ROLE_AWS.access_key_id,
            "pulumi-gpu:gpudevAwsSecretAccessKey": WRONG_ROLE_AWS.secret_access_key,
            "pulumi-gpu:gpudevAwsSessionToken": WRONG_ROLE_AWS.session_token or "",
        },
    )
    result = stack.up(expect_failure=True)
    text = result.text()
    assert "Access denied. Required role: SSOCloudDevGpuReservation, got: SSOReadOnly" in text
    assert WRONG_ROLE_AWS.secret_access_key not in text
    assert WRONG_ROLE_AWS.session_token not in text
    assert "Traceback" not in text
    assert emulator.is_empty()


def test_configured_api_key_and_lookups(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("gpudev-lab", config={"lookups": "true"})
    for key in ("gpudevAwsAccessKeyId", "gpudevAwsSecretAccessKey", "gpudevAwsSessionToken"):
        stack.remove_config(f"pulumi-gpu:{key}")
    stack.set_config("pulumi-gpu:gpudevApiKey", STATIC_API_KEY, secret=True)
    stack.up()
    assert emulator.requests.find("gpudev", "POST", "/v1/auth/aws-login") == []
    # The lookups ran before the job was created.
    outputs = stack.outputs()
    assert outputs["a100_available"] == 16
    assert outputs["active_reservations"] == 0
    assert outputs["total_gpus"] == 81
    stack.up()
    outputs = stack.outputs()
    assert outputs["a100_available"] == 15
    assert outputs["active_reservations"] == 1
    assert STATIC_API_KEY not in stack.export_text()
    stack.destroy()
    assert emulator.is_empty()


def test_sixteen_jobs_wait_concurrently(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("gpudev-lab", config={"jobs": "16"})
    stack.up(parallel=64)
    assert len(_jobs(emulator)) == 16
    waits = _backend(emulator).waits
    assert len(waits.records()) == 16
    assert waits.max_overlap() == 16, "all 16 jobs must be waited on at the same time"
    stack.destroy()
    assert emulator.is_empty()
