"""The GPU Dev client against the emulated API: AWS login and key renewal, the 500 defect,
retries that are safe, typed answers, configuration."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_gpu.core import config
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    ServerError,
    TransportError,
)
from pulumi_gpu.core.http import RetryPolicy
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.gpudev.model import (
    EMULATOR_AWS,
    OTHER_AWS,
    STATIC_API_KEY,
    WRONG_ROLE_AWS,
    AwsIdentity,
)
from pulumi_gpu.gpudev.auth import ApiKeyAuth, AwsCredentials
from pulumi_gpu.gpudev.client import GpuDevClient, gpudev_client

FAST = RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0)


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=1e-6)) as server:
        yield server


@pytest.fixture
def emu(served: EmulatorServer) -> Emulator:
    served.emulator.reset()
    served.emulator.clock.set_speed(1e-6)
    return served.emulator


def aws(identity: AwsIdentity) -> AwsCredentials:
    return AwsCredentials(
        identity.access_key_id, identity.secret_access_key, identity.session_token
    )


def make_client(
    served: EmulatorServer, *, identity: AwsIdentity | None = EMULATOR_AWS, key: str | None = None
) -> GpuDevClient:
    url = served.url("gpudev")
    login = None
    if identity is not None:
        public = GpuDevClient(url, retry=FAST, sleep=lambda _: None)
        credentials = aws(identity)
        login = lambda: public.aws_login(credentials)  # noqa: E731
    auth = ApiKeyAuth(api_key=key, login=login)
    return GpuDevClient(url, auth=auth, retry=FAST, sleep=lambda _: None)


def submit_body(reservation_id: str | None = "r-1", **env: str) -> dict[str, Any]:
    env_vars = {"GPU_TYPE": "a100", "GPU_COUNT": "1", **env}
    if reservation_id:
        env_vars["RESERVATION_ID"] = reservation_id
    return {"instance_type": "p4d.24xlarge", "duration_hours": 2, "env_vars": env_vars}


def logins(emu: Emulator) -> int:
    return len(emu.requests.find("gpudev", "POST", "/v1/auth/aws-login"))


def test_logs_in_once_and_sends_the_key_as_bearer(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    seen: list[httpx.Request] = []
    client._http.event_hooks["request"].append(seen.append)
    assert client.list_jobs().total == 0
    assert client.cluster_status().total_gpus == 81
    assert logins(emu) == 1
    assert client.auth is not None and client.auth.logins == 1
    keys = emu.gpudev.issued_keys()
    assert all(r.headers["Authorization"] == f"Bearer {keys[-1]}" for r in seen)
    assert all(keys[-1] not in str(r.url) for r in seen)
    assert "<hidden>" in repr(client.auth) and keys[-1] not in repr(client.auth)


def test_expired_key_is_renewed_transparently(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    client.list_jobs()
    emu.gpudev.expire_keys()
    assert client.list_jobs().total == 0
    assert logins(emu) == 2
    statuses = [r.status for r in emu.requests.find("gpudev", "GET", "/v1/jobs")]
    assert statuses == [200, 403, 200], "refused once, then retried with the new key"


def test_threads_share_one_renewal(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    client.list_jobs()
    emu.gpudev.expire_keys()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.list_jobs()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert logins(emu) == 2, "threads that saw the same stale key share one login"


def test_configured_key_falls_back_to_aws_login(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served, key=STATIC_API_KEY)
    client.list_jobs()
    assert logins(emu) == 0, "a configured key is used first"
    emu.gpudev.expire_keys()
    client.list_jobs()
    assert logins(emu) == 1


def test_configured_key_alone_says_how_to_fix_a_refusal(
    served: EmulatorServer, emu: Emulator
) -> None:
    client = make_client(served, identity=None, key=STATIC_API_KEY)
    client.list_jobs()
    emu.gpudev.expire_keys()
    with pytest.raises(AuthenticationError) as refused:
        client.list_jobs()
    assert "API key has expired" in str(refused.value)
    assert "configure AWS credentials" in str(refused.value)
    assert STATIC_API_KEY not in str(refused.value)
    assert logins(emu) == 0


def test_refused_login_is_clear_and_secret_free(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served, identity=WRONG_ROLE_AWS)
    with pytest.raises(AuthenticationError, match="got: SSOReadOnly") as refused:
        client.list_jobs()
    text = str(refused.value)
    assert WRONG_ROLE_AWS.secret_access_key not in text
    assert WRONG_ROLE_AWS.session_token not in text
    assert WRONG_ROLE_AWS.secret_access_key not in repr(aws(WRONG_ROLE_AWS))


def test_rotate_key(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    issued = client.rotate_key()
    assert issued.username == "emulator-user" and issued.expires_at is not None
    assert issued.api_key not in repr(issued)


def test_actions_on_missing_jobs_raise_not_found_despite_the_500(
    served: EmulatorServer, emu: Emulator
) -> None:
    client = make_client(served)
    with pytest.raises(NotFoundError, match="Job missing not found") as missing:
        client.cancel_job("missing")
    assert "the API answered 500: Failed to submit cancellation request" in str(missing.value)
    with pytest.raises(NotFoundError):
        client.extend_job("missing", 1)
    emu.gpudev.settings.action_500_quirk = False
    with pytest.raises(NotFoundError, match="Job missing not found"):
        client.enable_jupyter("missing")


def test_actions_on_foreign_jobs_raise_authentication_errors(
    served: EmulatorServer, emu: Emulator
) -> None:
    mine, theirs = make_client(served), make_client(served, identity=OTHER_AWS)
    theirs.submit_job(submit_body("theirs"))
    emu.clock.advance(5)
    with pytest.raises(AuthenticationError, match="You can only view your own jobs"):
        mine.add_user("theirs", "octocat")


def test_submit_with_a_reservation_id_is_retried_after_a_drop(
    served: EmulatorServer, emu: Emulator
) -> None:
    client = make_client(served)
    emu.faults.add(
        cloud="gpudev", method="POST", path="/v1/jobs/submit", after_action=True, drop=True
    )
    assert client.submit_job(submit_body("r-1")).job_id == "r-1"
    assert len(emu.requests.find("gpudev", "POST", "/v1/jobs/submit")) == 2
    emu.clock.advance(10)
    assert [j.job_id for j in client.iter_jobs()] == ["r-1"], "the retry is the same job"


def test_submit_without_a_reservation_id_is_never_retried(
    served: EmulatorServer, emu: Emulator
) -> None:
    client = make_client(served)
    emu.faults.add(cloud="gpudev", method="POST", path="/v1/jobs/submit", status=503)
    with pytest.raises(ServerError) as failure:
        client.submit_job(submit_body(None))
    assert failure.value.outcome_unknown
    assert len(emu.requests.find("gpudev", "POST", "/v1/jobs/submit")) == 1


def test_extend_is_not_retried_but_cancel_is(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    client.submit_job(submit_body("r-1"))
    emu.clock.advance(100)
    emu.faults.add(cloud="gpudev", method="POST", path="/v1/jobs/*/extend", drop=True)
    with pytest.raises(TransportError) as lost:
        client.extend_job("r-1", 2)
    assert lost.value.outcome_unknown
    assert len(emu.requests.find("gpudev", "POST", "/v1/jobs/*/extend")) == 1
    emu.faults.add(cloud="gpudev", method="POST", path="/v1/jobs/*/cancel", status=503, times=2)
    assert client.cancel_job("r-1").action == "cancel"
    assert len(emu.requests.find("gpudev", "POST", "/v1/jobs/*/cancel")) == 3


def test_jobs_paging_and_typed_answers(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    for index in range(5):
        client.submit_job(submit_body(f"r-{index}"))
        emu.clock.advance(1)
    emu.clock.advance(100)
    assert [j.job_id for j in client.iter_jobs(page_size=2)] == [f"r-{i}" for i in range(4, -1, -1)]
    job = client.get_job("r-0")
    assert job.status == "active" and not job.ended
    assert job.expires_at is not None and job.expires_at.tzinfo is not None
    assert client.list_jobs(["active"], limit=1).total == 5
    a100 = client.gpu_availability()["a100"]
    assert (a100.total, a100.in_use, a100.available, a100.max_per_node) == (16, 5, 11, 8)
    assert client.cluster_status().active_reservations == 5
    assert client.health().status == "healthy"
    assert client.info()["service"] == "GPU Dev API"


def test_disk_operations(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    op = client.create_disk("data", 100)
    with pytest.raises(NotFoundError):
        client.get_disk_operation("data", op.operation_id)
    emu.clock.advance(30)
    status = client.get_disk_operation("data", op.operation_id)
    assert status.succeeded and status.failure_reason() is None
    assert [d.disk_name for d in client.list_disks()] == ["data"]
    renamed = client.rename_disk("data", "data-2")
    assert (renamed.old_name, renamed.new_name) == ("data", "data-2")
    assert client.get_disk("data-2").size_gb == 100
    assert client.disk_content("data-2").content is None
    removal = client.delete_disk("data-2")
    emu.clock.advance(30)
    assert client.get_disk_operation("data-2", removal.operation_id).succeeded
    assert client.get_disk("data-2").is_deleted


def test_paths_are_escaped(served: EmulatorServer, emu: Emulator) -> None:
    client = make_client(served)
    with pytest.raises(NotFoundError, match=r"GET /v1/jobs/\.\.%2Fjobs answered 404"):
        client.get_job("../jobs")  # never turns into GET /v1/jobs


# -- configuration ------------------------------------------------------------------------------


@pytest.fixture
def stack_config(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Stack configuration as a dynamic provider's ``configure`` would get it (empty)."""
    for name in (
        "GPU_DEV_API_URL",
        "GPU_DEV_API_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    fake: dict[str, str] = {}
    monkeypatch.setattr(config, "_stack_config", None)
    use_stack_config(fake)
    return fake


def test_endpoint_is_required(stack_config: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match=r"pulumi-gpu:gpudevEndpoint.*GPU_DEV_API_URL"):
        gpudev_client()
    stack_config["pulumi-gpu:gpudevEndpoint"] = "gpudev.example.com"
    with pytest.raises(ConfigurationError, match="http"):
        gpudev_client()


def test_credentials_are_required(stack_config: dict[str, str]) -> None:
    stack_config["pulumi-gpu:gpudevEndpoint"] = "http://127.0.0.1:9/gpudev"
    with pytest.raises(ConfigurationError) as missing:
        gpudev_client()
    for name in ("pulumi-gpu:gpudevApiKey", "GPU_DEV_API_KEY", "AWS_ACCESS_KEY_ID"):
        assert name in str(missing.value)


def test_aws_credentials_come_whole_from_one_source(
    stack_config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAFROMENVIRONMENT0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "e" * 40)
    from_env = AwsCredentials.configured()
    assert from_env is not None and from_env.source == "environment"
    assert from_env.session_token is None
    stack_config["pulumi-gpu:gpudevAwsAccessKeyId"] = EMULATOR_AWS.access_key_id
    with pytest.raises(ConfigurationError, match="gpudevAwsSecretAccessKey"):
        AwsCredentials.configured()
    stack_config["pulumi-gpu:gpudevAwsSecretAccessKey"] = EMULATOR_AWS.secret_access_key
    from_config = AwsCredentials.configured()
    assert from_config == AwsCredentials(
        EMULATOR_AWS.access_key_id, EMULATOR_AWS.secret_access_key, None, "stack config"
    ), "the environment's secret is never mixed in"
    assert EMULATOR_AWS.secret_access_key not in repr(from_config)


def test_configured_client_logs_in_against_the_emulator(
    stack_config: dict[str, str], served: EmulatorServer, emu: Emulator
) -> None:
    settings, secrets = emu.stack_config(served.url())
    stack_config.update({**settings, **secrets})
    client = gpudev_client()
    assert client is gpudev_client(), "one client per process and credentials"
    assert client.list_jobs().total == 0
    assert logins(emu) == 1
