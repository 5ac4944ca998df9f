"""Every pod's SSH address is a real port on 127.0.0.1 that sends an SSH banner once the
pod has been ready for its banner delay, and never when told to stay silent.

Each cloud's driver (after ``test_controls``) creates a pod (a GPU Dev job) through the
cloud's API and reads its SSH address back from the API; a plain socket does the rest.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.ssh_banners import BANNER, LOOPBACK
from tests.emulator import test_controls as controls

DELAY = 5.0
"""The default banner delay, in simulated seconds."""


class Pods:
    """A cloud's pods with SSH: made and read through the cloud's real API."""

    cloud: ClassVar[str]
    driver_class: ClassVar[type[controls.Driver]]
    kind: ClassVar[str] = "pods"
    ready: ClassVar[float]
    """Simulated seconds from the create until the API shows the SSH address."""
    deleting: ClassVar[float] = 0.0
    """Simulated seconds from the delete until it takes effect."""
    gone: ClassVar[float] = 60.0
    """Simulated seconds from the delete until the pod is gone (at most)."""

    def __init__(self, served: EmulatorServer, emu: Emulator) -> None:
        self.emu = emu
        secrets = emu.clouds[self.cloud].stack_config("")[1]
        self.driver = self.driver_class(served, emu, secrets)
        self.http = self.driver.http

    def create(self) -> str:
        return self.driver.create(self.kind)

    def delete(self, pod_id: str) -> None:
        assert self.driver.delete(self.kind, pod_id).status_code < 300

    def body(self, pod_id: str) -> dict[str, Any]:
        response = self.driver.read(self.kind, pod_id)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def endpoint(self, pod_id: str) -> tuple[str, int] | None:
        """The SSH host and port the API reports now (None: none yet), checked against
        the other fields that name them."""
        raise NotImplementedError


class RunPodPods(Pods):
    cloud, driver_class = "runpod", controls.RunPod
    ready = 20 + 60 + 10  # provision, boot, ports mapped

    def create(self) -> str:
        body = {"name": "p", "image": "ubuntu", "cpu": {"id": "cpu3c", "vcpuCount": 2}}
        response = self.http.post("/pods", json={**body, "ports": ["22/tcp", "8888/http"]})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def endpoint(self, pod_id: str) -> tuple[str, int] | None:
        pod = self.body(pod_id)
        direct = pod["ssh"]["direct"]
        if direct is None:
            return None
        assert pod["ssh"]["proxy"]["host"] == "ssh.runpod.io", "the proxy stays as it is"
        mapped = next(p for p in pod["runtime"]["ports"] if p["private"] == 22)
        assert (mapped["ip"], mapped["public"]) == (direct["host"], direct["port"])
        assert direct["command"] == f"ssh root@{direct['host']} -p {direct['port']}"
        return direct["host"], direct["port"]


class CeliumPods(Pods):
    cloud, driver_class = "celium", controls.Celium
    ready = 90

    def endpoint(self, pod_id: str) -> tuple[str, int] | None:
        pod = self.body(pod_id)
        if pod["ssh_connect_cmd"] is None:
            return None
        host, port = _user_host_port(pod["ssh_connect_cmd"].removeprefix("ssh "))
        assert pod["ports_mapping"]["22"] == port
        assert pod["executor"]["executor_ip_address"] == host
        return host, port


class PrimeIntellectPods(Pods):
    cloud, driver_class = "primeintellect", controls.PrimeIntellect
    ready = 60 + 20 + 60  # provision, pending, install

    def endpoint(self, pod_id: str) -> tuple[str, int] | None:
        pod = self.body(pod_id)
        if pod["sshConnection"] is None:
            return None
        host, port = _user_host_port(pod["sshConnection"])
        assert pod["ip"] == host
        ssh = next(p for p in pod["primePortMapping"] if p["usedBy"] == "SSH")
        assert ssh["external"] == str(port)
        return host, port


class GpuDevJobs(Pods):
    cloud, driver_class = "gpudev", controls.GpuDev
    kind = "jobs"
    ready = 5 + 2 + 90 - controls.GpuDev.PICKUP  # picked up, scheduled, prepared
    deleting = controls.GpuDev.PICKUP  # the cancel is a queued message

    def endpoint(self, pod_id: str) -> tuple[str, int] | None:
        job = self.body(pod_id)
        if job["ssh_command"] is None:
            return None
        return job["node_ip"], job["node_port"]


CLOUDS = [RunPodPods, CeliumPods, PrimeIntellectPods, GpuDevJobs]


@pytest.fixture(params=CLOUDS, ids=lambda c: c.cloud)
def pods(request: pytest.FixtureRequest, served: EmulatorServer, emu: Emulator) -> Pods:
    emu.clock.set_speed(1e-3)  # time moves only when the test says so
    driven: Pods = request.param(served, emu)
    return driven


def ready_pod(pods: Pods) -> tuple[str, tuple[str, int]]:
    """A pod whose SSH address the API shows; its banner is :data:`DELAY` away."""
    pod_id = pods.create()
    pods.emu.clock.advance(pods.ready)
    endpoint = pods.endpoint(pod_id)
    assert endpoint is not None, "the API shows the SSH address once ready"
    return pod_id, endpoint


def connect(endpoint: tuple[str, int]) -> socket.socket:
    return socket.create_connection(endpoint, timeout=2)


def greeting(sock: socket.socket, wait: float = 0.3) -> bytes | None:
    """What the server says within ``wait`` seconds (None: nothing, the line held open)."""
    sock.settimeout(wait)
    try:
        return sock.recv(1024)
    except TimeoutError:
        return None


def refused(endpoint: tuple[str, int], within: float = 3.0) -> bool:
    """Whether connecting is refused (the listener is closed) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(endpoint, timeout=1).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.05)
    return False


