"""Every object kind of every cloud through the same out-of-band controls, over HTTP.

Each cloud has a small driver (:class:`Driver`) that creates an object of a kind through
the cloud's real API and reads back its state; :data:`EXPECTED` says what each control
does to each kind. A kind the table does not list fails :func:`test_every_kind_is_covered`.
The controls are driven both in process (``cloud.fail(...)``) and over HTTP
(``/_emulator/<cloud>/...``).
"""

from __future__ import annotations

import base64
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.runpod.backend import fingerprint
from pulumi_gpu.emulator.state import CloudError

REASON = "injected: the GPU fell off the bus"
SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
GONE = "gone"
"""The state of an object the API answers 404 for."""


@dataclass(frozen=True)
class Expect:
    """What each control leaves an object of one kind in (None: the control does not apply)."""

    vanished: str
    failed: str | None
    stopped: str | None
    fails_next: str | None
    waiting: frozenset[str] = frozenset()
    """States a ``fail_next`` object shows first: it fails during its wait, not at once."""


EXPECTED: dict[tuple[str, str], Expect] = {
    ("celium", "templates"): Expect(
        GONE, "VERIFY_FAILED", None, "VERIFY_FAILED", frozenset({"CREATED", "VERIFY_PENDING"})
    ),
    ("celium", "pods"): Expect(GONE, "FAILED", "STOPPED", "FAILED", frozenset({"PENDING"})),
    ("celium", "volumes"): Expect(GONE, None, None, None),
    ("runpod", "pods"): Expect(
        GONE, "ERROR", "EXITED", "ERROR", frozenset({"PROVISIONING", "STARTING"})
    ),
    ("runpod", "templates"): Expect(GONE, None, None, None),
    ("runpod", "network_volumes"): Expect(GONE, None, None, None),
    ("primeintellect", "pods"): Expect(
        "TERMINATED", "ERROR", "STOPPED", "ERROR", frozenset({"PROVISIONING", "PENDING"})
    ),
    ("primeintellect", "disks"): Expect(
        "TERMINATED", "ERROR", None, "ERROR", frozenset({"PROVISIONING"})
    ),
    ("gpudev", "jobs"): Expect("cancelled", "failed", None, "failed", frozenset({"pending"})),
    ("gpudev", "disks"): Expect("deleted", None, None, GONE, frozenset({"exists"})),
    ("celium", "ssh_keys"): Expect(GONE, None, None, None),
    ("runpod", "ssh_keys"): Expect(GONE, None, None, None),
    ("runpod", "registries"): Expect(GONE, None, None, None),
    ("primeintellect", "ssh_keys"): Expect(GONE, None, None, None),
}
CASES = sorted(EXPECTED)


class Driver:
    """One cloud's real API, as a user with the stack settings ``secrets`` sees it."""

    prefix: ClassVar[str]
    """Where the API is on the emulator's server."""

    def __init__(self, served: EmulatorServer, emu: Emulator, secrets: dict[str, str]) -> None:
        self.served, self.emu = served, emu
        self.http = self.connect(secrets)
        self.names = itertools.count()

    def connect(self, secrets: dict[str, str]) -> httpx.Client:
        base = self.served.url() + self.prefix
        return httpx.Client(base_url=base, headers=self.headers(secrets))

    def headers(self, secrets: dict[str, str]) -> dict[str, str]:
        """How the account with these stack settings authenticates."""
        raise NotImplementedError

    def path(self, kind: str) -> str:
        """The collection path of a kind's objects."""
        return f"/{kind}"

    def create(self, kind: str) -> str:
        """Create one object through the API; its id as the controls take it."""
        raise NotImplementedError

    def create_with(self, kind: str, uses: str, object_id: str) -> str:
        """Create an object of ``kind`` that uses ``object_id`` (of kind ``uses``)."""
        raise NotImplementedError

    def read(self, kind: str, object_id: str) -> httpx.Response:
        if kind == "ssh_keys":  # the APIs read keys only as a collection
            found = [k for k in self.keys() if k["id"] == object_id]
            return httpx.Response(200, json=found[0]) if found else httpx.Response(404)
        return self.http.get(f"{self.path(kind)}/{object_id}")

    def keys(self) -> list[dict[str, Any]]:
        """The account's SSH keys, each with an ``id``."""
        raise NotImplementedError

    def public_key(self) -> str:
        """A new OpenSSH public key (a key blob of its own: its own fingerprint)."""
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + self.name().encode().ljust(32)
        return f"ssh-ed25519 {base64.b64encode(blob).decode()} test"

    def delete(self, kind: str, object_id: str) -> httpx.Response:
        return self.http.delete(f"{self.path(kind)}/{object_id}")

    def state(self, kind: str, object_id: str) -> str:
        response = self.read(kind, object_id)
        if response.status_code == 404:
            return GONE
        assert response.status_code == 200, f"{response.status_code} {response.text}"
        return self.status(kind, response.json())

    def status(self, kind: str, body: dict[str, Any]) -> str:
        return str(body["status"]) if "status" in body else "exists"

    def reason(self, kind: str, body: dict[str, Any]) -> str | None:
        """Where the API shows why an object failed (None: it does not)."""
        return None

    def name(self) -> str:
        return f"obj{next(self.names)}"


