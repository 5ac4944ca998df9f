"""Commands that run in emulated containers: RunPod pod ``args`` (the pod EXITED when they
end, their log as Server-Sent Events), Celium ``startup_commands`` (their log as text) and
scheduled removal, GPU Dev job ``command`` (``completed`` or ``failed`` when it ends).

Time stands almost still and moves only with ``clock.advance``, so every line and state
is observed at the simulated moment it happens, whether or not anyone looked before.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.gpudev.model import STATIC_API_KEY
from tests.support.openapi import SPECS, ExchangeRecorder, SpecChecker

RUNPOD_GPU: dict[str, Any] = {"id": "NVIDIA GeForce RTX 4090", "count": 1}
RUNPOD_BOOT = 20 + 60 + 1  # PROVISIONING, STARTING, and a second more past the moment
CELIUM_BOOT = 90 + 1
SSH = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"]


def runpod_spec() -> SpecChecker:
    """RunPod's OpenAPI checker, which also reads ``text/event-stream`` bodies as text."""
    return SpecChecker(
        SPECS / "runpod-rest-v2.openapi.json", "/runpod", text_types=("text/event-stream",)
    )


@pytest.fixture
def still(emu: Emulator) -> Emulator:
    emu.clock.set_speed(1e-6)
    return emu


@pytest.fixture
def recorder() -> ExchangeRecorder:
    return ExchangeRecorder()


@pytest.fixture
def runpod(served: EmulatorServer, still: Emulator, recorder: ExchangeRecorder) -> httpx.Client:
    return httpx.Client(
        base_url=f"{served.url('runpod')}/v2",
        headers={"Authorization": "Bearer runpod-emulator-key"},
        event_hooks={"response": [recorder]},
    )


@pytest.fixture
def celium(served: EmulatorServer, still: Emulator) -> httpx.Client:
    return httpx.Client(base_url=served.url("celium"), headers={"X-API-KEY": "celium-emulator-key"})