def _user_host_port(target: str) -> tuple[str, int]:
    """``root@HOST -p PORT`` -> (HOST, PORT)."""
    user_host, _, port = target.partition(" -p ")
    return user_host.partition("@")[2], int(port)


def ssh_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "emulator-ssh"]


# -- the banner and its timing -------------------------------------------------------------


def test_the_banner_comes_once_the_pod_has_been_ready_for_its_delay(pods: Pods) -> None:
    emu = pods.emu
    pod_id = pods.create()
    assert emu.banners is not None
    listening = [port for (_, _, i), port in emu.banners.ports().items() if i == pod_id]
    early = [connect((LOOPBACK, port)) for port in listening]  # GPU Dev: none before active
    emu.clock.advance(pods.ready - 1)
    assert pods.endpoint(pod_id) is None
    assert all(greeting(sock) is None for sock in early), "silent while not ready"
    emu.clock.advance(1)
    endpoint = pods.endpoint(pod_id)
    assert endpoint is not None and endpoint[0] == LOOPBACK
    assert not listening or endpoint[1] == listening[0], "the port seen before is the port"
    now = connect(endpoint)
    assert greeting(now) is None, "ready, but sshd is not up yet"
    emu.clock.advance(DELAY - 0.5)
    assert greeting(now) is None
    emu.clock.advance(0.5)
    assert greeting(now, wait=3) == BANNER, "the connection held open gets the banner"
    assert greeting(now, wait=3) == b"", "then the server is done"
    for sock in early:
        assert greeting(sock, wait=3) == BANNER
    later = connect(endpoint)
    assert greeting(later, wait=3) == BANNER, "a new connection gets it at once"
    for sock in (now, later, *early):
        sock.close()


def test_the_delay_is_one_of_the_cloud_timings(pods: Pods, served: EmulatorServer) -> None:
    admin = httpx.Client(base_url=f"{served.url()}/_emulator/{pods.cloud}")
    assert admin.patch("/timings", json={"ssh_banner": 60}).json()["ssh_banner"] == 60
    _, endpoint = ready_pod(pods)
    pods.emu.clock.advance(DELAY + 1)
    with connect(endpoint) as sock:
        assert greeting(sock) is None
        pods.emu.clock.advance(60)
        assert greeting(sock, wait=3) == BANNER


# -- faults ---------------------------------------------------------------------------------


def test_a_silent_pods_port_never_answers(pods: Pods, served: EmulatorServer) -> None:
    emu = pods.emu
    admin = httpx.Client(base_url=f"{served.url()}/_emulator/{pods.cloud}")
    in_process, _ = ready_pod(pods)
    over_http, _ = ready_pod(pods)
    _, speaking_at = ready_pod(pods)
    emu.clouds[pods.cloud].ssh_silent(pods.kind, in_process)
    answer = admin.post(f"/{pods.kind}/{over_http}/ssh-silent")
    assert answer.json() == {"ssh_silent": over_http}
    emu.clock.advance(600)
    for pod_id in (in_process, over_http):
        endpoint = pods.endpoint(pod_id)
        assert endpoint is not None, "the API shows it as usual"
        with connect(endpoint) as sock:
            assert greeting(sock, wait=0.5) is None
    with connect(speaking_at) as sock:
        assert greeting(sock, wait=3) == BANNER, "only the pods told so"


def test_the_next_pods_created_can_be_silent(pods: Pods, served: EmulatorServer) -> None:
    """For a test that cannot know the pod's id before the wait starts."""
    admin = httpx.Client(base_url=f"{served.url()}/_emulator/{pods.cloud}")
    assert admin.post("/ssh-silent-next", params={"count": 2}).json() == {"pending_silent": 2}
    first, second, third = (ready_pod(pods)[1] for _ in range(3))
    pods.emu.clock.advance(DELAY)
    for endpoint in (first, second):
        with connect(endpoint) as sock:
            assert greeting(sock, wait=0.5) is None
    with connect(third) as sock:
        assert greeting(sock, wait=3) == BANNER
    assert pods.emu.clouds[pods.cloud].ssh_silent_next(1) == 1, "in process too"


def test_a_deleted_pods_port_stays_silent_then_refuses(pods: Pods) -> None:
    pod_id, endpoint = ready_pod(pods)
    pods.emu.clock.advance(DELAY)
    with connect(endpoint) as sock:
        assert greeting(sock, wait=3) == BANNER
    pods.delete(pod_id)
    pods.emu.clock.advance(pods.deleting)
    try:
        with connect(endpoint) as sock:
            assert greeting(sock) in (None, b""), "no banner from a deleted pod"
    except ConnectionRefusedError:
        pass
    pods.emu.clock.advance(pods.gone)
    assert refused(endpoint), "the port closes with the pod"