class Celium(Driver):
    prefix = "/celium"

    def headers(self, secrets: dict[str, str]) -> dict[str, str]:
        return {"X-API-KEY": secrets["pulumi-gpu:celiumApiKey"]}

    def path(self, kind: str) -> str:
        return "/ssh-keys" if kind == "ssh_keys" else f"/{kind}"

    def keys(self) -> list[dict[str, Any]]:
        return list(self.http.get("/ssh-keys").json())

    def create(self, kind: str) -> str:
        if kind == "ssh_keys":
            body = {"name": self.name(), "public_key": self.public_key()}
            return str(self.http.post("/ssh-keys", json=body).json()["id"])
        if kind == "volumes":
            return str(self.http.post("/volumes", json={"name": self.name()}).json()["id"])
        if kind == "templates":
            body = {"name": self.name(), "docker_image": "ubuntu"}
            return str(self.http.post("/templates", json=body).json()["id"])
        template = self.create("templates")
        self.emu.clock.advance(600)
        return self.create_with("pods", "templates", template)

    def create_with(self, kind: str, uses: str, object_id: str) -> str:
        body = {"pod_name": self.name(), "user_public_key": [SSH], "template_id": object_id}
        if uses == "volumes":
            template = self.create("templates")
            self.emu.clock.advance(600)
            body |= {"template_id": template, "volume_id": object_id}
        executor = self.http.get("/executors").json()[0]["id"]
        response = self.http.post(f"/executors/{executor}/rent", json=body)
        assert response.status_code == 200, f"{response.status_code} {response.text}"
        return str(response.json()["id"])

    def reason(self, kind: str, body: dict[str, Any]) -> str | None:
        if kind == "templates":
            return str(body["verification_logs"])
        return "\n".join(body["executor_status"]["logs"]) if kind == "pods" else None


