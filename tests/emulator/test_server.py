"""The emulator's HTTP server: restarted on the same port, with or without its memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer

KEY = {"X-API-KEY": "celium-emulator-key"}
SSH = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"]


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """A server of its own: restarting the module's shared one would disturb other tests."""
    with EmulatorServer(Emulator()) as server:
        yield server


def rented_pod(api: httpx.Client, emulator: Emulator) -> str:
    template = api.post("/templates", json={"name": "t", "docker_image": "ubuntu"}).json()
    emulator.clock.advance(600)
    executor = api.get("/executors").json()[0]["id"]
    body = {"pod_name": "p", "template_id": template["id"], "user_public_key": SSH}
    return str(api.post(f"/executors/{executor}/rent", json=body).json()["id"])


def test_a_new_emulator_on_the_same_port_forgets_everything(server: EmulatorServer) -> None:
    url, port = server.url("celium"), server.port
    api = httpx.Client(base_url=url, headers=KEY)
    volume = api.post("/volumes", json={"name": "v"}).json()["id"]
    fresh = Emulator()
    assert server.restart(fresh) is server
    assert (server.url("celium"), server.port, server.emulator) == (url, port, fresh)
    assert api.get(f"/volumes/{volume}").status_code == 404, "the same client, a new memory"
    assert api.get("/volumes").json() == []
    assert fresh.requests.find("celium", "GET", "/volumes"), "the new emulator serves"


def test_the_same_emulator_keeps_its_state(server: EmulatorServer) -> None:
    api = httpx.Client(base_url=server.url("celium"), headers=KEY)
    volume = api.post("/volumes", json={"name": "v"}).json()["id"]
    emulator = server.emulator
    server.restart()
    assert server.emulator is emulator
    assert api.get(f"/volumes/{volume}").json()["name"] == "v"


def test_the_port_is_bound_again_at_once(server: EmulatorServer) -> None:
    api = httpx.Client(base_url=server.url("celium"), headers=KEY)
    for _ in range(3):  # each time right after serving requests (sockets in TIME_WAIT)
        assert api.get("/volumes").status_code == 200
        server.restart(Emulator())  # binding the port again does not raise EADDRINUSE
    assert api.get("/volumes").status_code == 200
    server.stop()
    server.stop()  # stopping twice is harmless
    with pytest.raises(httpx.ConnectError):
        api.get("/volumes")
    server.start()
    assert api.get("/volumes").status_code == 200


def test_a_waiting_client_notices_the_restart_promptly(server: EmulatorServer) -> None:
    """A client polling a pending pod sees 404 soon after the emulator restarts empty."""
    api = httpx.Client(base_url=server.url("celium"), headers=KEY, timeout=5)
    pod = rented_pod(api, server.emulator)
    seen: list[tuple[float, str]] = []
    done = threading.Event()

    def wait_for_the_pod() -> None:  # a client's wait: poll until the pod is no longer PENDING
        while not done.is_set():
            try:
                answer = api.get(f"/pods/{pod}")
            except httpx.TransportError as error:  # the moment the server is down
                seen.append((time.monotonic(), type(error).__name__))
                continue
            status = answer.json()["status"] if answer.status_code == 200 else "404"
            seen.append((time.monotonic(), status))
            if status != "PENDING":
                return
            time.sleep(0.02)

    waiter = threading.Thread(target=wait_for_the_pod)
    waiter.start()
    try:
        time.sleep(0.2)
        server.restart(Emulator())
        restarted = time.monotonic()
        waiter.join(timeout=5)
    finally:
        done.set()
        waiter.join()
    assert seen[0][1] == "PENDING"
    noticed, last = seen[-1]
    assert last == "404", seen
    assert noticed - restarted < 1.0, "the client noticed within a second"
