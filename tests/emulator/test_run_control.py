"""The run control: ``POST /_emulator/<cloud>/<kind>/{id}/run`` (and ``EmulatedCloud.run``)
declares how an object's current or next command run goes, whatever its command."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.emulator.test_container_runs import (
    CELIUM_BOOT,
    GPUDEV_ACTIVE,
    RUNPOD_BOOT,
    RUNPOD_GPU,
    celium_pod,
    lines,
    submit,
)
from tests.emulator.test_controls import CASES, driver


@pytest.fixture
def still(emu: Emulator) -> Emulator:
    emu.clock.set_speed(1e-6)
    return emu


@pytest.fixture
def admin(served: EmulatorServer, still: Emulator) -> httpx.Client:
    return httpx.Client(base_url=f"{served.url()}/_emulator")


def api(served: EmulatorServer, still: Emulator, cloud: str) -> httpx.Client:
    """The cloud's real API as the stack's account (RunPod's under ``/v2``)."""
    return driver(served, still, cloud).http


RUNS = {("runpod", "pods"), ("celium", "pods"), ("gpudev", "jobs")}


@pytest.mark.parametrize(("cloud", "kind"), sorted(set(CASES) - RUNS))
def test_kinds_without_a_command_refuse_it(
    served: EmulatorServer, still: Emulator, admin: httpx.Client, cloud: str, kind: str
) -> None:
    object_id = driver(served, still, cloud).create(kind)
    with pytest.raises(ValueError, match=f"^{cloud} {kind} run no command$"):
        still.clouds[cloud].run(kind, object_id, seconds=1)
    refused = admin.post(f"/{cloud}/{kind}/{object_id}/run", json={"seconds": 1})
    assert (refused.status_code, refused.json()) == (
        400,
        {"detail": f"{cloud} {kind} run no command"},
    )


def test_the_control_checks_its_body_and_the_object(admin: httpx.Client) -> None:
    assert admin.post("/runpod/pods/nope/run", json={"seconds": 1}).status_code == 404
    assert admin.post("/runpod/pods/nope/run", json={"lines": []}).status_code == 422
    assert admin.post("/runpod/pods/x/run", json={"seconds": 1, "code": 2}).status_code == 422


def test_runpod_current_run_ends_when_declared(
    served: EmulatorServer, still: Emulator, admin: httpx.Client
) -> None:
    rp = api(served, still, "runpod")
    pod = rp.post("/pods", json={"name": "p", "image": "ubuntu", "gpu": RUNPOD_GPU}).json()
    url = f"/pods/{pod['id']}"
    still.clock.advance(RUNPOD_BOOT + 100)
    body = {"seconds": 30, "exit_code": 2, "lines": ["declared", "twice"]}
    assert admin.post(f"/runpod{url}/run", json=body).json() == {"ran": pod["id"]}
    assert rp.get(url).json()["status"] == "EXITED", "started 101 s ago: its end is past"
    assert lines(rp.get(f"{url}/logs")) == ["declared", "twice"]

    rp.post(f"{url}/action", json={"action": "start"})
    still.clock.advance(RUNPOD_BOOT)
    assert admin.post(f"/runpod{url}/run", json={"seconds": 30}).status_code == 200
    assert rp.get(url).json()["status"] == "RUNNING"
    still.clock.advance(30)
    assert rp.get(url).json()["status"] == "EXITED"


def test_runpod_next_run_is_declared_before_a_start(
    served: EmulatorServer, still: Emulator
) -> None:
    rp = api(served, still, "runpod")
    body = {"name": "p", "image": "ubuntu", "gpu": RUNPOD_GPU, "args": "sleep infinity"}
    pod = rp.post("/pods", json=body).json()
    url = f"/pods/{pod['id']}"
    still.runpod.run("pods", pod["id"], seconds=100, lines=["booting"])  # the run to come
    still.clock.advance(RUNPOD_BOOT + 50)
    assert rp.get(url).json()["status"] == "RUNNING"
    still.clock.advance(50)
    assert rp.get(url).json()["status"] == "EXITED"

    still.runpod.run("pods", pod["id"], seconds=None, lines=["forever"])  # the next start
    rp.post(f"{url}/action", json={"action": "start"})
    still.clock.advance(10**5)
    assert rp.get(url).json()["status"] == "RUNNING"
    assert lines(rp.get(f"{url}/logs")) == ["booting", "forever"]
    still.clock.advance(10**5)
    rp.post(f"{url}/action", json={"action": "restart"})
    still.clock.advance(10**5)
    assert rp.get(url).json()["status"] == "RUNNING", "a restart runs the args again"


def test_celium_run_declares_the_startup_output(
    served: EmulatorServer, still: Emulator, admin: httpx.Client
) -> None:
    ce = api(served, still, "celium")
    pending = celium_pod(ce, still, startup_commands="echo real")
    still.celium.run("pods", pending["id"], seconds=5, exit_code=1, lines=["declared"])
    still.clock.advance(CELIUM_BOOT + 10)
    assert ce.get(f"/pods/{pending['id']}/logs").text == "declared\n"
    assert ce.get(f"/pods/{pending['id']}").json()["status"] == "RUNNING", "it stays RUNNING"
    still.celium.stop("pods", pending["id"])
    refused = admin.post(f"/celium/pods/{pending['id']}/run", json={"seconds": 1})
    assert refused.status_code == 400 and "STOPPED" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("exit_code", "status", "reason"),
    [(0, "completed", None), (7, "failed", "command exited with code 7")],
)
def test_gpudev_run_ends_the_job(
    served: EmulatorServer,
    still: Emulator,
    admin: httpx.Client,
    exit_code: int,
    status: str,
    reason: str | None,
) -> None:
    gd = api(served, still, "gpudev")
    active, later = submit(gd, None), submit(gd, "sleep infinity")
    still.clock.advance(GPUDEV_ACTIVE)
    body: dict[str, Any] = {"seconds": 0, "exit_code": exit_code}
    assert admin.post(f"/gpudev/jobs/{active}/run", json=body).status_code == 200
    ended = gd.get(f"/v1/jobs/{active}").json()
    assert (ended["status"], ended["failure_reason"]) == (status, reason)
    refused = admin.post(f"/gpudev/jobs/{active}/run", json=body)
    assert refused.status_code == 400, "an ended job runs nothing"

    queued = submit(gd, "sleep infinity")
    still.gpudev.run("jobs", queued, seconds=60, exit_code=exit_code)  # before it is active
    still.clock.advance(GPUDEV_ACTIVE + 60)
    assert gd.get(f"/v1/jobs/{queued}").json()["status"] == status
    assert gd.get(f"/v1/jobs/{later}").json()["status"] == "active", "its own command"