class RunPod(Driver):
    prefix = "/runpod/v2"

    def headers(self, secrets: dict[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {secrets['pulumi-gpu:runpodApiKey']}"}

    def path(self, kind: str) -> str:
        return "/account/ssh-keys" if kind == "ssh_keys" else "/" + kind.replace("_", "-")

    def keys(self) -> list[dict[str, Any]]:
        """The account's key list; a key's id is its fingerprint (RunPod gives none)."""
        listed = self.http.get("/account/ssh-keys").json()["keys"]
        return [{"id": fingerprint(k), "key": k} for k in listed]

    def create(self, kind: str) -> str:
        if kind == "ssh_keys":
            key = self.public_key()
            keys = [k["key"] for k in self.keys()]
            self.http.put("/account/ssh-keys", json={"keys": [*keys, key]})
            return fingerprint(key)
        return self.create_with(kind, "", "")

    def delete(self, kind: str, object_id: str) -> httpx.Response:
        if kind != "ssh_keys":
            return super().delete(kind, object_id)
        keys = self.keys()
        kept = [k["key"] for k in keys if k["id"] != object_id]
        if len(kept) == len(keys):
            return httpx.Response(404)
        return self.http.put("/account/ssh-keys", json={"keys": kept})

    def create_with(self, kind: str, uses: str, object_id: str) -> str:
        if kind == "pods":
            gpu = {"id": "NVIDIA GeForce RTX 4090", "count": 1}
            body: dict[str, Any] = {"name": self.name(), "image": "ubuntu", "gpu": gpu}
            if uses == "templates":
                body["templateId"] = object_id
            elif uses == "network_volumes":
                body["mounts"] = {"network": [{"volumeId": object_id, "path": "/data"}]}
        elif kind == "templates":
            body = {"name": self.name(), "image": "ubuntu"}
        elif kind == "registries":
            body = {"name": self.name(), "username": "bot", "password": "pw"}
        else:
            body = {"name": self.name(), "size": 10, "dataCenter": "US-KS-2"}
        response = self.http.post(self.path(kind), json=body)
        assert response.status_code == 201, f"{response.status_code} {response.text}"
        return str(response.json()["id"])


class PrimeIntellect(Driver):
    prefix = "/primeintellect/api/v1"

    def headers(self, secrets: dict[str, str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {secrets['pulumi-gpu:primeApiKey']}"}

    def keys(self) -> list[dict[str, Any]]:
        return list(self.http.get("/ssh_keys/").json()["data"])

    def create(self, kind: str) -> str:
        if kind == "ssh_keys":
            body = {"name": self.name(), "publicKey": self.public_key()}
            return str(self.http.post("/ssh_keys/", json=body).json()["id"])
        return self.create_with(kind, "", "")

    def create_with(self, kind: str, uses: str, object_id: str) -> str:
        if kind == "disks":
            disk = {"size": 50, "dataCenterId": "CANADA-1", "name": self.name()}
            body: dict[str, Any] = {"disk": disk, "provider": {"type": "hyperstack"}}
        else:
            o = next(
                o
                for o in self.emu.primeintellect.offers
                if (o.provider, o.center.id, o.gpu_type, o.gpu_count)
                == ("hyperstack", "CANADA-1", "L40S_48GB", 1)
            )
            self.emu.primeintellect.set_capacity(10, cloud_id=o.cloud_id)
            pod = {"cloudId": o.cloud_id, "gpuType": o.gpu_type, "socket": o.socket}
            pod |= {"gpuCount": 1, "dataCenterId": "CANADA-1", "name": self.name()}
            body = {"pod": pod, "provider": {"type": "hyperstack"}}
            if uses == "disks":
                body["disks"] = [object_id]
        response = self.http.post(f"{self.path(kind)}/", json=body)
        assert response.status_code == 200, f"{response.status_code} {response.text}"
        return str(response.json()["id"])

    def reason(self, kind: str, body: dict[str, Any]) -> str | None:
        return str(body["installationFailure"]) if kind == "pods" else None


class GpuDev(Driver):
    prefix = "/gpudev"
    PICKUP = 6  # the processor takes queued messages up 5 s after they are sent

    def headers(self, secrets: dict[str, str]) -> dict[str, str]:
        """A key from an AWS login with the stack's credentials."""
        login = {
            "aws_access_key_id": secrets["pulumi-gpu:gpudevAwsAccessKeyId"],
            "aws_secret_access_key": secrets["pulumi-gpu:gpudevAwsSecretAccessKey"],
            "aws_session_token": secrets["pulumi-gpu:gpudevAwsSessionToken"],
        }
        url = self.served.url("gpudev") + "/v1/auth/aws-login"
        return {"Authorization": f"Bearer {httpx.post(url, json=login).json()['api_key']}"}

    def path(self, kind: str) -> str:
        return f"/v1/{kind}"

    def create(self, kind: str) -> str:
        """Submit (or queue a disk create), then let the processor take it up."""
        if kind == "jobs":
            env = {"GPU_TYPE": "h100", "GPU_COUNT": "1"}
            body = {"instance_type": "p5.48xlarge", "env_vars": env}
            object_id = str(self.http.post("/v1/jobs/submit", json=body).json()["job_id"])
        else:
            name = self.name()
            self.http.post("/v1/disks", json={"disk_name": name})
            object_id = f"emulator-user/{name}"
        self.emu.clock.advance(self.PICKUP)
        return object_id

    def read(self, kind: str, object_id: str) -> httpx.Response:
        return super().read(kind, object_id.rpartition("/")[2])

    def delete(self, kind: str, object_id: str) -> httpx.Response:
        if kind == "jobs":
            return self.http.post(f"/v1/jobs/{object_id}/cancel")
        return super().delete(kind, object_id.rpartition("/")[2])

    def status(self, kind: str, body: dict[str, Any]) -> str:
        if kind == "disks":
            return "deleted" if body["is_deleted"] else "exists"
        return str(body["status"])

    def reason(self, kind: str, body: dict[str, Any]) -> str | None:
        if kind == "jobs":
            return f"{body['failure_reason']} / {body['current_detailed_status']}"
        return None


DRIVERS: dict[str, type[Driver]] = {
    "celium": Celium,
    "runpod": RunPod,
    "primeintellect": PrimeIntellect,
    "gpudev": GpuDev,
}


class Controls:
    """A cloud's controls, called in process or over ``/_emulator/<cloud>`` (a 400 there
    is the ``ValueError`` of the method)."""

    def __init__(self, cloud: EmulatedCloud, admin: httpx.Client | None) -> None:
        self.cloud, self.admin = cloud, admin

    def _call(self, method: str, path: str, **kwargs: Any) -> None:
        assert self.admin is not None
        answer = self.admin.request(method, f"/{self.cloud.name}{path}", **kwargs)
        if answer.status_code == 400:
            raise ValueError(answer.json()["detail"])
        if answer.status_code == 404:
            raise LookupError(answer.json()["detail"])
        assert answer.status_code == 200, answer.text

    def vanish(self, kind: str, object_id: str) -> None:
        if self.admin is None:
            return self.cloud.vanish(kind, object_id)
        return self._call("DELETE", f"/{kind}/{object_id}")

    def fail(self, kind: str, object_id: str, reason: str) -> None:
        if self.admin is None:
            return self.cloud.fail(kind, object_id, reason)
        return self._call("POST", f"/{kind}/{object_id}/fail", json={"reason": reason})

    def stop(self, kind: str, object_id: str) -> None:
        if self.admin is None:
            return self.cloud.stop(kind, object_id)
        return self._call("POST", f"/{kind}/{object_id}/stop")

    def fail_next(self, kind: str, reason: str) -> None:
        if self.admin is None:
            self.cloud.fail_next(kind, reason)
            return
        self._call("POST", f"/fail-next-{kind}", json={"reason": reason})


@pytest.fixture
def slow_clock(emu: Emulator) -> Emulator:
    """Time moves only with ``clock.advance``, so every state is seen where it happens."""
    emu.clock.set_speed(1e-6)
    return emu


def driver(served: EmulatorServer, emu: Emulator, cloud: str) -> Driver:
    return DRIVERS[cloud](served, emu, emu.clouds[cloud].stack_config("")[1])


@dataclass
class Case:
    """One kind of one cloud: its API as the stack's account, its controls, what to expect."""

    cloud: str
    kind: str
    api: Driver
    control: Controls
    expect: Expect
    emu: Emulator

    def create(self) -> str:
        return self.api.create(self.kind)

    def state(self, object_id: str) -> str:
        return self.api.state(self.kind, object_id)

    def shows_reason(self, object_id: str) -> bool:
        shown = self.api.reason(self.kind, self.api.read(self.kind, object_id).json())
        return shown is None or REASON in shown

    def refused(self, expected: str | None, act: Callable[[], None], why: str) -> bool:
        """Where a control does not apply (``expected`` None), check that it is refused."""
        if expected is not None:
            return False
        with pytest.raises(ValueError, match=f"^{self.cloud} {self.kind} {why}"):
            act()
        return True


@pytest.fixture(params=CASES, ids=["-".join(c) for c in CASES])
def case(
    request: pytest.FixtureRequest, served: EmulatorServer, slow_clock: Emulator, via: str
) -> Case:
    cloud, kind = request.param
    admin = httpx.Client(base_url=f"{served.url()}/_emulator") if via == "http" else None
    control = Controls(slow_clock.clouds[cloud], admin)
    api = driver(served, slow_clock, cloud)
    return Case(cloud, kind, api, control, EXPECTED[cloud, kind], slow_clock)


@pytest.fixture(params=["in-process", "http"])
def via(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_kind_is_covered(emu: Emulator) -> None:
    for name, cloud in emu.clouds.items():
        assert tuple(cloud.leftovers()) == cloud.kinds(), "kinds are named as in leftovers"
        assert {kind for c, kind in EXPECTED if c == name} == set(cloud.kinds())


def test_vanish(case: Case) -> None:
    object_id = case.create()
    assert object_id in case.emu.leftovers()[case.cloud][case.kind]
    case.control.vanish(case.kind, object_id)
    assert case.state(object_id) == case.expect.vanished
    assert object_id not in case.emu.leftovers()[case.cloud][case.kind]
    with pytest.raises((CloudError, LookupError), match=r"not found|does not exist"):
        case.control.vanish(case.kind, "no-such-object")


def test_fail(case: Case) -> None:
    object_id = case.create()
    fail = functools.partial(case.control.fail, case.kind, object_id, REASON)
    if case.refused(case.expect.failed, fail, "have no failure state$"):
        return
    fail()
    assert case.state(object_id) == case.expect.failed
    assert case.shows_reason(object_id)


def test_stop(case: Case) -> None:
    object_id = case.create()
    stop = functools.partial(case.control.stop, case.kind, object_id)
    if case.refused(case.expect.stopped, stop, "have no stopped state$"):
        return
    stop()
    assert case.state(object_id) == case.expect.stopped
    case.emu.clock.advance(600)
    assert case.state(object_id) == case.expect.stopped, "it stays stopped"
    assert object_id in case.emu.leftovers()[case.cloud][case.kind], "a stopped object exists"


def test_fail_next(case: Case) -> None:
    plan = functools.partial(case.control.fail_next, case.kind, REASON)
    if case.refused(case.expect.fails_next, plan, "are ready when created"):
        return
    plan()
    failing = case.create()
    assert case.state(failing) in case.expect.waiting, "it fails during its wait, not at once"
    fine = case.create()
    case.emu.clock.advance(600)
    assert case.state(failing) == case.expect.fails_next
    assert case.expect.fails_next == GONE or case.shows_reason(failing)
    assert case.state(fine) not in (case.expect.fails_next, case.expect.failed), "only the next"


@pytest.mark.parametrize(("cloud", "kind"), CASES)
def test_another_account_sees_none_of_the_objects(
    served: EmulatorServer, slow_clock: Emulator, cloud: str, kind: str
) -> None:
    backend = slow_clock.clouds[cloud]
    settings = backend.stack_config("")[1]
    assert set(backend.other_account()) == set(settings)
    assert backend.other_account() != settings
    mine = driver(served, slow_clock, cloud)
    theirs = DRIVERS[cloud](served, slow_clock, backend.other_account())
    object_id = mine.create(kind)
    read = theirs.read(kind, object_id)
    if (cloud, kind) == ("gpudev", "jobs"):
        assert (read.status_code, read.json()) == (
            403,
            {"detail": "You can only view your own jobs"},
        )
        theirs.delete(kind, object_id)  # the documented quirk answers 500; nothing happens
    else:
        assert read.status_code == 404, read.text
        deleted = theirs.delete(kind, object_id)
        # GPU Dev queues a disk delete without looking (its worker then finds no disk)
        assert deleted.status_code == (200 if cloud == "gpudev" else 404)
    listing = theirs.http.get(theirs.path(kind) + ("/" if cloud == "primeintellect" else ""))
    assert object_id.rpartition("/")[2] not in listing.text
    slow_clock.clock.advance(GpuDev.PICKUP)  # GPU Dev's queued requests take effect
    ended = {GONE, "deleted", "cancelled", "DELETING", "TERMINATED"}
    assert mine.state(kind, object_id) not in ended, "their requests changed nothing"


def test_vanish_gives_capacity_back(served: EmulatorServer, slow_clock: Emulator) -> None:
    celium = driver(served, slow_clock, "celium")
    pod = celium.create("pods")
    rented = celium.http.get("/pods/" + pod).json()["executor"]["id"]
    assert rented not in {e["id"] for e in celium.http.get("/executors").json()}
    slow_clock.celium.vanish("pods", pod)
    assert rented in {e["id"] for e in celium.http.get("/executors").json()}

    gpudev = driver(served, slow_clock, "gpudev")
    job = gpudev.create("jobs")
    slow_clock.clock.advance(10)
    in_use = gpudev.http.get("/v1/gpu/availability").json()["availability"]["h100"]["in_use"]
    assert in_use == 1
    slow_clock.gpudev.vanish("jobs", job)
    assert gpudev.http.get("/v1/gpu/availability").json()["availability"]["h100"]["in_use"] == 0

    prime = driver(served, slow_clock, "primeintellect")
    prime_pod = prime.create("pods")
    offer = slow_clock.primeintellect.pods[prime_pod].offer
    assert slow_clock.primeintellect.free_capacity(offer) == 9
    slow_clock.primeintellect.vanish("pods", prime_pod)
    assert slow_clock.primeintellect.free_capacity(offer) == 10


def test_unknown_kinds_are_refused(served: EmulatorServer, emu: Emulator) -> None:
    with pytest.raises(ValueError, match="runpod has no object kind 'volumes'; its kinds: pods"):
        emu.runpod.vanish("volumes", "x")
    admin = httpx.Client(base_url=f"{served.url()}/_emulator")
    assert admin.delete("/nowhere/pods/x").status_code == 404
    assert admin.post("/celium/fail-next-disks", json={}).status_code == 400


def test_a_gpudev_job_still_in_the_queue_is_taken_up_by_a_control(
    served: EmulatorServer, slow_clock: Emulator
) -> None:
    api = driver(served, slow_clock, "gpudev")
    env = {"GPU_TYPE": "h100", "GPU_COUNT": "1"}
    body = {"instance_type": "p5.48xlarge", "env_vars": env}
    job = api.http.post("/v1/jobs/submit", json=body).json()["job_id"]
    assert api.state("jobs", job) == GONE, "not taken up yet"
    slow_clock.gpudev.fail("jobs", job, REASON)
    assert api.state("jobs", job) == "failed"
    slow_clock.clock.advance(600)
    assert api.state("jobs", job) == "failed", "the queued submission was consumed"


def test_a_failed_gpudev_disk_create_shows_its_error(
    served: EmulatorServer, slow_clock: Emulator
) -> None:
    api = driver(served, slow_clock, "gpudev")
    slow_clock.gpudev.fail_next("disks", REASON)
    queued = api.http.post("/v1/disks", json={"disk_name": "d"}).json()
    operation = f"/v1/disks/d/operations/{queued['operation_id']}"
    slow_clock.clock.advance(GpuDev.PICKUP)
    assert api.http.get(operation).json()["status"] == "in_progress"
    slow_clock.clock.advance(60)
    done = api.http.get(operation).json()
    assert (done["status"], done["error"], done["completed"]) == ("failed", REASON, True)
    assert slow_clock.leftovers()["gpudev"]["disks"] == []


def test_primeintellect_stopped_pod_shows_how_far_it_got(
    served: EmulatorServer, slow_clock: Emulator
) -> None:
    api = driver(served, slow_clock, "primeintellect")
    pod = api.create("pods")
    slow_clock.clock.advance(600)
    slow_clock.primeintellect.stop("pods", pod)
    body = api.read("pods", pod).json()
    assert (body["status"], body["installationStatus"]) == ("STOPPED", "FINISHED")
    assert body["sshConnection"] is None and body["ip"] is None
    assert api.http.get(f"/pods/{pod}/log").json()["logs"].endswith("Pod stopped")
    assert api.http.delete(f"/pods/{pod}").json() == {"status": "DELETING"}


def test_another_accounts_objects_cannot_be_used(
    served: EmulatorServer, slow_clock: Emulator
) -> None:
    """Objects named in a create (a template, a volume, a disk) are looked up in the
    caller's account: another account's answer 404, as missing ones do."""
    for cloud, kind, create in (
        ("celium", "templates", "pods"),
        ("celium", "volumes", "pods"),
        ("runpod", "templates", "pods"),
        ("runpod", "network_volumes", "pods"),
        ("primeintellect", "disks", "pods"),
    ):
        backend = slow_clock.clouds[cloud]
        mine = driver(served, slow_clock, cloud)
        theirs = DRIVERS[cloud](served, slow_clock, backend.other_account())
        object_id = mine.create(kind)
        slow_clock.clock.advance(600)  # verified, provisioned
        before = len(slow_clock.leftovers()[cloud][create])
        with pytest.raises(AssertionError, match=r"^404 "):
            theirs.create_with(create, kind, object_id)
        assert len(slow_clock.leftovers()[cloud][create]) == before, (cloud, kind)
