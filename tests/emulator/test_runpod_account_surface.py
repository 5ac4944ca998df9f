"""RunPod's registry credentials, the rest of its catalog (data centers, CPU flavors, public
templates) and problem+json for paths and methods it does not serve.

Every exchange of the ``api`` client is checked against RunPod's OpenAPI document: every
answer, and every request not refused as invalid on purpose (422).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer, FaultRule
from tests.emulator.test_runpod_api import CHECKER, IMAGE, KEY, pod_body, problem
from tests.support.openapi import ExchangeRecorder

CREDENTIAL = {"name": "private", "username": "robot", "password": "s3cret-pass"}


@pytest.fixture
def api(served: EmulatorServer, emu: Emulator) -> Iterator[httpx.Client]:
    recorder = ExchangeRecorder()
    client = httpx.Client(
        base_url=f"{served.url('runpod')}/v2",
        headers={"Authorization": f"Bearer {KEY}"},
        event_hooks={"response": [recorder]},
    )
    yield client
    client.close()
    problems = [
        found
        for exchange in recorder.exchanges
        for found in CHECKER.problems([exchange])
        # requests refused as invalid (422) break the spec on purpose; their answers must not
        if exchange.status != 422 or not found.startswith("request ")
    ]
    assert problems == [], "the emulator left RunPod's contract"


@pytest.fixture
def theirs(served: EmulatorServer) -> Iterator[httpx.Client]:
    """Another account (not checked against the spec)."""
    headers = {"Authorization": "Bearer runpod-second-account-key"}
    with httpx.Client(base_url=f"{served.url('runpod')}/v2", headers=headers) as client:
        yield client


def test_registry_credentials_are_write_only(
    api: httpx.Client, theirs: httpx.Client, emu: Emulator
) -> None:
    assert api.get("/registries").json() == {"registries": []}
    created = api.post("/registries", json=CREDENTIAL)
    assert created.status_code == 201
    registry = created.json()
    assert set(registry) == {"id", "name"} and registry["name"] == "private"
    assert api.get("/registries").json() == {"registries": [registry]}
    assert api.get(f"/registries/{registry['id']}").json() == registry
    stored = emu.runpod.registries[registry["id"]]
    assert (stored.username, stored.password) == ("robot", "s3cret-pass"), "kept, never shown"

    for bad in ({**CREDENTIAL, "password": ""}, {"name": "x", "username": "u"}):
        assert api.post("/registries", json=bad).status_code == 422
    assert theirs.get("/registries").json() == {"registries": []}
    assert theirs.get(f"/registries/{registry['id']}").status_code == 404
    assert theirs.delete(f"/registries/{registry['id']}").status_code == 404

    deleted = api.delete(f"/registries/{registry['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = api.get(f"/registries/{registry['id']}")
    assert (missing.status_code, problem(missing)["detail"]) == (404, "resource not found")
    assert api.delete(f"/registries/{registry['id']}").status_code == 404


def test_pods_and_templates_name_a_registry_of_their_account(
    api: httpx.Client, theirs: httpx.Client
) -> None:
    registry = api.post("/registries", json=CREDENTIAL).json()["id"]
    pod = api.post("/pods", json=pod_body(registry=registry))
    assert pod.status_code == 201 and pod.json()["registry"] == registry
    assert api.get(f"/pods/{pod.json()['id']}").json()["registry"] == registry

    unknown = api.post("/pods", json=pod_body(registry="nope"))
    assert (unknown.status_code, problem(unknown)["detail"]) == (
        400,
        "registry credential nope not found",
    )
    other = theirs.post("/pods", json=pod_body(registry=registry))
    assert other.status_code == 400, "another account's credential is not found either"
    template = {"name": "t", "image": IMAGE}
    assert api.post("/templates", json={**template, "registry": "nope"}).status_code == 400
    made = api.post("/templates", json={**template, "registry": registry}).json()
    assert made["registry"] == registry
    assert api.patch(f"/templates/{made['id']}", json={"registry": "nope"}).status_code == 400
    patched = api.patch(f"/pods/{pod.json()['id']}", json={"registry": None}).json()
    assert patched["registry"] is None
    assert api.patch(f"/pods/{pod.json()['id']}", json={"registry": "nope"}).status_code == 400
    assert api.get(f"/pods/{pod.json()['id']}").json()["registry"] is None, "refused: unchanged"

    from_template = api.post(
        "/pods", json={"name": "p", "gpu": pod_body()["gpu"], "templateId": made["id"]}
    ).json()
    assert from_template["registry"] == registry
    in_use = api.delete(f"/registries/{registry}")
    assert in_use.status_code == 400
    assert problem(in_use)["detail"].startswith("Registry credential is in use by a pod")
    api.delete(f"/pods/{from_template['id']}")
    assert api.delete(f"/registries/{registry}").status_code == 204
    assert api.get(f"/templates/{made['id']}").json()["registry"] is None, "reference dropped"


def test_data_centers(api: httpx.Client) -> None:
    listed = api.get("/catalog/datacenters").json()["dataCenters"]
    assert [dc["id"] for dc in listed][:2] == ["US-KS-2", "US-TX-3"] and len(listed) == 7
    assert all("gpuAvailability" not in dc and "cpuAvailability" not in dc for dc in listed)
    europe = api.get("/catalog/datacenters", params={"regions": "EUROPE"}).json()["dataCenters"]
    assert [dc["id"] for dc in europe] == ["EU-RO-1", "EU-SE-1", "EUR-IS-1"]
    both = {"networkVolumeTypes": "STANDARD,HIGH_PERFORMANCE", "compliance": "GDPR"}
    found = api.get("/catalog/datacenters", params=both).json()["dataCenters"]
    assert [dc["id"] for dc in found] == ["EU-RO-1"], "all of each list"
    assert api.get("/catalog/datacenters", params={"globalNetwork": "false"}).json() == {
        "dataCenters": []
    }
    stock = api.get(
        "/catalog/datacenters/US-CA-2", params={"include": "GPU_AVAILABILITY,CPU_AVAILABILITY"}
    ).json()
    assert stock["gpuAvailability"] == [
        {"id": "NVIDIA H200", "name": "H200 SXM", "availability": "NONE"}
    ]
    assert {c["id"] for c in stock["cpuAvailability"]} == {"cpu3c", "cpu3g", "cpu5c"}
    iceland = api.get("/catalog/datacenters/EUR-IS-1", params={"include": "GPU_AVAILABILITY"})
    assert "gpuAvailability" not in iceland.json(), "omitted where no GPU is sold"
    assert api.get("/catalog/datacenters/MARS-1").status_code == 404
    assert api.get("/catalog/datacenters", params={"regions": "MARS"}).status_code == 422


def test_data_center_stock_follows_the_pods(api: httpx.Client) -> None:
    def h100() -> str:
        found = api.get("/catalog/datacenters/CA-MTL-1", params={"include": "GPU_AVAILABILITY"})
        gpus = {g["id"]: str(g["availability"]) for g in found.json()["gpuAvailability"]}
        return gpus["NVIDIA H100 PCIe"]

    assert h100() == "LOW"
    api.post("/pods", json=pod_body(gpu={"id": "NVIDIA H100 PCIe", "count": 2}))
    assert h100() == "NONE"


def test_cpu_flavors(api: httpx.Client) -> None:
    cpus = api.get("/catalog/cpus").json()["cpus"]
    assert [c["id"] for c in cpus] == ["cpu3c", "cpu3g", "cpu5c"]
    assert cpus[0]["price"]["securePerVcpu"] == 0.03 and "availability" not in cpus[0]
    stock = {"include": "AVAILABILITY", "product": "POD"}
    one = api.get("/catalog/cpus/cpu5c", params={**stock, "vcpuCount": 8}).json()
    assert one["availability"] == "HIGH" and len(one["dataCenters"]) == 7
    too_big = api.get("/catalog/cpus/cpu5c", params={**stock, "vcpuCount": 64}).json()
    assert too_big["availability"] == "NONE" and "dataCenters" not in too_big
    cpu = api.post(
        "/pods", json={"name": "c", "image": IMAGE, "cpu": {"id": "cpu5c", "vcpuCount": 8}}
    )
    assert cpu.json()["cost"] == 8 * one["price"]["securePerVcpu"], "the catalog's price"

    def refused(params: dict[str, str | int], status: int) -> None:
        response = api.get("/catalog/cpus", params=params)
        assert response.status_code == status, response.text
        problem(response)

    refused({"include": "AVAILABILITY"}, 400)
    refused({"product": "POD"}, 400)
    refused({"vcpuCount": 4}, 400)
    refused({**stock, "vcpuCount": 6}, 400)
    refused({**stock, "vcpuCount": 1}, 422)
    refused({**stock, "product": "CLUSTER"}, 422)
    assert api.get("/catalog/cpus/cpu9z").status_code == 404


def test_public_template_catalog(api: httpx.Client) -> None:
    official = api.get("/catalog/templates").json()["templates"]
    assert {t["id"] for t in official} == {"runpod-torch-v240", "runpod-ubuntu"}
    assert all(t["public"] and t["registry"] is None for t in official)
    by_name = api.get("/catalog/templates", params={"source": "official"})
    assert by_name.json() == {"templates": official}, "official is the default slice"
    api.post("/templates", json={"name": "mine", "image": IMAGE, "public": True})
    for source in ("verified", "community"):
        found = api.get("/catalog/templates", params={"source": source})
        assert found.json() == {"templates": []}, "no account shares templates here"
    assert api.get("/catalog/templates", params={"source": "all"}).status_code == 422


def test_unknown_paths_methods_and_injected_faults_answer_problem_json(
    served: EmulatorServer, emu: Emulator
) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    api = httpx.Client(base_url=f"{served.url('runpod')}/v2", headers=headers)  # unchecked
    unknown = api.get("/nothing-here")
    assert (unknown.status_code, problem(unknown)["title"]) == (404, "Not Found")
    for method, path, allowed in (
        ("PUT", "/pods", "GET, POST"),
        ("POST", "/pods/abc", "GET, PATCH, DELETE"),
        ("PATCH", "/registries/abc", "GET, DELETE"),
    ):
        refused = api.request(method, path)
        assert refused.status_code == 405
        assert problem(refused) == {
            "title": "Method Not Allowed",
            "status": 405,
            "detail": "Method Not Allowed",
        }
        assert refused.headers["allow"] == allowed
    emu.faults.add(FaultRule(cloud="runpod", path="/v2/registries", status=503, retry_after=2))
    unavailable = api.get("/registries")
    assert problem(unavailable) == {
        "title": "Service Unavailable",
        "status": 503,
        "detail": "Service Unavailable",
    }
    assert unavailable.headers["retry-after"] == "2"
    outside = httpx.get(f"{served.url()}/nowhere")
    assert (outside.status_code, outside.json()) == (404, {"detail": "Not Found"})
