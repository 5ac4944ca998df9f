"""The emulated Prime Intellect API, walked through its states, errors and faults over HTTP.

Every exchange of the ``api`` client is checked against the OpenAPI document after
each test (:func:`spec_problems`). The document declares only 200, 401 and 422: the
other answers the real API gives (400 business rules, 402 billing, 404, as the
official CLI handles them) are checked to carry FastAPI's ``{"detail": "<message>"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.primeintellect.backend import PodFailure
from tests.support.openapi import SPECS, Exchange, ExchangeRecorder, SpecChecker

KEY = {"Authorization": "Bearer prime-emulator-key"}
SPEC = SPECS / "primeintellect-compute.openapi.yml"
SPEC_STATUSES = {200, 401, 422}
CHECKER = SpecChecker(SPEC, "/primeintellect")
REGIONS = set(yaml.safe_load(SPEC.read_text())["components"]["schemas"]["Regions"]["enum"])
_ANY_OF_ARRAY = re.compile(
    r"^request .*Invalid query parameter: (regions|disks) \| '.*' is not valid under any of"
)
"""openapi-core 0.23 does not read ``anyOf: [array, null]`` query parameters (the spec's
``regions`` and ``disks``) as arrays and rejects every value; those are checked here."""


def spec_problems(exchanges: list[Exchange]) -> list[str]:
    """What does not match the OpenAPI document (requests made invalid on purpose,
    answered 422, are judged by their answer only)."""
    problems = []
    for exchange in exchanges:
        if exchange.status not in SPEC_STATUSES:
            body = json.loads(exchange.response_body)
            if set(body) != {"detail"} or not isinstance(body["detail"], str):
                problems.append(f"{exchange.method} {exchange.path}: error body {body}")
            continue
        for problem in CHECKER.problems([exchange]):
            if _ANY_OF_ARRAY.match(problem):
                continue
            if problem.startswith("request ") and exchange.status == 422:
                continue
            problems.append(problem)
        regions = {v for k, v in exchange.query if k == "regions"}
        if regions - REGIONS:
            problems.append(f"{exchange.path}: regions {sorted(regions - REGIONS)} not in spec")
    return problems


@pytest.fixture
def recorder() -> ExchangeRecorder:
    return ExchangeRecorder()


@pytest.fixture
def api(
    served: EmulatorServer, emu: Emulator, recorder: ExchangeRecorder
) -> Iterator[httpx.Client]:
    client = httpx.Client(
        base_url=served.url("primeintellect") + "/api/v1",
        headers=KEY,
        event_hooks={"response": [recorder]},
    )
    yield client
    client.close()
    assert recorder.exchanges, "the test made requests through the checked client"
    assert spec_problems(recorder.exchanges) == []


def offer_of(emu: Emulator, *, center: str | None = None, **match: Any) -> Any:
    """The first catalog offer in data center ``center`` with these attributes."""
    return next(
        o
        for o in emu.primeintellect.offers
        if center in (None, o.center.id) and all(getattr(o, k) == v for k, v in match.items())
    )


def pod_body(o: Any, **pod: Any) -> dict[str, Any]:
    return {
        "pod": {
            "name": "p1",
            "cloudId": o.cloud_id,
            "gpuType": o.gpu_type,
            "socket": o.socket,
            "gpuCount": o.gpu_count,
            "dataCenterId": o.center.id,
            **pod,
        },
        "provider": {"type": o.provider},
    }


def make_pod(
    api: httpx.Client, emu: Emulator, *, disks: list[str] | None = None, **pod: Any
) -> Any:
    o = offer_of(emu, provider="hyperstack", center="CANADA-1", gpu_type="L40S_48GB", gpu_count=1)
    emu.primeintellect.set_capacity(10, cloud_id=o.cloud_id)
    body = pod_body(o, **pod)
    if disks:
        body["disks"] = disks
    response = api.post("/pods/", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_bearer_auth(served: EmulatorServer, emu: Emulator) -> None:
    bare = httpx.Client(base_url=served.url("primeintellect") + "/api/v1")
    missing = bare.get("/pods/")
    assert (missing.status_code, missing.json()) == (401, {"detail": "Not authenticated"})
    wrong = bare.get("/pods/", headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid API key"})
    basic = bare.get("/pods/", headers={"Authorization": "Basic prime-emulator-key"})
    assert basic.status_code == 401
    assert bare.get("/pods/", headers=KEY).status_code == 200


def test_both_trailing_slash_forms_are_served(served: EmulatorServer, emu: Emulator) -> None:
    plain = httpx.Client(base_url=served.url("primeintellect") + "/api/v1", headers=KEY)
    assert plain.get("/pods").json() == plain.get("/pods/").json()
    o = offer_of(emu, provider="hyperstack", center="CANADA-1", gpu_type="L40S_48GB", gpu_count=1)
    emu.primeintellect.set_capacity(10, cloud_id=o.cloud_id)
    created = plain.post("/pods", json=pod_body(o))
    assert created.status_code == 200
    pod_id = created.json()["id"]
    assert plain.get(f"/pods/{pod_id}/").json()["id"] == pod_id
    assert plain.get("/availability/gpus/").json()["totalCount"] > 0
    redirects = [r for r in emu.requests.find("primeintellect") if r.status in (301, 307, 308)]
    assert redirects == [], "both forms are answered directly"


def test_gpu_availability_pages_and_filters(api: httpx.Client, emu: Emulator) -> None:
    first = api.get("/availability/gpus").json()
    total = first["totalCount"]
    assert total == len(emu.primeintellect.offers) > 100
    assert len(first["items"]) == 100
    second = api.get("/availability/gpus", params={"page": 2}).json()
    assert len(second["items"]) == total - 100
    ids = {(i["provider"], i["dataCenter"], i["cloudId"]) for i in first["items"] + second["items"]}
    assert len(ids) == total, "pages neither overlap nor skip"

    h100 = api.get(
        "/availability/gpus",
        params={
            "gpu_type": "H100_80GB",
            "gpu_count": 8,
            "socket": "SXM5",
            "security": "secure_cloud",
        },
    ).json()
    assert h100["items"] and all(
        (i["gpuType"], i["gpuCount"], i["socket"], i["security"])
        == ("H100_80GB", 8, "SXM5", "secure_cloud")
        for i in h100["items"]
    )
    assert h100["totalCount"] == len(h100["items"])
    regions = api.get("/availability/gpus", params=[("regions", "canada"), ("regions", "eu_east")])
    assert {i["region"] for i in regions.json()["items"]} == {"canada", "eu_east"}
    one = api.get("/availability/gpus", params={"data_center_id": "FIN-01", "page_size": 3}).json()
    assert len(one["items"]) == 3 and {i["dataCenter"] for i in one["items"]} == {"FIN-01"}
    item = one["items"][0]
    assert item["disk"]["minCount"] <= item["disk"]["defaultCount"] <= item["disk"]["maxCount"]
    assert item["prices"]["onDemand"] > 0 and item["images"]


def test_stock_follows_capacity_and_pods(api: httpx.Client, emu: Emulator) -> None:
    o = offer_of(emu, provider="hyperstack", center="CANADA-1", gpu_type="L40S_48GB", gpu_count=1)
    emu.primeintellect.set_capacity(1, cloud_id=o.cloud_id)
    row = {"cloud_id": o.cloud_id, "data_center_id": "CANADA-1"}
    assert api.get("/availability/gpus", params=row).json()["items"][0]["stockStatus"] == "Low"
    assert api.post("/pods/", json=pod_body(o)).status_code == 200
    assert api.get("/availability/gpus", params=row).json()["items"][0]["stockStatus"] == (
        "Unavailable"
    )
    full = api.post("/pods/", json=pod_body(o, name="p2"))
    assert full.status_code == 400 and "out of stock" in full.json()["detail"]


def test_invalid_requests_answer_422_in_both_shapes(api: httpx.Client, emu: Emulator) -> None:
    response = api.get("/availability/gpus", params={"page_size": 101})
    assert response.status_code == 422
    body = response.json()
    assert {"param": "page_size", "details": "Input should be less than or equal to 100"} in (
        body["errors"]
    )
    assert body["detail"][0]["loc"] == ["query", "page_size"]
    o = offer_of(emu, provider="hyperstack", gpu_count=1)
    wrong = api.post("/pods/", json=pod_body(o, gpuCount=0, name="bad_name", color="red"))
    params = {e["param"] for e in wrong.json()["errors"]}
    assert wrong.status_code == 422
    assert params == {"pod.gpuCount", "pod.name", "pod.color"}
    assert api.get("/availability/gpus", params={"gpu_type": "H100"}).status_code == 422


def test_pod_lifecycle(api: httpx.Client, emu: Emulator) -> None:
    pod = make_pod(api, emu, jupyterPassword="pw")
    pod_id = pod["id"]
    assert (pod["status"], pod["installationStatus"], pod["sshConnection"]) == (
        "PROVISIONING",
        "PENDING",
        None,
    )
    seen = [pod["status"]]
    for step in (61, 20, 30):
        emu.clock.advance(step)
        seen.append(api.get(f"/pods/{pod_id}").json()["status"])
    assert seen == ["PROVISIONING", "PENDING", "ACTIVE", "ACTIVE"]
    installing = api.get("/pods/status", params={"pod_ids": pod_id}).json()["data"][0]
    assert installing["installationStatus"] == "ACTIVE"
    assert 0 < installing["installationProgress"] < 100
    assert installing["sshConnection"] is None

    emu.clock.advance(40)
    ready = api.get(f"/pods/{pod_id}").json()
    assert (ready["installationStatus"], ready["installationProgress"]) == ("FINISHED", 100)
    used = {m["usedBy"]: m for m in ready["primePortMapping"]}
    ssh_port = used["SSH"]["external"]  # a listener's on 127.0.0.1 (test_ssh_banners)
    assert ready["sshConnection"] == f"root@{ready['ip']} -p {ssh_port}"
    assert used["SSH"]["internal"] == "22" and used["JUPYTER_NOTEBOOK"]["internal"] == "8888"
    assert ready["priceHr"] > 0 and ready["resources"]["vcpus"] > 0
    assert emu.primeintellect.waits.records()[0].ready_seen is not None

    def log(**params: int) -> list[str]:
        body = api.get(f"/pods/{pod_id}/log", params=params).json()
        assert set(body) == {"logs"} and isinstance(body["logs"], str), "as the SDK reads logs"
        return str(body["logs"]).splitlines()

    logs = log()
    assert "Installation finished" in logs[-1] and "Provisioning 1x L40S_48GB" in logs[0]
    assert log(tail=2) == logs[-2:]
    assert api.get(f"/pods/{pod_id}/log", params={"tail": 0}).json() == {"logs": ""}

    assert api.delete(f"/pods/{pod_id}").json() == {"status": "DELETING"}
    assert api.delete(f"/pods/{pod_id}").json() == {"status": "DELETING"}, "idempotent"
    assert api.get(f"/pods/{pod_id}").json()["status"] == "DELETING"
    emu.clock.advance(21)
    terminated = api.get(f"/pods/{pod_id}").json()
    assert terminated["status"] == "TERMINATED" and terminated["terminatedAt"]
    assert api.get("/pods/").json()["data"] == []
    history = api.get("/pods/history").json()
    assert [h["id"] for h in history["data"]] == [pod_id]
    assert history["data"][0]["totalBilledPrice"] > 0
    assert api.delete(f"/pods/{pod_id}").status_code == 404
    emu.clock.advance(301)
    assert api.get(f"/pods/{pod_id}").status_code == 404
    assert [h["id"] for h in api.get("/pods/history").json()["data"]] == [pod_id]
    assert emu.primeintellect.leftovers() == {"pods": [], "disks": [], "ssh_keys": []}


def test_status_takes_many_ids_and_leaves_out_unknown_ones(
    api: httpx.Client, emu: Emulator
) -> None:
    ids = [make_pod(api, emu, name=f"p{i}")["id"] for i in range(3)]
    params = [("pod_ids", i) for i in [*ids, "unknown-id"]]
    answer = api.get("/pods/status", params=params).json()
    assert [s["podId"] for s in answer["data"]] == ids
    assert {s["status"] for s in answer["data"]} == {"PROVISIONING"}
    assert api.get("/pods/status").json()["data"] == []


def test_pods_and_history_are_paginated(api: httpx.Client, emu: Emulator) -> None:
    ids = [make_pod(api, emu, name=f"p{i}")["id"] for i in range(5)]
    page = api.get("/pods/", params={"offset": 1, "limit": 2}).json()
    assert (page["total_count"], page["offset"], page["limit"]) == (5, 1, 2)
    assert [p["id"] for p in page["data"]] == ids[1:3]
    for pod_id in ids:
        api.delete(f"/pods/{pod_id}")
        emu.clock.advance(30)
    newest = api.get("/pods/history", params={"limit": 2}).json()
    assert newest["total_count"] == 5 and [h["id"] for h in newest["data"]] == ids[:-3:-1]
    oldest = api.get("/pods/history", params={"sort_order": "asc", "sort_by": "createdAt"}).json()
    assert [h["id"] for h in oldest["data"]] == ids


@pytest.mark.parametrize("stage", ["installation", "provisioning"])
def test_failed_pods_are_error_with_a_reason(api: httpx.Client, emu: Emulator, stage: str) -> None:
    emu.primeintellect.fail_next_pods.append(PodFailure("image pull failed", stage))
    pod_id = make_pod(api, emu)["id"]
    emu.clock.advance(600)
    status = api.get("/pods/status", params={"pod_ids": pod_id}).json()["data"][0]
    assert (status["status"], status["installationStatus"]) == ("ERROR", "ERROR")
    assert status["installationFailure"] == "image pull failed"
    last = api.get(f"/pods/{pod_id}/log").json()["logs"].splitlines()[-1]
    assert "Installation failed: image pull failed" in last


def test_pod_create_rules(api: httpx.Client, emu: Emulator) -> None:
    def refused(body: dict[str, Any]) -> tuple[int, str]:
        response = api.post("/pods/", json=body)
        return response.status_code, response.json()["detail"]

    massed = offer_of(emu, provider="massedcompute", gpu_count=1)
    emu.primeintellect.set_capacity(5, cloud_id=massed.cloud_id)
    assert refused(pod_body(massed)) == (400, "Missing field: max_price not specified")
    cheap = pod_body(massed, maxPrice=0.01)
    assert refused(cheap)[0] == 400 and "above maxPrice" in refused(cheap)[1]

    lam = offer_of(emu, provider="lambdalabs", gpu_count=1)
    emu.primeintellect.set_capacity(5, cloud_id=lam.cloud_id)
    status, text = refused(pod_body(lam, image="flux"))
    assert status == 400 and "available: ubuntu_22_cuda_12" in text
    status, text = refused(pod_body(lam, vcpus=lam.vcpu.default + 2))
    assert status == 400 and f"{lam.vcpu.default} to {lam.vcpu.default}" in text
    status, text = refused(pod_body(lam, image="custom_template"))
    assert status == 400 and "customTemplateId is required" in text
    status, text = refused(pod_body(lam, socket="SXM2"))
    assert status == 400 and "No offer" in text

    emu.primeintellect.balances["prime-emulator-key"] = 0.0
    status, text = refused(pod_body(lam))
    assert status == 402 and "Insufficient balance" in text
    assert api.get("/pods/no-such-pod").status_code == 404
    assert api.delete("/pods/no-such-pod").status_code == 404
    assert emu.primeintellect.leftovers()["pods"] == []


def test_a_zero_max_price_is_no_cap(api: httpx.Client, emu: Emulator) -> None:
    """Clients send ``maxPrice: 0`` for "no cap"; it still names a price where one is
    required (massedcompute), and a real cap below the price is still refused."""
    massed = offer_of(emu, provider="massedcompute", gpu_count=1)
    emu.primeintellect.set_capacity(5, cloud_id=massed.cloud_id)
    created = api.post("/pods/", json=pod_body(massed, maxPrice=0))
    assert created.status_code == 200, created.text
    assert created.json()["priceHr"] > 0
    capped = api.post("/pods/", json=pod_body(massed, name="p2", maxPrice=0.01))
    assert capped.status_code == 400 and "above maxPrice" in capped.json()["detail"]


def test_a_create_without_socket_matches_the_offer_of_any_socket(
    served: EmulatorServer, emu: Emulator
) -> None:
    """The spec requires ``socket``; a client that cannot name it (its catalog has none)
    gets the offer its other fields name. Sent outside the spec-checked client."""
    plain = httpx.Client(base_url=served.url("primeintellect") + "/api/v1", headers=KEY)
    sxm = offer_of(emu, socket="SXM5", gpu_count=8)
    emu.primeintellect.set_capacity(5, cloud_id=sxm.cloud_id)
    body = pod_body(sxm)
    del body["pod"]["socket"]
    created = plain.post("/pods/", json=body)
    assert created.status_code == 200, created.text
    assert (created.json()["socket"], created.json()["gpuName"]) == ("SXM5", sxm.gpu_type)
    body["pod"].update(socket=None, name="p2")
    assert plain.post("/pods/", json=body).status_code == 200, "null reads as omitted"
    wrong = plain.post("/pods/", json=pod_body(sxm, name="p3", socket="PCIe"))
    assert wrong.status_code == 400 and "No offer" in wrong.json()["detail"]


def test_disks_create_rename_attach_delete(api: httpx.Client, emu: Emulator) -> None:
    offers = api.get("/availability/disks", params={"data_center_id": "CANADA-1"}).json()
    (where,) = offers["items"]
    assert where["provider"] == "hyperstack" and where["isMultinode"] is True
    body = {
        "disk": {
            "size": 500,
            "name": "data",
            "dataCenterId": "CANADA-1",
            "cloudId": where["cloudId"],
        },
        "provider": {"type": "hyperstack"},
    }
    disk = api.post("/disks/", json=body).json()
    assert (disk["status"], disk["size"], disk["info"]["dataCenterId"]) == (
        "PROVISIONING",
        500,
        "CANADA-1",
    )
    disk_id = disk["id"]
    early = api.post("/pods/", json={**pod_body(_canada_l40s(emu)), "disks": [disk_id]})
    assert early.json() == {"detail": f"Disk {disk_id} is not ready (status PROVISIONING)"}
    emu.clock.advance(31)
    assert api.get(f"/disks/{disk_id}").json()["status"] == "ACTIVE"
    assert api.patch(f"/disks/{disk_id}", json={"name": "renamed"}).status_code == 200
    assert api.get("/disks/").json()["data"][0]["name"] == "renamed"

    pod = make_pod(api, emu, disks=[disk_id])
    assert [(a["id"], a["resourceType"]) for a in pod["attachedResources"]] == [(disk_id, "DISK")]
    assert api.get(f"/disks/{disk_id}").json()["pods"] == [pod["id"]]
    attached = api.delete(f"/disks/{disk_id}")
    assert attached.status_code == 400 and "attached to pods" in attached.json()["detail"]

    api.delete(f"/pods/{pod['id']}")
    emu.clock.advance(21)
    assert api.get(f"/disks/{disk_id}").json()["pods"] == []
    assert api.delete(f"/disks/{disk_id}").json() == {"status": "DELETING"}
    emu.clock.advance(16)
    assert api.get(f"/disks/{disk_id}").json()["status"] == "TERMINATED"
    assert api.get("/disks/").json()["total_count"] == 0
    emu.clock.advance(301)
    assert api.get(f"/disks/{disk_id}").status_code == 404


def test_disk_rules(api: httpx.Client, emu: Emulator) -> None:
    def create(provider: str, **disk: Any) -> httpx.Response:
        return api.post(
            "/disks/", json={"disk": {"size": 100, **disk}, "provider": {"type": provider}}
        )

    assert "offers no disks" in create("lambdalabs").json()["detail"]
    assert (
        "offers no disks in MARS-1" in create("hyperstack", dataCenterId="MARS-1").json()["detail"]
    )
    too_big = create("hyperstack", dataCenterId="CANADA-1", size=99999)
    assert too_big.status_code == 400 and "10 to 16000 GB" in too_big.json()["detail"]
    assert create("hyperstack", extra=1).status_code == 422

    # A disk elsewhere cannot be attached; a single-node disk only once.
    norway = create("hyperstack", dataCenterId="NORWAY-1").json()
    runpod = create("runpod", dataCenterId="US-TX-3").json()
    emu.clock.advance(31)
    elsewhere = api.post("/pods/", json={**pod_body(_canada_l40s(emu)), "disks": [norway["id"]]})
    assert elsewhere.status_code == 400 and "NORWAY-1" in elsewhere.json()["detail"]
    o = offer_of(emu, provider="runpod", center="US-TX-3", gpu_type="RTX4090_24GB", gpu_count=1)
    emu.primeintellect.set_capacity(5, cloud_id=o.cloud_id)
    first = api.post("/pods/", json={**pod_body(o), "disks": [runpod["id"]]})
    assert first.status_code == 200
    second = api.post("/pods/", json={**pod_body(o, name="p2"), "disks": [runpod["id"]]})
    assert second.status_code == 400 and "already attached" in second.json()["detail"]
    near = api.get("/availability/gpus", params={"disks": runpod["id"]}).json()["items"]
    assert near and {(i["provider"], i["dataCenter"]) for i in near} == {("runpod", "US-TX-3")}


def _canada_l40s(emu: Emulator) -> Any:
    o = offer_of(emu, provider="hyperstack", center="CANADA-1", gpu_type="L40S_48GB", gpu_count=1)
    emu.primeintellect.set_capacity(10, cloud_id=o.cloud_id)
    return o


def test_a_create_whose_answer_is_lost_still_happened(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.add(cloud="primeintellect", method="POST", path="/api/v1/pods*", status=500,
                   after_action=True)  # fmt: skip
    o = _canada_l40s(emu)
    assert api.post("/pods/", json=pod_body(o)).status_code == 500
    assert [p["name"] for p in api.get("/pods/").json()["data"]] == ["p1"]


def test_out_of_band_controls(api: httpx.Client, emu: Emulator) -> None:
    pod_id = make_pod(api, emu)["id"]
    emu.clock.advance(200)
    emu.primeintellect.fail_pod(pod_id, "GPU fell off the bus")
    status = api.get("/pods/status", params={"pod_ids": pod_id}).json()["data"][0]
    assert status["status"] == "ERROR" and status["installationFailure"] == "GPU fell off the bus"
    emu.primeintellect.remove_pod(pod_id)
    assert api.get(f"/pods/{pod_id}").json()["status"] == "TERMINATED"
    assert emu.primeintellect.leftovers()["pods"] == []


def test_admin_controls_over_http(served: EmulatorServer, emu: Emulator) -> None:
    admin = httpx.Client(base_url=served.url() + "/_emulator/primeintellect")
    plain = httpx.Client(base_url=served.url("primeintellect") + "/api/v1", headers=KEY)
    assert admin.patch("/timings", json={"provision": 5}).json()["provision"] == 5
    changed = admin.put("/capacity", json={"capacity": 0, "gpu_type": "L40S_48GB"}).json()
    assert changed["offers"] and all(
        i["stockStatus"] == "Unavailable"
        for i in plain.get("/availability/gpus", params={"gpu_type": "L40S_48GB"}).json()["items"]
    )
    admin.put("/capacity", json={"capacity": 9, "gpu_type": "L40S_48GB"})
    failure = {"reason": "no space left on device", "stage": "installation"}
    assert admin.post("/fail-next-pods", json=failure, params={"count": 2}).json() == {
        "pending_failures": 2
    }
    o = offer_of(emu, provider="hyperstack", center="CANADA-1", gpu_type="L40S_48GB", gpu_count=1)
    pod_id = plain.post("/pods/", json=pod_body(o)).json()["id"]
    emu.clock.advance(600)
    assert plain.get(f"/pods/{pod_id}").json()["installationFailure"] == "no space left on device"
    second = plain.post("/pods/", json=pod_body(o, name="p2")).json()["id"]
    assert admin.post(f"/pods/{second}/fail", json={"reason": "boom"}).status_code == 200
    assert admin.delete(f"/pods/{pod_id}").json() == {"removed": pod_id}
    assert plain.get(f"/pods/{pod_id}").json()["status"] == "TERMINATED"
    disk = plain.post(
        "/disks/",
        json={"disk": {"size": 50, "dataCenterId": "CANADA-1"}, "provider": {"type": "hyperstack"}},
    ).json()
    assert admin.delete(f"/disks/{disk['id']}").json() == {"removed": disk["id"]}
    assert plain.get(f"/disks/{disk['id']}").json()["status"] == "TERMINATED"
    admin.put("/balance", json={"api_key": "prime-emulator-key", "balance": 0})
    assert plain.post("/pods/", json=pod_body(o, name="p3")).status_code == 402
    assert admin.get("/waits").json()["count"] == 2