def test_ssh_controls_answer_like_the_others(served: EmulatorServer, emu: Emulator) -> None:
    admin = httpx.Client(base_url=f"{served.url()}/_emulator")
    assert admin.post("/runpod/pods/nope/ssh-silent").status_code == 404
    missing_ssh = admin.post("/runpod/templates/x/ssh-silent")
    assert missing_ssh.status_code == 400 and "have no SSH" in missing_ssh.json()["detail"]
    assert admin.post("/celium/ssh-silent-next", params={"count": -1}).status_code == 422
    assert admin.post("/celium/ssh-silent-next", params={"count": 0}).json() == {
        "pending_silent": 0
    }


# -- the switch -----------------------------------------------------------------------------


def test_without_banners_pods_report_made_up_addresses() -> None:
    emu = Emulator(speed=1e-3, ssh_banners=False)
    assert emu.banners is None
    threads = set(ssh_threads())
    with EmulatorServer(emu) as served:
        for cloud in CLOUDS:
            pods = cloud(served, emu)
            _, (host, port) = ready_pod(pods)
            assert host != LOOPBACK and port > 0, cloud.cloud
            if cloud is PrimeIntellectPods:
                assert port == 22, "hyperstack gives each pod its own address"
        admin = httpx.Client(base_url=f"{served.url()}/_emulator")
        answer = admin.post("/runpod/ssh-silent-next")
        assert answer.status_code == 400 and "banners are off" in answer.json()["detail"]
        assert set(ssh_threads()) <= threads, "no listener, no thread"


# -- lifecycle --------------------------------------------------------------------------------


def test_reset_closes_every_listener_and_the_thread(served: EmulatorServer, emu: Emulator) -> None:
    emu.clock.set_speed(1e-3)
    made = [(cloud, *ready_pod(cloud(served, emu))) for cloud in CLOUDS]
    assert emu.banners is not None and len(emu.banners.ports()) == len(CLOUDS)
    cloud, pod_id, _ = made[0]
    emu.clouds[cloud.cloud].ssh_silent(cloud.kind, pod_id)
    held = connect(made[0][2])
    thread = emu.banners.thread
    assert thread is not None and thread.is_alive()
    emu.reset()
    assert emu.banners.ports() == {}
    assert emu.banners.thread is None and not thread.is_alive()
    assert greeting(held, wait=1) == b"", "a held connection is closed"
    held.close()
    for _, _, endpoint in made:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(endpoint, timeout=1)


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    """A server of its own: stopping the module's shared one would disturb other tests."""
    with EmulatorServer(Emulator(speed=1e-3)) as server:
        yield server


def test_a_stopped_server_closes_its_listeners_and_a_restart_opens_them(
    own_server: EmulatorServer,
) -> None:
    emu = own_server.emulator
    pods = RunPodPods(own_server, emu)
    _, endpoint = ready_pod(pods)
    emu.clock.advance(DELAY)
    assert emu.banners is not None
    thread = emu.banners.thread
    own_server.stop()
    assert refused(endpoint, within=0.5)
    assert emu.banners.thread is None and thread is not None and not thread.is_alive()
    own_server.restart()
    with connect(endpoint) as sock:
        assert greeting(sock, wait=3) == BANNER, "the same port, as the pod still has it"
    own_server.restart(Emulator())
    assert refused(endpoint, within=0.5), "a new emulator has no pods"
    assert emu.banners.thread is None


def test_a_restarted_runpod_pod_listens_on_its_new_port(
    served: EmulatorServer, emu: Emulator
) -> None:
    emu.clock.set_speed(1e-3)
    pods = RunPodPods(served, emu)
    pod_id, before = ready_pod(pods)
    assert pods.http.post(f"/pods/{pod_id}/action", json={"action": "restart"}).status_code == 200
    assert refused(before), "the old mapping is gone"
    emu.clock.advance(20 + 10 + DELAY)  # restart, ports mapped, sshd up
    after = pods.endpoint(pod_id)
    assert after is not None and after != before
    with connect(after) as sock:
        assert greeting(sock, wait=3) == BANNER


def test_three_hundred_pods_one_thread(served: EmulatorServer, emu: Emulator) -> None:
    emu.clock.set_speed(1e-3)
    threads = set(ssh_threads())
    pods = RunPodPods(served, emu)
    with ThreadPoolExecutor(16) as pool:
        made = list(pool.map(lambda _: pods.create(), range(300)))
        emu.clock.advance(pods.ready + DELAY)
        endpoints = list(pool.map(pods.endpoint, made))
    assert len({e for e in endpoints if e is not None}) == 300
    socks = [connect(e) for e in endpoints if e is not None]
    try:
        assert all(greeting(sock, wait=5) == BANNER for sock in socks)
    finally:
        for sock in socks:
            sock.close()
    assert len(set(ssh_threads()) - threads) == 1, "one thread serves them all"