@pytest.fixture
def gpudev(served: EmulatorServer, still: Emulator) -> httpx.Client:
    return httpx.Client(
        base_url=served.url("gpudev"), headers={"Authorization": f"Bearer {STATIC_API_KEY}"}
    )


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def events(response: httpx.Response) -> list[dict[str, Any]]:
    """The Server-Sent Events of a RunPod log answer: id, ts, source, line."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    found = []
    for block in response.text.split("\n\n")[:-1]:
        id_line, data_line = block.split("\n")
        data = json.loads(data_line.removeprefix("data: "))
        found.append({"id": id_line.removeprefix("id: "), **data})
    return found


def lines(response: httpx.Response) -> list[str]:
    return [event["line"] for event in events(response)]


# -- RunPod ------------------------------------------------------------------------------


def test_runpod_pod_exits_when_its_args_end(
    runpod: httpx.Client, still: Emulator, recorder: ExchangeRecorder
) -> None:
    args = "sh -c 'echo hi; sleep 30; exit 3'"
    body = {"name": "job", "image": "ubuntu", "gpu": RUNPOD_GPU, "args": args}
    pod = runpod.post("/pods", json=body).json()
    url = f"/pods/{pod['id']}"
    assert lines(runpod.get(f"{url}/logs")) == [], "nothing runs before RUNNING"
    free = still.runpod._free(RUNPOD_GPU["id"], pod["dataCenterId"], "SECURE")

    still.clock.advance(RUNPOD_BOOT)
    running = runpod.get(url).json()
    assert running["status"] == "RUNNING"
    started = datetime.fromisoformat(running["startedAt"]).timestamp()
    hi = events(runpod.get(f"{url}/logs"))
    assert hi == [
        {
            "id": f"{iso(started)}/000000000001",
            "ts": iso(started),
            "source": "container",
            "line": "hi",
        }
    ]

    still.clock.advance(60)  # nobody looks while the command ends
    exited = runpod.get(url).json()
    assert (exited["status"], exited["cost"], exited["runtime"]) == ("EXITED", 0.0, None)
    assert exited["actions"] == ["start", "terminate"]
    assert still.runpod._free(RUNPOD_GPU["id"], pod["dataCenterId"], "SECURE") == free + 1
    assert lines(runpod.get(f"{url}/logs")) == ["hi"]

    assert runpod.post(f"{url}/action", json={"action": "start"}).status_code == 200
    still.clock.advance(60 + 10)
    restarted = runpod.get(url).json()
    assert restarted["status"] == "RUNNING", "each start runs the args again"
    again = events(runpod.get(f"{url}/logs"))
    assert [(e["line"], e["id"][-2:]) for e in again] == [("hi", "01"), ("hi", "02")]
    assert again[1]["ts"] == iso(datetime.fromisoformat(restarted["startedAt"]).timestamp())
    still.clock.advance(30)
    assert runpod.get(url).json()["status"] == "EXITED"
    streams = [e for e in recorder.exchanges if e.response_body]  # an empty one has no data
    assert runpod_spec().problems(streams) == []


def test_runpod_log_query_and_cursor(runpod: httpx.Client, still: Emulator) -> None:
    args = "echo one; sleep 10; echo two; sleep 10; echo three; sleep infinity"
    body = {"name": "svc", "image": "ubuntu", "gpu": RUNPOD_GPU, "args": args}
    url = f"/pods/{runpod.post('/pods', json=body).json()['id']}/logs"
    still.clock.advance(RUNPOD_BOOT + 25)
    everything = events(runpod.get(url))
    assert [e["line"] for e in everything] == ["one", "two", "three"]
    assert lines(runpod.get(url, params={"tail": 2})) == ["two", "three"]
    assert lines(runpod.get(url, params={"tail": 0})) == []
    assert lines(runpod.get(url, params={"since": everything[0]["ts"]})) == ["two", "three"]
    offset = datetime.fromisoformat(everything[1]["ts"]).astimezone(timezone(timedelta(hours=2)))
    assert lines(runpod.get(url, params={"since": offset.isoformat()})) == ["three"]
    assert lines(runpod.get(url, params={"source": "system"})) == []
    assert lines(runpod.get(url, params={"source": "container", "tail": 1})) == ["three"]
    resumed = runpod.get(url, params={"tail": 0}, headers={"Last-Event-ID": everything[0]["id"]})
    assert lines(resumed) == ["two", "three"], "the cursor wins over tail"
    assert lines(runpod.get(url, headers={"Last-Event-ID": everything[1]["ts"]})) == ["three"]
    for params in ({"tail": 5001}, {"tail": -1}, {"since": "yesterday"}, {"source": "both"}):
        refused = runpod.get(url, params=params)
        assert refused.status_code == 400, params
        assert refused.headers["content-type"] == "application/problem+json"
    still.clock.advance(10**6)
    assert lines(runpod.get(url)) == ["one", "two", "three"], "a service runs on"


def test_runpod_args_come_from_the_template_and_failures_are_system_lines(
    runpod: httpx.Client, still: Emulator
) -> None:
    template = {"name": "t", "image": "ubuntu", "args": "echo from template; sleep 5"}
    template_id = runpod.post("/templates", json=template).json()["id"]
    body = {"name": "p", "gpu": RUNPOD_GPU, "templateId": template_id}
    pod = runpod.post("/pods", json=body).json()
    plain = runpod.post("/pods", json={"name": "q", "image": "ubuntu", "gpu": RUNPOD_GPU}).json()
    still.clock.advance(RUNPOD_BOOT + 5)
    assert runpod.get(f"/pods/{pod['id']}").json()["status"] == "EXITED"
    assert lines(runpod.get(f"/pods/{pod['id']}/logs")) == ["from template"]
    assert runpod.get(f"/pods/{plain['id']}").json()["status"] == "RUNNING", "image default"

    still.runpod.fail("pods", plain["id"], "CUDA error: out of memory")
    failed = events(runpod.get(f"/pods/{plain['id']}/logs"))
    assert [(e["source"], e["line"]) for e in failed] == [("system", "CUDA error: out of memory")]
    still.runpod.fail_next("pods", "image pull failed")
    doomed = runpod.post("/pods", json={"name": "r", "image": "ubuntu", "gpu": RUNPOD_GPU}).json()
    assert lines(runpod.get(f"/pods/{doomed['id']}/logs")) == [], "not failed yet"
    still.clock.advance(RUNPOD_BOOT)
    assert lines(runpod.get(f"/pods/{doomed['id']}/logs", params={"source": "system"})) == [
        "image pull failed"
    ]


def test_runpod_logs_of_unknown_and_other_accounts_pods_are_404(
    served: EmulatorServer, runpod: httpx.Client
) -> None:
    pod = runpod.post("/pods", json={"name": "p", "image": "ubuntu", "gpu": RUNPOD_GPU}).json()
    theirs = httpx.Client(
        base_url=f"{served.url('runpod')}/v2",
        headers={"Authorization": "Bearer runpod-second-account-key"},
    )
    for client, pod_id in ((theirs, pod["id"]), (runpod, "nope")):
        missing = client.get(f"/pods/{pod_id}/logs")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "The requested Pod does not exist."


# -- Celium ------------------------------------------------------------------------------


def celium_pod(api: httpx.Client, emu: Emulator, **template: Any) -> dict[str, Any]:
    fields = {"name": "t", "docker_image": "ubuntu", **template}
    template_id = api.post("/templates", json=fields).json()["id"]
    emu.clock.advance(600)
    executor = api.get("/executors").json()[0]["id"]
    body = {"pod_name": "p", "template_id": template_id, "user_public_key": SSH}
    rented = api.post(f"/executors/{executor}/rent", json=body)
    assert rented.status_code == 200, rented.text
    return dict(rented.json())


def own_templates(api: httpx.Client) -> list[dict[str, Any]]:
    """The caller's templates (Celium's own public ones have no ``user_id``)."""
    return [t for t in api.get("/templates").json() if t["user_id"] is not None]


def test_celium_startup_commands_are_the_pod_log(celium: httpx.Client, still: Emulator) -> None:
    startup = "echo booting $STAGE; sleep 10; echo ready; exit 1"
    pod = celium_pod(celium, still, startup_commands=startup, environment={"STAGE": "one"})
    url = f"/pods/{pod['id']}/logs"
    assert celium.get(url).text == ""
    still.clock.advance(CELIUM_BOOT)
    answer = celium.get(url, params={"tail": 100, "follow": "false"})
    assert (answer.text, answer.headers["content-type"]) == (
        "booting one\n",
        "text/plain; charset=utf-8",
    )
    still.clock.advance(10)
    assert celium.get(url).text == "booting one\nready\n"
    assert celium.get(url, params={"tail": 1}).text == "ready\n"
    assert celium.get(url, params={"tail": 0}).text == ""
    assert celium.get(url, params={"tail": -1}).status_code == 422
    assert celium.get(f"/pods/{pod['id']}").json()["status"] == "RUNNING", "sshd keeps running"
    other = {"X-API-KEY": "celium-second-account-key"}
    assert celium.get(url, headers=other).json() == {"detail": "404: Pod not found"}


def test_celium_scheduled_removal_removes_the_pod_as_a_delete(
    celium: httpx.Client, still: Emulator
) -> None:
    pod = celium_pod(celium, still, one_time_template=True)
    executor = pod["executor"]["id"]
    now = still.clock.now()
    at = datetime.fromtimestamp(now + 3600, tz=timezone.utc).replace(microsecond=0)
    scheduled = celium.post(
        f"/pods/{pod['id']}/schedule-removal",
        json={"removal_scheduled_at": at.isoformat().replace("+00:00", "Z")},
    )
    assert scheduled.status_code == 200
    assert scheduled.json()["removal_scheduled_at"] == at.replace(tzinfo=None).isoformat()
    still.clock.advance(CELIUM_BOOT)
    assert celium.get(f"/pods/{pod['id']}").json()["status"] == "RUNNING"

    still.clock.advance(3600 + still.celium.timings.delete)  # nobody looks meanwhile
    assert celium.get(f"/pods/{pod['id']}").status_code == 404
    assert executor in {e["id"] for e in celium.get("/executors").json()}
    assert own_templates(celium) == [], "the one-time template went with it"
    empty = {"templates": [], "pods": [], "volumes": [], "ssh_keys": []}
    assert still.leftovers()["celium"] == empty


def test_celium_scheduled_removal_can_be_cleared_or_be_due_at_once(
    celium: httpx.Client, still: Emulator
) -> None:
    kept = celium_pod(celium, still)
    soon = datetime.fromtimestamp(still.clock.now() + 60, tz=timezone(timedelta(hours=-5)))
    url = f"/pods/{kept['id']}/schedule-removal"
    assert celium.post(url, json={"removal_scheduled_at": soon.isoformat()}).status_code == 200
    cleared = celium.delete(url).json()
    assert cleared["removal_scheduled_at"] is None
    still.clock.advance(600)
    assert celium.get(f"/pods/{kept['id']}").json()["status"] == "RUNNING"
    (template,) = own_templates(celium)
    assert template["one_time_template"] is False

    past = datetime.fromtimestamp(still.clock.now() - 60, tz=timezone.utc).replace(tzinfo=None)
    due = celium.post(url, json={"removal_scheduled_at": past.isoformat()}).json()
    assert due["status"] == "DELETING", "a time already past removes it now"
    assert celium.get(f"/pods/{kept['id']}").json()["status"] == "DELETING", "not earlier"
    still.clock.advance(still.celium.timings.delete + 1)
    assert celium.get(f"/pods/{kept['id']}").status_code == 404
    assert [t["id"] for t in own_templates(celium)] == [template["id"]]
    assert celium.post(url, json={"removal_scheduled_at": "soon"}).status_code == 422
    assert celium.delete(url).json() == {"detail": "404: Pod not found"}


# -- GPU Dev -----------------------------------------------------------------------------

GPUDEV_ACTIVE = 5 + 2 + 90 + 1  # pickup, schedule, prepare, and a second more


def submit(api: httpx.Client, command: str | None, hours: int = 1) -> str:
    body: dict[str, Any] = {
        "instance_type": "p5.48xlarge",
        "duration_hours": hours,
        "env_vars": {"GPU_TYPE": "h100", "GPU_COUNT": "8", "EPOCHS": "2"},
    }
    if command is not None:
        body["command"] = command
    return str(api.post("/v1/jobs/submit", json=body).json()["job_id"])


def test_gpudev_job_command_completes_and_frees_the_gpus(
    gpudev: httpx.Client, still: Emulator
) -> None:
    still.gpudev.set_capacity("h100", 8)
    job = submit(gpudev, "echo epochs $EPOCHS; sleep 10m")
    waiting = submit(gpudev, None)
    still.clock.advance(GPUDEV_ACTIVE)
    assert gpudev.get(f"/v1/jobs/{job}").json()["status"] == "active"
    assert gpudev.get(f"/v1/jobs/{waiting}").json()["status"] == "queued"
    still.clock.advance(600)
    done = gpudev.get(f"/v1/jobs/{job}").json()
    assert (done["status"], done["failure_reason"]) == ("completed", None)
    assert done["current_detailed_status"] == "command exited with code 0"
    assert gpudev.get(f"/v1/jobs/{waiting}").json()["status"] == "preparing", "GPUs freed"


def test_gpudev_job_command_fails_on_a_nonzero_exit(gpudev: httpx.Client, still: Emulator) -> None:
    job = submit(gpudev, "timeout 60 python train.py")
    still.clock.advance(GPUDEV_ACTIVE + 60)
    failed = gpudev.get(f"/v1/jobs/{job}").json()
    assert failed["status"] == "failed"
    assert failed["failure_reason"] == failed["current_detailed_status"]
    assert failed["failure_reason"] == "command exited with code 124"
    availability = gpudev.get("/v1/gpu/availability").json()["availability"]["h100"]
    assert availability["in_use"] == 0


def test_gpudev_expiry_comes_first_and_jobs_without_command_are_unchanged(
    gpudev: httpx.Client, still: Emulator
) -> None:
    long = submit(gpudev, "sleep 2h", hours=1)
    still.clock.advance(GPUDEV_ACTIVE + 3600 + 120 + 1)
    assert gpudev.get(f"/v1/jobs/{long}").json()["status"] == "expired"
    plain = submit(gpudev, None)
    still.clock.advance(GPUDEV_ACTIVE + 600)
    assert gpudev.get(f"/v1/jobs/{plain}").json()["status"] == "active"
