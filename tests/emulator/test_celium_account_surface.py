"""Celium's SSH keys and default images, and a scheduled removal that happens with no
client involved."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer

SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
THEIRS = {"X-API-KEY": "celium-second-account-key"}


@pytest.fixture
def still(emu: Emulator) -> Emulator:
    emu.clock.set_speed(1e-6)
    return emu


@pytest.fixture
def celium(served: EmulatorServer, still: Emulator) -> Iterator[httpx.Client]:
    headers = {"X-API-KEY": "celium-emulator-key"}
    with httpx.Client(base_url=served.url("celium"), headers=headers) as client:
        yield client


def test_ssh_keys(celium: httpx.Client) -> None:
    assert celium.get("/ssh-keys").json() == []
    created = celium.post("/ssh-keys", json={"name": "laptop", "public_key": SSH})
    assert created.status_code == 200
    key = created.json()
    assert {k: key[k] for k in ("name", "public_key")} == {"name": "laptop", "public_key": SSH}
    datetime.fromisoformat(key["created_at"])
    assert celium.get("/ssh-keys").json() == [key]
    assert celium.post("/ssh-keys", json={"name": "x"}).status_code == 422

    renamed = celium.put(f"/ssh-keys/{key['id']}", json={"name": "work", "public_key": SSH})
    assert renamed.json() == {**key, "name": "work"}
    partial = celium.put(f"/ssh-keys/{key['id']}", json={"name": "desk"}).json()
    assert (partial["name"], partial["public_key"]) == ("desk", SSH)

    assert celium.get("/ssh-keys", headers=THEIRS).json() == [], "accounts are apart"
    theirs = celium.delete(f"/ssh-keys/{key['id']}", headers=THEIRS)
    assert (theirs.status_code, theirs.json()) == (404, {"detail": "404: SSH key not found"})
    assert celium.put(f"/ssh-keys/{key['id']}", json={}, headers=THEIRS).status_code == 404

    deleted = celium.delete(f"/ssh-keys/{key['id']}")
    assert deleted.json() == {"detail": "SSH key deleted successfully"}
    assert celium.get("/ssh-keys").json() == []
    assert celium.delete(f"/ssh-keys/{key['id']}").status_code == 404


def test_default_docker_images_follow_the_driver(celium: httpx.Client) -> None:
    executor = celium.get("/executors").json()[0]
    params = {"gpu_model": "H100", "driver_version": executor["specs"]["gpu"]["driver"]}
    images = celium.get("/executors/default-docker-image", params=params).json()
    assert [i["docker_image"] for i in images] == ["daturaai/pytorch", "daturaai/ubuntu"]

    def cuda(driver: str | None) -> set[str]:
        found = celium.get(
            "/executors/default-docker-image",
            params={} if driver is None else {"driver_version": driver},
        ).json()
        return {i["docker_image_tag"].split("cuda")[1].split("-")[0] for i in found}

    assert cuda("570.124.06") == {"12.8.1"}
    assert cuda("550.54.15") == {"12.4.1"}
    assert cuda("535.171.04") == {"12.2.2"}
    assert cuda(None) == cuda("unknown") == {"12.1.1"}
    refused = celium.get("/executors/default-docker-image", headers={"X-API-KEY": ""})
    assert refused.status_code == 401


def test_unknown_paths_and_methods_keep_fastapis_shape(celium: httpx.Client) -> None:
    assert celium.get("/nothing").json() == {"detail": "Not Found"}
    refused = celium.patch("/ssh-keys")
    assert (refused.status_code, refused.json()) == (405, {"detail": "Method Not Allowed"})
    assert refused.headers["allow"] == "GET, POST"


def rent(celium: httpx.Client, emu: Emulator) -> dict[str, Any]:
    """A running pod of a one-time template (verified and booted by advancing the clock)."""
    template = {"name": "t", "docker_image": "ubuntu", "one_time_template": True}
    template_id = celium.post("/templates", json=template).json()["id"]
    emu.clock.advance(600)
    executor = celium.get("/executors").json()[0]["id"]
    body = {"pod_name": "p", "template_id": template_id, "user_public_key": [SSH]}
    pod = celium.post(f"/executors/{executor}/rent", json=body).json()
    emu.clock.advance(emu.celium.timings.boot + 1)
    assert celium.get(f"/pods/{pod['id']}").json()["status"] == "RUNNING"
    return dict(pod)


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_scheduled_removal_happens_with_no_client_calls(
    celium: httpx.Client, still: Emulator
) -> None:
    pod = rent(celium, still)
    executor = pod["executor"]["id"]
    at = datetime.fromtimestamp(still.clock.now() + 120, tz=timezone.utc).replace(microsecond=0)
    scheduled = celium.post(
        f"/pods/{pod['id']}/schedule-removal",
        json={"removal_scheduled_at": at.isoformat().replace("+00:00", "Z")},
    ).json()
    assert scheduled["removal_scheduled_at"] == at.replace(tzinfo=None).isoformat()
    assert scheduled["status"] == "RUNNING"
    requests_before = len(still.requests.records)

    still.clock.set_speed(600)  # the clock runs: 120 s pass in 0.2 s, nobody calls the API
    empty = {"templates": [], "pods": [], "volumes": [], "ssh_keys": []}
    wait_for(lambda: still.leftovers()["celium"] == empty)
    assert len(still.requests.records) == requests_before, "no client was involved"
    assert executor in {e.id for e in still.celium.rentable()}, "the executor is rentable again"

    still.clock.set_speed(1e-6)
    assert celium.get(f"/pods/{pod['id']}").status_code == 404
    assert executor in {e["id"] for e in celium.get("/executors").json()}


def test_a_cancelled_removal_never_happens(celium: httpx.Client, still: Emulator) -> None:
    pod = rent(celium, still)
    url = f"/pods/{pod['id']}/schedule-removal"
    soon = datetime.fromtimestamp(still.clock.now() + 60, tz=timezone.utc)
    assert celium.post(url, json={"removal_scheduled_at": soon.isoformat()}).status_code == 200
    assert celium.delete(url).json()["removal_scheduled_at"] is None
    still.clock.advance(3600)
    assert still.leftovers()["celium"]["pods"] == [pod["id"]]
    assert celium.get(f"/pods/{pod['id']}").json()["status"] == "RUNNING"
