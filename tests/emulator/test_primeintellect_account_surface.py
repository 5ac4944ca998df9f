"""Prime Intellect's SSH keys (and the key a pod is created with), and the availability
listings beside ``/availability/gpus``: multi-node, the legacy ones, the price summaries.

Every exchange of the ``api`` client is checked against the OpenAPI document, as in
``test_primeintellect_api.py`` (answers the spec does not declare carry ``{"detail"}``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.emulator.test_primeintellect_api import KEY, make_pod, spec_problems
from tests.support.openapi import ExchangeRecorder

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 a"
RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 b"
THEIRS = {"Authorization": "Bearer prime-second-account-key"}


@pytest.fixture
def api(served: EmulatorServer, emu: Emulator) -> Iterator[httpx.Client]:
    recorder = ExchangeRecorder()
    client = httpx.Client(
        base_url=served.url("primeintellect") + "/api/v1",
        headers=KEY,
        event_hooks={"response": [recorder]},
    )
    yield client
    client.close()
    assert spec_problems(recorder.exchanges) == []


@pytest.fixture
def plain(served: EmulatorServer) -> Iterator[httpx.Client]:
    """Unchecked: paths the spec does not declare, another account."""
    with httpx.Client(base_url=served.url("primeintellect") + "/api/v1") as client:
        yield client


@pytest.fixture
def admin(served: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{served.url()}/_emulator/primeintellect") as client:
        yield client


def upload(api: httpx.Client, name: str, public_key: str, **headers: str) -> dict[str, Any]:
    response = api.post("/ssh_keys/", json={"name": name, "publicKey": public_key}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_ssh_keys(api: httpx.Client, plain: httpx.Client) -> None:
    empty = {"total_count": 0, "offset": 0, "limit": 100, "data": []}
    assert api.get("/ssh_keys/").json() == empty
    first = upload(api, "laptop", ED25519)
    assert (first["name"], first["publicKey"], first["isPrimary"], first["isUserKey"]) == (
        "laptop",
        ED25519,
        True,
        True,
    ), "an account's first key is its primary key"
    second = upload(api, "ci", RSA)
    assert second["isPrimary"] is False
    page = api.get("/ssh_keys/", params={"offset": 1, "limit": 1}).json()
    assert (page["total_count"], [k["id"] for k in page["data"]]) == (2, [second["id"]])
    bare = plain.get("/ssh_keys", headers=KEY)
    assert bare.json()["total_count"] == 2, "served without the slash too"

    made_primary = api.patch(f"/ssh_keys/{second['id']}", json={"isPrimary": True})
    assert made_primary.json() == {
        "message": "SSH key updated",
        "updated_fields": {"isPrimary": True},
    }
    primary = {k["name"]: k["isPrimary"] for k in api.get("/ssh_keys/").json()["data"]}
    assert primary == {"laptop": False, "ci": True}
    assert api.patch(f"/ssh_keys/{first['id']}", json={"isPrimary": False}).status_code == 422
    assert api.patch(f"/ssh_keys/{first['id']}", json={}).json()["updated_fields"] == {}
    assert api.post("/ssh_keys/", json={"name": "x"}).status_code == 422

    assert plain.get("/ssh_keys/", headers=THEIRS).json() == empty, "accounts are apart"
    assert plain.delete(f"/ssh_keys/{first['id']}", headers=THEIRS).status_code == 404
    theirs = plain.patch(f"/ssh_keys/{first['id']}", json={"isPrimary": True}, headers=THEIRS)
    assert (theirs.status_code, theirs.json()) == (404, {"detail": "SSH key not found"})

    assert api.delete(f"/ssh_keys/{first['id']}").status_code == 200
    assert [k["id"] for k in api.get("/ssh_keys/").json()["data"]] == [second["id"]]
    assert api.delete(f"/ssh_keys/{first['id']}").status_code == 404


def test_a_pod_gets_the_named_key_or_the_primary_one(
    api: httpx.Client, plain: httpx.Client, admin: httpx.Client, emu: Emulator
) -> None:
    keyless = make_pod(api, emu)
    assert admin.get(f"/pods/{keyless['id']}/ssh-keys").json() == {
        "sshKeyId": None,
        "publicKeys": [],
    }, "no key in the account: none on the pod"
    laptop = upload(api, "laptop", ED25519)
    ci = upload(api, "ci", RSA)
    primary = make_pod(api, emu)
    assert admin.get(f"/pods/{primary['id']}/ssh-keys").json() == {
        "sshKeyId": laptop["id"],
        "publicKeys": [ED25519],
    }
    named = make_pod(api, emu, sshKeyId=ci["id"])
    assert emu.primeintellect.pod_keys(named["id"]) == {"sshKeyId": ci["id"], "publicKeys": [RSA]}

    before = api.get("/pods/").json()["total_count"]
    theirs = upload(plain, "theirs", ED25519, **THEIRS)
    for key_id in ("nope", theirs["id"]):
        refused = api.post("/pods/", json=pod_like(emu, sshKeyId=key_id))
        assert (refused.status_code, refused.json()) == (404, {"detail": "SSH key not found"})
    assert api.get("/pods/").json()["total_count"] == before, "nothing was made"

    api.delete(f"/ssh_keys/{ci['id']}")
    assert emu.primeintellect.pod_keys(named["id"])["publicKeys"] == [RSA], "kept from create"
    assert admin.get("/pods/nope/ssh-keys").status_code == 404


def pod_like(emu: Emulator, **pod: Any) -> dict[str, Any]:
    """A create body for the offer ``make_pod`` uses."""
    o = next(
        o
        for o in emu.primeintellect.offers
        if (o.provider, o.center.id, o.gpu_type, o.gpu_count)
        == ("hyperstack", "CANADA-1", "L40S_48GB", 1)
    )
    spec = {"cloudId": o.cloud_id, "gpuType": o.gpu_type, "socket": o.socket, "gpuCount": 1}
    return {"pod": {"name": "p1", **spec, **pod}, "provider": {"type": o.provider}}


def test_multi_node_availability(api: httpx.Client, emu: Emulator) -> None:
    clusters = api.get("/availability/multi-node").json()
    rows = clusters["items"]
    assert clusters["totalCount"] == len(rows) > 0
    assert {r["gpuCount"] for r in rows} == {16, 32}
    assert all(r["interconnectType"] == "InfiniBand" for r in rows)
    assert all(r["socket"].startswith("SXM") for r in rows)
    row = rows[0]
    node = next(
        o
        for o in emu.primeintellect.offers
        if row["cloudId"].startswith(o.cloud_id + "-") and o.center.id == row["dataCenter"]
    )
    machines = row["gpuCount"] // node.gpu_count
    assert row["prices"]["onDemand"] == round(node.price * machines, 2)

    h200 = api.get("/availability/multi-node", params={"gpu_type": "H200_141GB", "gpu_count": 32})
    assert {(r["gpuType"], r["gpuCount"]) for r in h200.json()["items"]} == {("H200_141GB", 32)}
    where = {"cloud_id": row["cloudId"], "data_center_id": row["dataCenter"]}
    one = api.get("/availability/multi-node", params=where).json()
    assert [r["cloudId"] for r in one["items"]] == [row["cloudId"]]
    paged = api.get("/availability/multi-node", params={"page": 2, "page_size": 5}).json()
    assert paged["items"] == rows[5:10]

    emu.primeintellect.set_capacity(3, cloud_id=node.cloud_id, data_center_id=node.center.id)
    here = api.get("/availability/multi-node", params={"data_center_id": node.center.id})
    stock = {
        r["gpuCount"]: r["stockStatus"]
        for r in here.json()["items"]
        if r["cloudId"].startswith(node.cloud_id + "-")
    }
    assert stock == {16: "Low", 32: "Unavailable"}, "3 machines make one 2-node cluster"
    fields = ("cloudId", "gpuType", "socket", "gpuCount")
    refused = api.post(
        "/pods/",
        json={"pod": {k: row[k] for k in fields}, "provider": {"type": row["provider"]}},
    )
    assert refused.status_code == 400, "the emulator rents no clusters"


def test_legacy_listings_are_keyed_by_gpu_type(api: httpx.Client, plain: httpx.Client) -> None:
    a6000 = {"gpu_type": "A6000_48GB"}
    gpus = api.get("/availability/gpus", params=a6000).json()["items"]
    legacy = api.get("/availability/", params=a6000).json()
    assert legacy == {"A6000_48GB": gpus}
    assert plain.get("/availability", params=a6000, headers=KEY).json() == legacy
    total = api.get("/availability/gpus").json()["totalCount"]
    assert sum(len(rows) for rows in api.get("/availability/").json().values()) == total
    first = api.get("/availability/", params={"page_size": 3}).json()
    assert sum(len(rows) for rows in first.values()) == 3
    assert api.get("/availability/", params={"page_size": 501}).status_code == 422

    clusters = api.get("/availability/clusters").json()
    multi = api.get("/availability/multi-node").json()["items"]
    assert {r["cloudId"] for rows in clusters.values() for r in rows} == {
        r["cloudId"] for r in multi
    }
    assert all(r["gpuType"] == gpu for gpu, rows in clusters.items() for r in rows)


def test_price_summaries(api: httpx.Client, emu: Emulator) -> None:
    summary = api.get("/availability/gpu-summary").json()
    offers = emu.primeintellect.offers
    assert set(summary) == {o.gpu_type for o in offers}
    l40s = [o for o in offers if (o.gpu_type, o.gpu_count) == ("L40S_48GB", 2)]
    secure = [o.price for o in l40s if o.center.security == "secure_cloud"]
    community = [o.price for o in l40s if o.center.security == "community_cloud"]
    assert summary["L40S_48GB"]["2"] == {
        "cheapest": {
            "onDemand": min(secure),
            "communityPrice": min(community, default=None),
            "spotPrice": None,
        }
    }

    clusters = api.get("/availability/multi-node-summary").json()
    assert set(clusters["H100_80GB"]) == {"16", "32"} and "RTX4090_24GB" not in clusters
    rows = api.get("/availability/multi-node", params={"gpu_type": "H100_80GB", "gpu_count": 16})
    cheapest = min(r["prices"]["onDemand"] for r in rows.json()["items"])
    assert clusters["H100_80GB"]["16"]["cheapest"]["onDemand"] == cheapest
