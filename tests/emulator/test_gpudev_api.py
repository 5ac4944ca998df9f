"""The emulated GPU Dev API, walked through its states, errors and switches over HTTP.

Time stands almost still (speed 1e-6) and moves only with ``clock.advance``, so each
step of the processor is observed where the contract says it happens.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from pulumi_gpu.core import config
from pulumi_gpu.core.errors import AuthenticationError
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.gpudev.model import (
    EMULATOR_AWS,
    IAM_USER_AWS,
    OTHER_AWS,
    STATIC_API_KEY,
    WRONG_ROLE_AWS,
    AwsIdentity,
)
from pulumi_gpu.gpudev.client import gpudev_client

PICKUP = 5  # processor poll
SCHEDULE = 2  # pending -> queued/preparing
PREPARE = 90  # preparing -> active
GRACE = 120  # expiry grace


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def login_body(identity: AwsIdentity, **change: Any) -> dict[str, Any]:
    return {
        "aws_access_key_id": identity.access_key_id,
        "aws_secret_access_key": identity.secret_access_key,
        "aws_session_token": identity.session_token,
        **change,
    }


class Api:
    """An HTTP client for one user of the emulated GPU Dev API."""

    def __init__(self, base: str, emu: Emulator, key: str) -> None:
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"})
        self.emu = emu

    def submit(self, gpu_type: str = "h100", count: int = 1, **body: Any) -> str:
        env = {"GPU_TYPE": gpu_type, "GPU_COUNT": str(count), **body.pop("env_vars", {})}
        answer = self.http.post(
            "/v1/jobs/submit",
            json={"instance_type": "p5.48xlarge", "duration_hours": 2, **body, "env_vars": env},
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["job_id"])

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/v1/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def action(self, job_id: str, action: str, body: Any = None) -> httpx.Response:
        return self.http.post(f"/v1/jobs/{job_id}/{action}", json=body)

    def advance(self, seconds: float) -> None:
        self.emu.clock.advance(seconds)


@pytest.fixture
def base(served: EmulatorServer, emu: Emulator) -> str:
    emu.clock.set_speed(1e-6)
    return served.url("gpudev")


@pytest.fixture
def api(base: str, emu: Emulator) -> Api:
    key = httpx.post(f"{base}/v1/auth/aws-login", json=login_body(EMULATOR_AWS)).json()["api_key"]
    return Api(base, emu, key)


@pytest.fixture
def other(base: str, emu: Emulator) -> Api:
    key = httpx.post(f"{base}/v1/auth/aws-login", json=login_body(OTHER_AWS)).json()["api_key"]
    return Api(base, emu, key)


# -- health, info, authentication -------------------------------------------------------------


def test_health_and_info_need_no_key(base: str) -> None:
    health = httpx.get(f"{base}/health").json()
    assert {k: health[k] for k in ("status", "database", "queue")} == {
        "status": "healthy",
        "database": "healthy",
        "queue": "healthy",
    }
    info = httpx.get(f"{base}/").json()
    assert info["service"] == "GPU Dev API" and info["version"] == "1.0.0"
    assert info["auth"]["aws_login"] == "/v1/auth/aws-login"
    assert set(info["endpoints"]) == {
        "jobs",
        "disks",
        "disk_operations",
        "disk_content",
        "disk_rename",
        "gpu_availability",
        "cluster_status",
    }


def test_aws_login_issues_a_key_for_the_allowed_role(base: str, emu: Emulator) -> None:
    answer = httpx.post(f"{base}/v1/auth/aws-login", json=login_body(EMULATOR_AWS))
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["api_key"]) >= 80 and body["key_prefix"] == body["api_key"][:8]
    assert (body["user_id"], body["username"], body["ttl_hours"]) == (1, "emulator-user", 2)
    assert body["aws_arn"] == EMULATOR_AWS.arn
    issued = when(body["expires_at"]).timestamp()
    assert issued == pytest.approx(emu.clock.now() + 7200, abs=1)
    again = httpx.post(f"{base}/v1/auth/aws-login", json=login_body(EMULATOR_AWS)).json()
    assert again["api_key"] != body["api_key"], "every login issues a new key"
    new_user = httpx.post(f"{base}/v1/auth/aws-login", json=login_body(OTHER_AWS)).json()
    assert (new_user["user_id"], new_user["username"]) == (2, "other-user")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            login_body(WRONG_ROLE_AWS),
            403,
            "Access denied. Required role: SSOCloudDevGpuReservation, got: SSOReadOnly",
        ),
        (
            login_body(IAM_USER_AWS),
            403,
            "Access denied. Required role: SSOCloudDevGpuReservation, got: none",
        ),
        (login_body(EMULATOR_AWS, aws_access_key_id="ASIAUNKNOWNKEY000000"), 401, None),
        (login_body(EMULATOR_AWS, aws_session_token=None), 401, "Invalid AWS credentials"),
        (
            login_body(EMULATOR_AWS, aws_secret_access_key="x" * 40),
            401,
            "AWS signature verification failed",
        ),
    ],
    ids=["wrong-role", "no-role", "unknown-key", "no-session-token", "wrong-secret"],
)
def test_aws_login_refusals(base: str, body: dict[str, Any], status: int, detail: str) -> None:
    answer = httpx.post(f"{base}/v1/auth/aws-login", json=body)
    assert answer.status_code == status
    assert answer.json()["detail"] == (detail or "Invalid AWS credentials")


def test_aws_login_validates_lengths(base: str) -> None:
    answer = httpx.post(
        f"{base}/v1/auth/aws-login", json=login_body(EMULATOR_AWS, aws_secret_access_key="short")
    )
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", "aws_secret_access_key"]
    assert error["type"] == "string_too_short"


def test_oidc_login_is_not_enabled(base: str) -> None:
    answer = httpx.post(f"{base}/v1/auth/oidc-login", json={"id_token": "x"})
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": "OIDC authentication is not enabled"},
    )


@pytest.mark.parametrize(
    ("header", "status", "detail"),
    [
        (None, 403, "Not authenticated"),
        ("Basic abc", 403, "Not authenticated"),
        ("Bearer short", 401, "Invalid API key format"),
        ("Bearer " + "k" * 257, 401, "Invalid API key format"),
        ("Bearer " + "k" * 40, 401, "Invalid API key"),
    ],
)
def test_key_verification(base: str, header: str | None, status: int, detail: str) -> None:
    headers = {"Authorization": header} if header else {}
    answer = httpx.get(f"{base}/v1/jobs", headers=headers)
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})


def test_keys_expire_after_the_ttl(api: Api, emu: Emulator) -> None:
    assert api.http.get("/v1/jobs").status_code == 200
    api.advance(2 * 3600)
    expired = api.http.get("/v1/jobs")
    assert (expired.status_code, expired.json()) == (403, {"detail": "API key has expired"})


def test_key_ttl_is_controllable_and_keys_can_be_expired(base: str, emu: Emulator) -> None:
    admin = httpx.Client(base_url=base.replace("/gpudev", "/_emulator/gpudev"))
    assert admin.patch("/settings", json={"key_ttl_seconds": 30}).json()["key_ttl_seconds"] == 30
    body = httpx.post(f"{base}/v1/auth/aws-login", json=login_body(EMULATOR_AWS)).json()
    assert when(body["expires_at"]).timestamp() == pytest.approx(emu.clock.now() + 30, abs=1)
    assert body["ttl_hours"] == 1, "ttl_hours is an int in the real answer"
    user = Api(base, emu, body["api_key"])
    assert user.http.get("/v1/jobs").status_code == 200
    assert admin.post("/keys/expire").json()["expired"] >= 2
    assert user.http.get("/v1/jobs").json() == {"detail": "API key has expired"}


def test_rotate_issues_a_new_key_and_keeps_the_old(api: Api, base: str, emu: Emulator) -> None:
    rotated = api.http.post("/v1/keys/rotate").json()
    assert set(rotated) == {"api_key", "key_prefix", "user_id", "username", "expires_at"}
    assert rotated["username"] == "emulator-user"
    assert Api(base, emu, rotated["api_key"]).http.get("/v1/jobs").status_code == 200
    assert api.http.get("/v1/jobs").status_code == 200, "old keys stay valid until they expire"


def test_disabled_user_and_static_key(base: str, emu: Emulator) -> None:
    static = Api(base, emu, STATIC_API_KEY)
    assert static.http.get("/v1/jobs").status_code == 200
    emu.gpudev.set_user_active("emulator-user", False)
    refused = static.http.get("/v1/jobs")
    assert (refused.status_code, refused.json()) == (403, {"detail": "User account is disabled"})


# -- jobs ---------------------------------------------------------------------------------------


def test_job_lifecycle_pending_preparing_active(api: Api) -> None:
    submitted = api.http.post(
        "/v1/jobs/submit",
        json={
            "instance_type": "p5.48xlarge",
            "duration_hours": 3,
            "env_vars": {"GPU_TYPE": "H100", "GPU_COUNT": "4", "RESERVATION_ID": "r-1"},
        },
    ).json()
    assert submitted == {
        "job_id": "r-1",
        "status": "queued",
        "message": "Job submitted successfully to queue (message ID: 1)",
        "estimated_start_time": None,
    }
    missing = api.http.get("/v1/jobs/r-1")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Job r-1 not found"})
    api.advance(PICKUP)
    pending = api.job("r-1")
    assert pending["status"] == "pending" and pending["ssh_command"] is None
    assert (pending["gpu_type"], pending["gpu_count"]) == ("h100", 4), "GPU_TYPE is lower-cased"
    api.advance(SCHEDULE)
    preparing = api.job("r-1")
    assert preparing["status"] == "preparing"
    assert preparing["current_detailed_status"] == (
        "Found 4 available H100 GPUs - preparing resources"
    )
    api.advance(PREPARE)
    active = api.job("r-1")
    assert active["status"] == "active"
    assert active["ssh_command"] == f"gpu-dev connect {active['pod_name']}"
    assert active["pod_name"] == "gpu-dev-r-1"
    assert active["node_ip"] == "127.0.0.1", "its SSH port listens here (test_ssh_banners)"
    assert active["node_port"] > 0
    launched = api.emu.clock.now()
    assert when(active["expires_at"]).timestamp() == pytest.approx(launched + 3 * 3600, abs=1)
    assert when(active["created_at"]).timestamp() == pytest.approx(launched - PREPARE - 2, abs=1)
    assert active["duration_hours"] == 3.0


def test_a_repeated_reservation_id_is_the_same_job(api: Api) -> None:
    env = {"RESERVATION_ID": "same"}
    assert api.submit(env_vars=env) == api.submit(env_vars=env) == "same"
    api.advance(PICKUP + SCHEDULE + PREPARE)
    listed = api.http.get("/v1/jobs").json()
    assert listed["total"] == 1 and api.job("same")["status"] == "active"


def test_queue_positions_fifo_and_start_when_capacity_frees(api: Api, other: Api) -> None:
    blocker = other.submit("h100", 16)
    api.advance(PICKUP + SCHEDULE)
    first = api.submit("h100", 8)
    second = api.submit("h100", 1)
    api.advance(PICKUP + SCHEDULE)
    queued = api.job(first)
    assert (queued["status"], queued["queue_position"]) == ("queued", 1)
    assert queued["current_detailed_status"] == "No H100 nodes available - position #1 in queue"
    assert api.job(second)["queue_position"] == 2, "first come, first served"
    h100 = api.http.get("/v1/gpu/availability").json()["availability"]["h100"]
    assert h100 == {
        "gpu_type": "h100",
        "total": 16,
        "available": 0,
        "in_use": 16,
        "queued": 9,
        "max_per_node": 8,
    }
    status = api.http.get("/v1/cluster/status").json()
    assert status["preparing_reservations"] == 1 and status["queued_reservations"] == 2
    assert status["queued_gpus"] == 9 and status["by_gpu_type"]["h100"] == h100

    assert other.action(blocker, "cancel").status_code == 200
    api.advance(PICKUP)
    assert other.job(blocker)["status"] == "cancelled"
    assert api.job(first)["status"] == "preparing"
    assert api.job(second)["status"] == "preparing", "the 1-GPU job fits on the other node"
    api.advance(PREPARE)
    assert api.job(first)["status"] == api.job(second)["status"] == "active"


def test_a_job_needs_whole_free_nodes(api: Api) -> None:
    api.submit("h100", 8)
    api.submit("h100", 4)
    api.advance(PICKUP + SCHEDULE)
    waiting = api.submit("h100", 8)
    api.advance(PICKUP + SCHEDULE)
    assert api.job(waiting)["current_detailed_status"] == (
        "Need 8 H100 GPUs, only 4 available - position #1"
    )


@pytest.mark.parametrize(
    ("gpu_type", "count", "reason"),
    [
        (
            "x100",
            1,
            "Invalid GPU type: x100. Must be one of: t4, l4, a10g, t4-small, a100, h100, "
            "h200, b200, cpu-arm, cpu-x86",
        ),
        ("h100", 3, "Validation error: Invalid GPU count: 3. Must be one of: 1, 2, 4, 8, 16"),
        ("t4", 8, "Validation error: t4 nodes have 4 GPUs; cannot reserve 8"),
        ("cpu-x86", 1, "Validation error: CPU type cpu-x86 requires gpu_count=0"),
    ],
)
def test_invalid_jobs_fail_with_a_reason(api: Api, gpu_type: str, count: int, reason: str) -> None:
    job_id = api.submit(gpu_type, count)
    api.advance(PICKUP + SCHEDULE)
    job = api.job(job_id)
    assert (job["status"], job["failure_reason"]) == ("failed", reason)


def test_cpu_jobs_need_no_gpu(api: Api) -> None:
    job_id = api.submit("cpu-arm", 0)
    api.advance(PICKUP + SCHEDULE + PREPARE)
    assert api.job(job_id)["status"] == "active"


def test_type_without_nodes_fails(api: Api, emu: Emulator) -> None:
    emu.gpudev.set_capacity("b200", 0)
    job_id = api.submit("b200", 1)
    api.advance(PICKUP + SCHEDULE)
    assert api.job(job_id)["failure_reason"] == (
        "GPU type 'B200' not available - no nodes configured in cluster"
    )


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"duration_hours": 73}, ["body", "duration_hours"]),
        ({"duration_hours": 0}, ["body", "duration_hours"]),
        ({"disk_size_gb": 5}, ["body", "disk_size_gb"]),
        ({"instance_type": None}, ["body", "instance_type"]),
    ],
)
def test_submit_validation_is_422(api: Api, change: dict[str, Any], loc: list[str]) -> None:
    body = {"instance_type": "p5.48xlarge", "duration_hours": 2, **change}
    answer = api.http.post("/v1/jobs/submit", json=body)
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["detail"]] == [loc]


def test_submit_with_a_bad_gpu_count_is_500(api: Api) -> None:
    answer = api.http.post(
        "/v1/jobs/submit", json={"instance_type": "x", "env_vars": {"GPU_COUNT": "eight"}}
    )
    assert (answer.status_code, answer.json()) == (500, {"detail": "Failed to submit job"})


def test_list_filters_pages_and_sees_only_own_jobs(api: Api, other: Api) -> None:
    ids = []
    for _ in range(5):
        ids.append(api.submit("a100", 1))
        api.advance(1)
    other.submit("a100", 1)
    api.advance(PICKUP + SCHEDULE)
    api.action(ids[0], "cancel")
    api.advance(PICKUP)
    page = api.http.get("/v1/jobs", params={"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [j["job_id"] for j in page["jobs"]] == [ids[3], ids[2]], "newest first"
    cancelled = api.http.get("/v1/jobs", params={"status": "cancelled"}).json()
    assert [j["job_id"] for j in cancelled["jobs"]] == [ids[0]]
    both = api.http.get("/v1/jobs", params={"status": "cancelled,preparing"}).json()
    assert both["total"] == 5
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
        assert api.http.get("/v1/jobs", params=params).status_code == 422


def test_other_users_jobs_are_forbidden(api: Api, other: Api) -> None:
    job_id = other.submit()
    api.advance(PICKUP)
    answer = api.http.get(f"/v1/jobs/{job_id}")
    assert (answer.status_code, answer.json()) == (
        403,
        {"detail": "You can only view your own jobs"},
    )


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("cancel", None, "Failed to submit cancellation request"),
        ("extend", {"extension_hours": 1}, "Failed to submit extension request"),
        ("jupyter/enable", None, "Failed to submit Jupyter enable request"),
        ("jupyter/disable", None, "Failed to submit Jupyter disable request"),
        ("users", {"github_username": "octocat"}, "Failed to submit add user request"),
    ],
)
def test_actions_on_missing_or_foreign_jobs(
    api: Api, other: Api, emu: Emulator, action: str, body: Any, message: str
) -> None:
    foreign = other.submit()
    api.advance(PICKUP)
    # The documented defect: 500 instead of 404/403.
    for job_id in ("missing", foreign):
        answer = api.action(job_id, action, body)
        assert (answer.status_code, answer.json()) == (500, {"detail": message})
    emu.gpudev.settings.action_500_quirk = False
    assert api.action("missing", action, body).json() == {"detail": "Job missing not found"}
    refused = api.action(foreign, action, body)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("You can only")


def active_job(api: Api, **body: Any) -> str:
    job_id = api.submit(**body)
    api.advance(PICKUP + SCHEDULE + PREPARE)
    assert api.job(job_id)["status"] == "active"
    return job_id


def test_cancel_is_queued_and_frees_the_gpus(api: Api) -> None:
    job_id = active_job(api, gpu_type="h100", count=16)
    answer = api.action(job_id, "cancel").json()
    assert answer["action"] == "cancel" and answer["status"] == "requested"
    assert answer["message"].startswith("Cancellation request submitted (message ID: ")
    assert api.job(job_id)["status"] == "active", "actions take effect at the next poll"
    api.advance(PICKUP)
    assert api.job(job_id)["status"] == "cancelled"
    h100 = api.http.get("/v1/gpu/availability").json()["availability"]["h100"]
    assert h100["available"] == 16


def test_extend_and_its_48_hour_cap(api: Api, emu: Emulator) -> None:
    job_id = active_job(api, duration_hours=40)
    expires = when(api.job(job_id)["expires_at"])
    answer = api.action(job_id, "extend", {"extension_hours": 8}).json()
    assert answer["message"].startswith("Extension request submitted for 8 hours (message ID:")
    api.advance(PICKUP)
    extended = api.job(job_id)
    assert when(extended["expires_at"]) - expires == timedelta(hours=8)
    assert extended["extension_error"] is None and extended["duration_hours"] == 48
    api.action(job_id, "extend", {"extension_hours": 1})
    api.advance(PICKUP)
    refused = api.job(job_id)
    assert when(refused["expires_at"]) - expires == timedelta(hours=8), "unchanged"
    assert "maximum reservation time of 48 hours" in refused["extension_error"]
    assert api.action(job_id, "extend", {"extension_hours": 73}).status_code == 422


def test_extend_version_gate_bug_fails_the_job(api: Api, emu: Emulator) -> None:
    emu.gpudev.settings.extend_version_gate_bug = True
    job_id = active_job(api)
    api.action(job_id, "extend", {"extension_hours": 1})
    api.advance(PICKUP)
    job = api.job(job_id)
    assert job["status"] == "failed" and "CLI is outdated" in job["failure_reason"]


def test_jupyter_and_users(api: Api, emu: Emulator) -> None:
    job_id = active_job(api, env_vars={"JUPYTER_ENABLED": "true", "GITHUB_USER": "octocat"})
    job = api.job(job_id)
    assert job["jupyter_enabled"] and job["jupyter_url"].startswith(f"http://{job['node_ip']}:")
    assert len(job["jupyter_token"]) == 48 and job["github_user"] == "octocat"
    api.action(job_id, "jupyter/disable")
    api.advance(PICKUP)
    off = api.job(job_id)
    assert (off["jupyter_enabled"], off["jupyter_url"], off["jupyter_token"]) == (False, None, None)
    api.action(job_id, "jupyter/enable")
    answer = api.action(job_id, "users", {"github_username": "hubot"}).json()
    assert answer["message"].startswith("Add user request submitted for GitHub user 'hubot'")
    api.advance(PICKUP)
    assert api.job(job_id)["jupyter_enabled"] is True
    assert emu.gpudev.job(job_id).users == ["hubot"]


def test_active_jobs_expire_after_the_grace(api: Api) -> None:
    job_id = active_job(api, duration_hours=1)
    api.advance(3600 + GRACE - 1)
    assert api.job(job_id)["status"] == "active"
    api.advance(2)
    assert api.job(job_id)["status"] == "expired"


def test_stale_queue_and_stuck_preparing(api: Api, other: Api, emu: Emulator) -> None:
    other.submit("t4-small", 1, duration_hours=72)
    api.advance(PICKUP + SCHEDULE)
    waiting = api.submit("t4-small", 1)
    emu.gpudev.stick_next_jobs = 1
    stuck = api.submit("a10g", 1)
    api.advance(PICKUP + SCHEDULE)
    assert api.job(waiting)["status"] == "queued"
    api.advance(3600)
    assert "stuck in preparing" in api.job(stuck)["failure_reason"]
    api.advance(47 * 3600)
    assert emu.gpudev.job(waiting).status == "cancelled", "stale after 48 h in the queue"
    assert emu.gpudev.job(waiting).history == ["pending", "queued", "cancelled"]


def test_planned_failures_and_strict_answers(api: Api, emu: Emulator) -> None:
    emu.gpudev.fail_next_jobs.append("Pod failed to start: ImagePullBackOff")
    job_id = api.submit()
    api.advance(PICKUP + SCHEDULE + PREPARE)
    failed = api.job(job_id)
    assert (failed["status"], failed["failure_reason"]) == (
        "failed",
        "Pod failed to start: ImagePullBackOff",
    )
    emu.gpudev.settings.strict_job_detail = True
    strict = api.job(job_id)
    for hidden in ("queue_position", "failure_reason", "current_detailed_status"):
        assert hidden not in strict


# -- disks --------------------------------------------------------------------------------------


def test_disk_create_is_a_queued_operation(api: Api) -> None:
    created = api.http.post("/v1/disks", json={"disk_name": "data", "size_gb": 200}).json()
    assert created["action"] == "create" and created["disk_name"] == "data"
    assert created["message"] == "Disk creation request queued successfully"
    op = f"/v1/disks/data/operations/{created['operation_id']}"
    assert api.http.get(op).status_code == 404, "not taken up by the processor yet"
    assert api.http.get("/v1/disks/data").status_code == 404
    api.advance(PICKUP)
    running = api.http.get(op).json()
    assert (running["status"], running["completed"]) == ("in_progress", False)
    api.advance(20)
    done = api.http.get(op).json()
    assert (done["status"], done["completed"], done["error"]) == ("completed", True, None)
    disk = api.http.get("/v1/disks/data").json()
    assert (disk["size_gb"], disk["in_use"], disk["is_deleted"]) == (200, False, False)
    assert api.http.get("/v1/disks").json()["total"] == 1


def test_disk_names_and_duplicates(api: Api) -> None:
    bad = api.http.post("/v1/disks", json={"disk_name": "no spaces"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"detail": "Disk name must contain only letters, numbers, hyphens, and underscores"},
    )
    api.http.post("/v1/disks", json={"disk_name": "d"})
    api.advance(PICKUP + 20)
    again = api.http.post("/v1/disks", json={"disk_name": "d"}).json()
    api.advance(PICKUP)
    op = api.http.get(f"/v1/disks/d/operations/{again['operation_id']}").json()
    assert (op["status"], op["error"], op["completed"]) == (
        "failed",
        "Disk 'd' already exists",
        True,
    )


def test_disk_delete_is_soft_and_queued(api: Api, emu: Emulator) -> None:
    api.http.post("/v1/disks", json={"disk_name": "d"})
    api.advance(PICKUP + 20)
    deleted = api.http.delete("/v1/disks/d").json()
    retention = datetime.fromtimestamp(emu.clock.now(), tz=timezone.utc).date() + timedelta(days=30)
    assert deleted["message"] == (
        f"Disk deletion request queued successfully. Will be deleted on {retention.isoformat()}"
    )
    api.advance(PICKUP + 10)
    op = api.http.get(f"/v1/disks/d/operations/{deleted['operation_id']}").json()
    assert op["status"] == "completed" and op["is_deleted"] is True
    assert op["delete_date"] == retention.isoformat()
    assert api.http.get("/v1/disks").json() == {"disks": [], "total": 0}
    assert api.http.get("/v1/disks/d").json()["is_deleted"] is True, "GET still shows it"
    gone = api.http.get("/v1/disks/d/content")
    assert (gone.status_code, gone.json()) == (410, {"detail": "Disk 'd' is marked for deletion"})
    missing = api.http.delete("/v1/disks/nothing").json()
    api.advance(PICKUP)
    op = api.http.get(f"/v1/disks/nothing/operations/{missing['operation_id']}").json()
    assert (op["status"], op["error"]) == ("failed", "Disk 'nothing' not found")


def test_jobs_use_disks_one_at_a_time(api: Api) -> None:
    first = active_job(api, disk_name="work", disk_size_gb=50)
    disk = api.http.get("/v1/disks/work").json()
    assert (disk["in_use"], disk["reservation_id"], disk["size_gb"]) == (True, first, 50)
    second = api.submit(disk_name="work")
    api.advance(PICKUP + SCHEDULE)
    assert "still attached to reservation" in api.job(second)["failure_reason"]
    removal = api.http.delete("/v1/disks/work").json()
    api.advance(PICKUP)
    op = api.http.get(f"/v1/disks/work/operations/{removal['operation_id']}").json()
    assert op["error"] == f"Disk 'work' is in use by reservation {first}"
    api.action(first, "cancel")
    api.advance(PICKUP)
    released = api.http.get("/v1/disks/work").json()
    assert (released["in_use"], released["snapshot_count"]) == (False, 1)
    content = api.http.get("/v1/disks/work/content").json()
    assert content["content"] and content["s3_path"].endswith("snapshot-1.txt")


def test_disk_rename_rules(api: Api) -> None:
    for name in ("a", "b"):
        api.http.post("/v1/disks", json={"disk_name": name})
    api.advance(PICKUP + 20)

    def rename(name: str, new: str) -> httpx.Response:
        return api.http.post(f"/v1/disks/{name}/rename", json={"new_name": new})

    assert rename("a", "bad name").status_code == 400
    assert rename("zzz", "c").json() == {"detail": "Disk 'zzz' not found"}
    assert (rename("a", "b").status_code, rename("a", "b").json()) == (
        409,
        {"detail": "Disk 'b' already exists"},
    )
    done = rename("a", "c").json()
    assert done == {
        "message": "Disk renamed from 'a' to 'c' (no snapshots found)",
        "old_name": "a",
        "new_name": "c",
        "snapshots_updated": 0,
    }
    assert api.http.get("/v1/disks/a").status_code == 404
    job_id = active_job(api, disk_name="c")
    busy = rename("c", "d")
    assert (busy.status_code, busy.json()) == (
        409,
        {"detail": f"Cannot rename disk 'c' - it is currently in use by reservation {job_id}"},
    )
    api.http.delete("/v1/disks/b")
    api.advance(PICKUP + 10)
    assert rename("b", "e").json() == {"detail": "Disk 'b' is marked for deletion"}


def test_leftovers_and_reset(api: Api, emu: Emulator) -> None:
    job_id = api.submit()
    assert emu.leftovers()["gpudev"] == {"jobs": [job_id], "disks": []}, "submitted counts"
    api.http.post("/v1/disks", json={"disk_name": "d"})
    api.advance(PICKUP)
    assert emu.leftovers()["gpudev"] == {"jobs": [job_id], "disks": ["emulator-user/d"]}
    emu.reset()
    assert emu.leftovers()["gpudev"] == {"jobs": [], "disks": []}


def test_the_wrong_role_login_is_published_and_refused(
    served: EmulatorServer, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/_emulator/stack-config`` publishes the README's wrong-role credentials (secret
    and session token included) in a section of their own, leaving the default config as
    it was; a client's login with them gets the documented 403."""
    answer = httpx.get(f"{served.url()}/_emulator/stack-config").json()
    settings, secrets = emu.stack_config(served.url())
    assert (answer["config"], answer["secrets"]) == (settings, secrets), "the default is kept"
    wrong = answer["refused_credentials"]["gpudev-wrong-role"]
    assert wrong["secrets"]["pulumi-gpu:gpudevAwsAccessKeyId"] == "ASIAGPUDEVWRONGROLE1"
    assert set(wrong["secrets"]) == {k for k in secrets if k.startswith("pulumi-gpu:gpudev")}
    documented = "Access denied. Required role: SSOCloudDevGpuReservation, got: SSOReadOnly"
    assert wrong["refusal"] == f"403 {documented}"

    monkeypatch.setattr(config, "_stack_config", None)  # put back after
    config.use_stack_config({**answer["config"], **answer["secrets"], **wrong["secrets"]})
    with pytest.raises(AuthenticationError) as refused:
        gpudev_client().list_jobs()
    assert documented in str(refused.value)
    logins = emu.requests.find("gpudev", "POST", "/v1/auth/aws-login")
    assert [r.status for r in logins] == [403]
