"""The emulated RunPod REST v2 API, walked through its states, errors and limits over HTTP.

Every exchange of these tests is also checked against RunPod's own OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.openapi import SPECS, ExchangeRecorder, SpecChecker

KEY = "runpod-emulator-key"
SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
IMAGE = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"
GPU = {"id": "NVIDIA GeForce RTX 4090", "count": 1}
SPEC = SPECS / "runpod-rest-v2.openapi.json"


CHECKER = SpecChecker(SPEC, "/runpod")


@pytest.fixture
def recorder() -> ExchangeRecorder:
    return ExchangeRecorder()


@pytest.fixture
def connect(served: EmulatorServer, emu: Emulator, recorder: ExchangeRecorder) -> Iterator[Any]:
    """connect(key) -> an httpx client on /runpod/v2 whose exchanges must match the spec."""
    clients: list[httpx.Client] = []

    def make(key: str | None = KEY) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.Client(
            base_url=f"{served.url('runpod')}/v2",
            headers=headers,
            event_hooks={"response": [recorder]},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    # Requests here are often wrong on purpose; every answer must follow the contract.
    answers = [p for p in CHECKER.problems(recorder.exchanges) if not p.startswith("request ")]
    assert answers == [], "the emulator left RunPod's contract"


@pytest.fixture
def api(connect: Any) -> httpx.Client:
    return connect()  # type: ignore[no-any-return]


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


def pod_body(**fields: Any) -> dict[str, Any]:
    return {"name": "p", "image": IMAGE, "gpu": GPU, "ports": ["8888/http", "22/tcp"], **fields}


def test_bearer_keys_scopes_and_accounts(connect: Any) -> None:
    bare = connect(None).get("/pods")
    assert bare.status_code == 401
    assert problem(bare) == {
        "title": "Unauthorized",
        "status": 401,
        "detail": "missing bearer token",
    }
    assert "ratelimit" not in bare.headers, "only authenticated answers carry RateLimit"
    wrong = connect("nope").get("/pods")
    assert (wrong.status_code, problem(wrong)["detail"]) == (401, "invalid bearer token")

    readonly = connect("runpod-readonly-key")
    assert readonly.get("/pods").status_code == 200
    denied = readonly.post(
        "/network-volumes", json={"name": "v", "size": 10, "dataCenter": "US-KS-2"}
    )
    assert (denied.status_code, problem(denied)["detail"]) == (403, "access denied")
    assert "ratelimit" in denied.headers

    storage = connect("runpod-storage-key")
    assert storage.get("/pods").status_code == 403
    volume = storage.post(
        "/network-volumes", json={"name": "v", "size": 10, "dataCenter": "US-KS-2"}
    )
    assert volume.status_code == 201

    pod = connect().post("/pods", json=pod_body()).json()
    other = connect("runpod-second-account-key")
    assert other.get(f"/pods/{pod['id']}").status_code == 404, "accounts do not see each other"
    assert other.get("/pods").json() == {"pods": []}


def test_rate_limit_headers_and_429(api: httpx.Client, emu: Emulator) -> None:
    emu.runpod.rate.configure("minute", 3, 60)
    seen = [api.get("/pods") for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 200]
    assert [r.headers["RateLimit"].split(",")[0].split(";")[1] for r in seen] == [
        "r=2",
        "r=1",
        "r=0",
    ]
    assert '"minute";q=3;w=60' in seen[0].headers["RateLimit-Policy"]
    limited = api.get("/pods")
    assert limited.status_code == 429
    assert problem(limited)["detail"] == "rate limit exceeded for the minute window"
    assert 55 <= int(limited.headers["Retry-After"]) <= 60
    assert "ratelimit" in limited.headers and "ratelimit-policy" in limited.headers


def test_pod_lifecycle_states_and_actions(api: httpx.Client, emu: Emulator) -> None:
    t = emu.runpod.timings
    created = api.post("/pods", json=pod_body())
    assert created.status_code == 201
    pod = created.json()
    assert pod["status"] == "PROVISIONING" and pod["actions"] == ["stop", "terminate"]
    assert pod["ssh"] == {"proxy": None, "direct": None} and pod["runtime"] is None
    assert pod["cost"] == 0.69 and pod["cloud"] == "SECURE" and pod["startedAt"] is None
    url = f"/pods/{pod['id']}"

    emu.clock.advance(t.provision)
    starting = api.get(url).json()
    assert starting["status"] == "STARTING"
    assert (
        starting["ssh"]["proxy"]["command"]
        == f"ssh {pod['id']}-{starting['ssh']['proxy']['username'].split('-')[1]}@ssh.runpod.io"
    )
    emu.clock.advance(t.boot)
    running = api.get(url).json()
    assert running["status"] == "RUNNING" and running["actions"] == ["stop", "restart", "terminate"]
    assert running["ssh"]["direct"] is None, "public ports come a little after RUNNING"
    assert {p["private"]: p["public"] for p in running["runtime"]["ports"]} == {
        22: None,
        8888: None,
    }
    emu.clock.advance(t.ports)
    mapped = api.get(url).json()
    public = {p["private"]: p["public"] for p in mapped["runtime"]["ports"]}
    direct = mapped["ssh"]["direct"]
    assert direct["port"] == public[22] and public[8888] is None, "http goes through the proxy"
    assert direct["command"] == f"ssh root@{direct['host']} -p {direct['port']}"
    assert mapped["startedAt"] is not None and mapped["runtime"]["uptime"] >= t.ports

    invalid = api.post(f"{url}/action", json={"action": "start"})
    assert invalid.status_code == 409
    assert "valid actions: stop, restart, terminate" in problem(invalid)["detail"]

    stopped = api.post(f"{url}/action", json={"action": "stop"}).json()
    assert stopped["status"] == "EXITED" and stopped["actions"] == ["start", "terminate"]
    assert (
        stopped["cost"] == 0.0 and stopped["runtime"] is None and stopped["ssh"]["direct"] is None
    )
    assert stopped["cudaVersion"] == "12.8", "a stopped pod keeps its machine"

    started = api.post(f"{url}/action", json={"action": "start"}).json()
    assert started["status"] == "STARTING", "the machine was kept: no PROVISIONING"
    emu.clock.advance(t.boot + t.ports)
    again = api.get(url).json()
    assert again["status"] == "RUNNING" and again["ssh"]["direct"]["port"] != direct["port"]

    restarted = api.post(f"{url}/action", json={"action": "restart"}).json()
    assert restarted["status"] == "STARTING"

    terminated = api.post(f"{url}/action", json={"action": "terminate"})
    assert (terminated.status_code, terminated.content) == (204, b"")
    assert api.get(url).json()["status"] == "TERMINATED"
    assert api.get("/pods").json() == {"pods": []}
    assert emu.leftovers()["runpod"]["pods"] == []
    emu.clock.advance(t.terminate)
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404


def test_delete_is_204_and_error_holds_the_machine(api: httpx.Client, emu: Emulator) -> None:
    emu.runpod.fail_next_pods.append("driver mismatch")
    pod = api.post("/pods", json=pod_body(gpu={"id": "NVIDIA H100 PCIe", "count": 2})).json()
    assert pod["dataCenterId"] == "CA-MTL-1"
    emu.clock.advance(600)
    failed = api.get(f"/pods/{pod['id']}").json()
    assert failed["status"] == "ERROR" and failed["actions"] == ["start", "terminate"]
    assert failed["cost"] > 0, "a pod in ERROR still holds (and bills) its machine"
    full = api.post("/pods", json=pod_body(gpu={"id": "NVIDIA H100 PCIe", "count": 1}))
    assert full.status_code == 400
    deleted = api.delete(f"/pods/{pod['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.post("/pods", json=pod_body(gpu={"id": "NVIDIA H100 PCIe"})).status_code == 201


def test_capacity_per_gpu_type_and_data_center(api: httpx.Client, emu: Emulator) -> None:
    h100 = {"id": "NVIDIA H100 PCIe", "count": 1}
    first = api.post("/pods", json=pod_body(gpu=h100)).json()
    api.post("/pods", json=pod_body(gpu=h100))
    none_left = api.post("/pods", json=pod_body(gpu=h100))
    assert none_left.status_code == 400
    assert problem(none_left)["detail"].startswith(
        "There are no longer any instances available with the requested specifications"
    )
    api.post(f"/pods/{first['id']}/action", json={"action": "stop"})
    third = api.post("/pods", json=pod_body(gpu=h100))
    assert third.status_code == 201, "stopping released the GPU"
    refused = api.post(f"/pods/{first['id']}/action", json={"action": "start"})
    assert refused.status_code == 400 and "not enough free" in problem(refused)["detail"]

    emu.runpod.set_capacity("NVIDIA H100 PCIe", "CA-MTL-1", "SECURE", 1)
    assert api.post(f"/pods/{first['id']}/action", json={"action": "start"}).status_code == 200

    too_many = api.post("/pods", json=pod_body(gpu={"id": "NVIDIA L40S", "count": 9}))
    assert "at most 8 x NVIDIA L40S" in problem(too_many)["detail"]
    community = api.post("/pods", json=pod_body(gpu={"id": "NVIDIA L40S"}, cloud="COMMUNITY"))
    assert "not offered on the COMMUNITY cloud" in problem(community)["detail"]
    unknown = api.post("/pods", json=pod_body(gpu={"id": "NVIDIA RTX 9999"}))
    assert "unknown GPU type" in problem(unknown)["detail"]
    placed = api.post("/pods", json=pod_body(dataCenterIds=["EU-RO-1"])).json()
    assert placed["dataCenterId"] == "EU-RO-1"
    cuda = api.post("/pods", json=pod_body(gpu={**GPU, "allowedCudaVersions": ["12.4"]})).json()
    assert (cuda["dataCenterId"], cuda["cudaVersion"]) == ("CA-MTL-1", "12.4")
    floor = api.post("/pods", json=pod_body(gpu={**GPU, "minCudaVersion": "12.9"}))
    assert "with CUDA >= 12.9" in problem(floor)["detail"]


def test_create_rules_and_validation(api: httpx.Client) -> None:
    def detail(body: dict[str, Any], status: int) -> str:
        response = api.post("/pods", json=body)
        assert response.status_code == status, response.text
        found = problem(response)
        return " ".join([found["detail"], *found.get("errors", [])])

    assert "exactly one of gpu or cpu" in detail(pod_body(cpu={"id": "cpu3c", "vcpuCount": 2}), 400)
    assert "exactly one of gpu or cpu" in detail({"name": "p", "image": IMAGE}, 400)
    assert "missing properties 'image'" in detail({"name": "p", "gpu": GPU}, 422)
    assert "additional properties 'bogus' not allowed" in detail(pod_body(bogus=1), 422)
    assert "$.gpu.count" in detail(pod_body(gpu={"id": GPU["id"], "count": 0}), 422)
    assert "$.disk" in detail(pod_body(disk="50"), 422), "no silent coercion"
    assert "invalid port '8888'" in detail(pod_body(ports=["8888"]), 400)
    cuda = {**GPU, "allowedCudaVersions": ["12.8"], "minCudaVersion": "12.4"}
    assert "exclusive" in detail(pod_body(gpu=cuda), 400)
    persistent = {"persistent": {"size": 20, "path": "/w"}}
    cpu = {"name": "c", "image": IMAGE, "cpu": {"id": "cpu3c", "vcpuCount": 4}}
    assert "not allowed on CPU pods" in detail({**cpu, "mounts": persistent}, 400)
    assert "power of two" in detail({**cpu, "cpu": {"id": "cpu3c", "vcpuCount": 6}}, 400)
    assert "unknown data center" in detail(pod_body(dataCenterIds=["MARS-1"]), 400)
    assert "network volume nope not found" in detail(
        pod_body(mounts={"network": [{"volumeId": "nope", "path": "/w"}]}), 404
    )
    made = api.post("/pods", json=cpu).json()
    assert made["cpu"] == {"id": "cpu3c", "vcpuCount": 4, "memory": 8} and "gpu" not in made
    assert made["cost"] == 0.12 and made["cudaVersion"] is None


def test_network_mount_rules_and_patch_semantics(api: httpx.Client, emu: Emulator) -> None:
    volume = api.post("/network-volumes", json={"name": "v", "size": 50, "dataCenter": "EU-RO-1"})
    volume_id = volume.json()["id"]
    mount = {"network": [{"volumeId": volume_id, "path": "/data"}]}
    elsewhere = api.post("/pods", json=pod_body(mounts=mount, dataCenterIds=["US-KS-2"]))
    assert "is in EU-RO-1" in problem(elsewhere)["detail"]
    community = api.post("/pods", json=pod_body(mounts=mount, cloud="COMMUNITY"))
    assert "SECURE cloud" in problem(community)["detail"]
    pod = api.post("/pods", json=pod_body(mounts=mount, env={"A": "1"})).json()
    assert pod["dataCenterId"] == "EU-RO-1", "placed where its volume is"
    url = f"/pods/{pod['id']}"
    emu.clock.advance(600)

    renamed = api.patch(url, json={"name": "q"}).json()
    assert (renamed["name"], renamed["status"]) == ("q", "RUNNING"), "a rename does not restart"
    changed = api.patch(
        url,
        json={"env": {"B": "2"}, "mounts": {"network": [{"volumeId": volume_id, "path": "/w"}]}},
    ).json()
    assert changed["env"] == {"B": "2"}, "PATCH replaces env"
    assert changed["mounts"]["network"][0]["path"] == "/w"
    assert changed["status"] == "STARTING", "container changes restart a running pod"
    assert api.patch(url, json={"mounts": {}}).status_code == 200, "{} leaves mounts alone"

    def refused(body: dict[str, Any]) -> str:
        response = api.patch(url, json=body)
        assert response.status_code == 400, response.text
        return str(problem(response)["detail"])

    assert "not allowed" in refused({"mounts": {"network": []}})
    assert "cannot be changed" in refused(
        {"mounts": {"network": [{"volumeId": "x", "path": "/w"}]}}
    )
    assert "fixed at create" in refused({"mounts": {"persistent": {"size": 20, "path": "/w"}}})
    in_use = api.delete(f"/network-volumes/{volume_id}")
    assert in_use.status_code == 400 and pod["id"] in problem(in_use)["detail"]


def test_templates(api: httpx.Client) -> None:
    created = api.post("/templates", json={"name": "t", "image": IMAGE, "ports": ["22/tcp"],
                                            "env": {"MODE": "a"}})  # fmt: skip
    assert created.status_code == 201
    template = created.json()
    assert (template["startSsh"], template["startJupyter"], template["category"]) == (
        True,
        True,
        "NVIDIA",
    )
    assert template["disk"] == 50 and template["mounts"] == {} and template["public"] is False
    duplicate = api.post("/templates", json={"name": "t", "image": IMAGE})
    assert "already exists" in problem(duplicate)["detail"]
    network = api.post(
        "/templates",
        json={
            "name": "n",
            "image": IMAGE,
            "mounts": {"network": [{"volumeId": "v", "path": "/w"}]},
        },
    )
    assert network.status_code == 422
    url = f"/templates/{template['id']}"
    patched = api.patch(
        url, json={"disk": 80, "mounts": {"persistent": {"size": 30, "path": "/w"}}}
    )
    assert patched.json()["disk"] == 80 and patched.json()["mounts"]["persistent"]["size"] == 30
    assert api.patch(url, json={"mounts": {}}).json()["mounts"] != {}, "{} leaves the mount"

    pod = api.post("/pods", json={"name": "p", "gpu": GPU, "templateId": template["id"],
                                  "env": {"RUN": "1"}}).json()  # fmt: skip
    assert pod["image"] == IMAGE and pod["ports"] == ["22/tcp"] and pod["disk"] == 80
    password = pod["env"].pop("JUPYTER_PASSWORD")
    assert len(password) == 20, "the template's startJupyter (true by default) applies"
    assert pod["env"] == {"MODE": "a", "RUN": "1"}, "env is merged per key"
    assert pod["mounts"] == {"persistent": {"size": 30, "path": "/w"}}
    assert pod["template"] == template["id"]
    in_use = api.delete(url)
    assert in_use.status_code == 400
    assert problem(in_use)["detail"].startswith("Template is in use by a pod")
    api.delete(f"/pods/{pod['id']}")
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404

    public = api.get("/templates/runpod-torch-v240")
    assert public.status_code == 200 and public.json()["public"] is True
    assert api.get("/templates").json() == {"templates": []}, "lists only your own"
    assert api.patch("/templates/runpod-torch-v240", json={"name": "x"}).status_code == 404
    from_public = api.post(
        "/pods", json={"name": "p", "gpu": GPU, "templateId": "runpod-torch-v240"}
    )
    assert from_public.status_code == 201


def test_network_volumes(api: httpx.Client) -> None:
    def create(**fields: Any) -> httpx.Response:
        return api.post(
            "/network-volumes", json={"name": "v", "size": 50, "dataCenter": "US-KS-2", **fields}
        )

    volume = create().json()
    assert volume["type"] == "STANDARD"
    assert create(dataCenter="US-CA-2").json()["type"] == "HIGH_PERFORMANCE", "the DC's default"
    assert create(type="HIGH_PERFORMANCE").json()["type"] == "HIGH_PERFORMANCE"
    assert create(size=9).status_code == 422 and create(size=4097).status_code == 422
    assert create(size=4096).status_code == 201
    assert "unknown data center" in problem(create(dataCenter="MARS-1"))["detail"]
    assert (
        "not HIGH_PERFORMANCE"
        in problem(create(dataCenter="US-TX-3", type="HIGH_PERFORMANCE"))["detail"]
    )
    assert "does not offer network volumes" in problem(create(dataCenter="EUR-IS-1"))["detail"]
    url = f"/network-volumes/{volume['id']}"
    assert api.patch(url, json={"size": 80, "name": "w"}).json() == {
        **volume,
        "size": 80,
        "name": "w",
    }
    shrink = api.patch(url, json={"size": 60})
    assert shrink.status_code == 400 and "cannot be reduced" in problem(shrink)["detail"]
    assert api.patch(url, json={}).status_code == 422
    assert api.get("/network-volumes").json()["networkVolumes"][0]["id"] == volume["id"]
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_gpu_catalog(api: httpx.Client, emu: Emulator) -> None:
    plain = api.get("/catalog/gpus").json()["gpus"]
    assert len(plain) == 10 and all("availability" not in g for g in plain)
    rtx = next(g for g in plain if g["id"] == "NVIDIA GeForce RTX 4090")
    assert rtx["price"] == {"secure": 0.69, "community": 0.34, "serverless": 0.00031}
    stock = {"include": "AVAILABILITY", "product": "POD"}
    gpus = {g["id"]: g for g in api.get("/catalog/gpus", params=stock).json()["gpus"]}
    assert (
        gpus["NVIDIA H200"]["availability"] == "NONE" and "dataCenters" not in gpus["NVIDIA H200"]
    )
    assert gpus["NVIDIA GeForce RTX 4090"]["availability"] == "HIGH"
    assert {d["id"] for d in gpus["NVIDIA GeForce RTX 4090"]["dataCenters"]} == {
        "US-KS-2",
        "EU-RO-1",
        "CA-MTL-1",
    }
    assert "cudaVersions" not in gpus["AMD Instinct MI300X OAM"]
    canada = api.get("/catalog/gpus", params={**stock, "countryCodes": "CA"}).json()["gpus"]
    assert {g["id"] for g in canada} == {"NVIDIA GeForce RTX 4090", "NVIDIA H100 PCIe"}
    four = api.get("/catalog/gpus/NVIDIA H100 PCIe", params={**stock, "count": 4}).json()
    assert four["availability"] == "NONE", "two free, four asked"
    community = api.get("/catalog/gpus/NVIDIA L40S", params={**stock, "cloud": "COMMUNITY"}).json()
    assert community["availability"] == "NONE" and community["community"] is False
    cuda = api.get(
        "/catalog/gpus/NVIDIA GeForce RTX 4090", params={**stock, "minCudaVersion": "12.6"}
    )
    assert [c["version"] for c in cuda.json()["cudaVersions"]] == ["12.8"]
    for _ in range(8):
        api.post("/pods", json=pod_body(gpu={"id": "NVIDIA H100 PCIe", "count": 1}))
    drained = api.get("/catalog/gpus/NVIDIA H100 PCIe", params=stock).json()
    assert drained["availability"] == "NONE", "stock follows the pods placed"

    def refused(params: dict[str, Any], status: int) -> None:
        response = api.get("/catalog/gpus", params=params)
        assert response.status_code == status, response.text
        problem(response)

    refused({"include": "AVAILABILITY"}, 400)
    refused({"product": "POD"}, 400)
    refused({"count": 2}, 400)
    refused({**stock, "cudaVersions": "12.8", "minCudaVersion": "12.1"}, 400)
    refused({**stock, "countryCodes": "usa"}, 422)
    assert api.get("/catalog/gpus/NVIDIA RTX 9999").status_code == 404


def test_ssh_and_jupyter_provisioning(api: httpx.Client) -> None:
    assert api.get("/account/ssh-keys").json() == {"keys": []}
    bare = api.post("/pods", json=pod_body(startSsh=True)).json()
    assert "PUBLIC_KEY" not in bare["env"], "no registered keys: nothing to provision"
    assert api.put("/account/ssh-keys", json={"keys": ["not a key"]}).status_code == 422
    assert api.put("/account/ssh-keys", json={"keys": [SSH]}).json() == {"keys": [SSH]}
    pod = api.post("/pods", json=pod_body(startSsh=True, startJupyter=True)).json()
    assert pod["env"]["PUBLIC_KEY"] == SSH and len(pod["env"]["JUPYTER_PASSWORD"]) == 20
    own = api.post("/pods", json=pod_body(startSsh=True, env={"PUBLIC_KEY": "mine"})).json()
    assert own["env"]["PUBLIC_KEY"] == "mine", "a key in the request wins"


def test_out_of_band_controls(served: EmulatorServer, api: httpx.Client, emu: Emulator) -> None:
    pod = api.post("/pods", json=pod_body()).json()
    admin = httpx.Client(base_url=f"{served.url()}/_emulator/runpod")
    emu.clock.advance(600)
    assert admin.post(f"/pods/{pod['id']}/stop").status_code == 200
    assert api.get(f"/pods/{pod['id']}").json()["status"] == "EXITED"
    assert admin.post(f"/pods/{pod['id']}/fail", json={"reason": "x"}).status_code == 200
    assert api.get(f"/pods/{pod['id']}").json()["status"] == "ERROR"
    assert admin.delete(f"/pods/{pod['id']}").status_code == 200
    assert api.get(f"/pods/{pod['id']}").status_code == 404
    assert admin.patch("/timings", json={"boot": 5}).json()["boot"] == 5
    capacity = {"gpu": "NVIDIA H200", "dataCenter": "US-CA-2", "free": 8}
    assert admin.put("/capacity", json=capacity).status_code == 200
    assert api.post("/pods", json=pod_body(gpu={"id": "NVIDIA H200"})).status_code == 201
    assert admin.put("/rate-limit/minute", json={"quota": 1, "seconds": 30}).status_code == 200
    assert api.get("/pods").status_code == 200
    assert api.get("/pods").status_code == 429
    assert admin.post("/fail-next-pods?count=2", json={}).json() == {"pending_failures": 2}
