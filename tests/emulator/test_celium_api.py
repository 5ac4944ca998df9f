"""The emulated Celium API, walked through its states, errors and faults over HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer

KEY = {"X-API-KEY": "celium-emulator-key"}
SSH = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"]


@pytest.fixture
def api(served: EmulatorServer, emu: Emulator) -> httpx.Client:
    return httpx.Client(base_url=served.url("celium"), headers=KEY)


def verified_template(api: httpx.Client, emu: Emulator, **fields: object) -> dict:
    template = api.post("/templates", json={"name": "t", "docker_image": "ubuntu", **fields}).json()
    emu.clock.advance(600)
    return api.get(f"/templates/{template['id']}").json()


def test_authentication_errors_have_celiums_bodies(served: EmulatorServer, emu: Emulator) -> None:
    bare = httpx.Client(base_url=served.url("celium"))
    assert bare.get("/pods").json() == {"detail": "API Key missing from headers"}
    assert bare.get("/pods").status_code == 401
    wrong = bare.get("/pods", headers={"x-api-key": "nope"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "API key not found"})
    assert bare.get("/pods", headers={"x-api-key": "celium-emulator-key"}).status_code == 200


def test_users_me_is_the_account_behind_the_key(served: EmulatorServer, api: httpx.Client) -> None:
    me = api.get("/users/me").json()
    assert me == {"id": me["id"], "username": "emulator-user", "balance": 1000.0}
    assert str(uuid.UUID(me["id"])) == me["id"]
    assert api.get("/users/me").json()["id"] == me["id"], "stable"
    template = api.post("/templates", json={"name": "t", "docker_image": "ubuntu"}).json()
    assert template["user_id"] == me["id"]
    bare = httpx.Client(base_url=served.url("celium"))
    broke = bare.get("/users/me", headers={"X-API-KEY": "celium-empty-wallet"}).json()
    assert broke["balance"] == 0.0 and broke["id"] != me["id"]
    assert bare.get("/users/me").status_code == 401
    wrong = bare.get("/users/me", headers={"X-API-KEY": "nope"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "API key not found"})


def test_validation_errors_are_fastapi_422(api: httpx.Client) -> None:
    response = api.post("/templates", json={"name": 123})
    assert response.status_code == 422
    details = response.json()["detail"]
    assert {"type": "string_type", "loc": ["body", "name"], "msg": "Input should be a valid string",
            "input": 123} in details  # fmt: skip
    assert any(d["loc"] == ["body", "docker_image"] and d["type"] == "missing" for d in details)
    assert api.get("/pods/nope").json() == {"detail": "404: Pod not found"}


def test_executor_filters(api: httpx.Client) -> None:
    everything = api.get("/executors").json()
    eights = api.get("/executors", params={"gpu_count_gte": 8, "gpu_count_lte": 8}).json()
    assert eights and all(e["specs"]["gpu"]["count"] == 8 for e in eights)
    cheap = api.get("/executors", params={"price_per_hour_lte": 1.0}).json()
    assert cheap and all(e["price_per_hour"] <= 1.0 for e in cheap)
    name = everything[0]["machine_name"]
    named = api.get("/executors", params={"machine_names": name}).json()
    assert {e["machine_name"] for e in named} == {name}
    assert len(api.get("/executors", params={"size": 3}).json()) == 3
    near = api.get("/executors", params={"lat": 50.1, "lon": 8.7, "max_distance_mile": 50}).json()
    assert near and {e["location"]["city"] for e in near} == {"Frankfurt"}


def test_template_verification_state_machine(api: httpx.Client, emu: Emulator) -> None:
    created = api.post("/templates", json={"name": "t", "docker_image": "pytorch/pytorch"}).json()
    assert created["status"] == "CREATED" and created["verification_logs"] is None
    emu.clock.advance(10)
    assert api.get(f"/templates/{created['id']}").json()["status"] == "VERIFY_PENDING"
    emu.clock.advance(600)
    done = api.get(f"/templates/{created['id']}").json()
    assert done["status"] == "VERIFY_SUCCESS" and "Verification passed" in done["verification_logs"]

    replaced = api.put(f"/templates/{created['id']}", json={"name": "t2", "docker_image": "x/y"})
    assert replaced.json()["status"] == "UPDATED"
    emu.clock.advance(600)
    assert api.get(f"/templates/{created['id']}").json()["name"] == "t2"


def test_non_debian_images_fail_verification_with_logs(api: httpx.Client, emu: Emulator) -> None:
    failed = verified_template(api, emu, docker_image="library/alpine")
    assert failed["status"] == "VERIFY_FAILED"
    assert "Debian/Ubuntu-based" in failed["verification_logs"]
    emu.celium.failing_images.add("acme/custom")
    assert verified_template(api, emu, docker_image="acme/custom")["status"] == "VERIFY_FAILED"


def test_a_fresh_emulator_lists_celiums_public_templates(
    served: EmulatorServer, api: httpx.Client, emu: Emulator
) -> None:
    """Verified, public, no ``user_id``; one for each default image (the Lium SDK rents a
    machine's default image through the template of that image and tag)."""
    catalog = api.get("/templates").json()
    assert catalog, "the public catalog is not empty"
    assert {(t["is_private"], t["user_id"], t["status"]) for t in catalog} == {
        (False, None, "VERIFY_SUCCESS")
    }
    images = {(t["docker_image"], t["docker_image_tag"]) for t in catalog}
    for driver in ("570.124.06", "550.54.15", "535.183.01", "470.1"):
        params = {"driver_version": driver}
        for image in api.get("/executors/default-docker-image", params=params).json():
            assert (image["docker_image"], image["docker_image_tag"]) in images, image
    other = {"X-API-KEY": "celium-second-account-key"}
    assert api.get("/templates", headers=other).json() == catalog, "everyone's to use"
    public = catalog[0]
    assert api.get(f"/templates/{public['id']}").json() == public
    assert api.delete(f"/templates/{public['id']}").status_code == 404, "nobody's to delete"
    replaced = api.put(f"/templates/{public['id']}", json={"name": "x", "docker_image": "y"})
    assert replaced.status_code == 404
    assert emu.celium.leftovers()["templates"] == [], "not an object a test left behind"

    executor = api.get("/executors").json()[0]["id"]
    body = {"pod_name": "p", "template_id": public["id"], "user_public_key": SSH}
    rented = api.post(f"/executors/{executor}/rent", json=body)
    assert rented.status_code == 200, rented.text
    assert rented.json()["template"]["docker_image"] == public["docker_image"]
    emu.celium.vanish("templates", public["id"])
    emu.reset()
    assert api.get("/templates").json() == catalog, "a reset seeds them again"


def test_pod_lifecycle_and_executor_leaving_the_listing(api: httpx.Client, emu: Emulator) -> None:
    template = verified_template(api, emu, internal_ports=[22, 8000])
    executor = api.get("/executors", params={"gpu_count_gte": 8}).json()[0]
    body = {"pod_name": "p", "template_id": template["id"], "user_public_key": SSH}
    pod = api.post(f"/executors/{executor['id']}/rent", json=body).json()
    assert pod["status"] == "PENDING" and pod["ssh_connect_cmd"] is None
    assert executor["id"] not in {e["id"] for e in api.get("/executors").json()}
    again = api.post(f"/executors/{executor['id']}/rent", json=body)
    assert again.status_code == 400

    emu.clock.advance(600)
    running = api.get(f"/pods/{pod['id']}").json()
    assert running["status"] == "RUNNING"
    assert running["ssh_connect_cmd"] == (
        f"ssh root@{executor['executor_ip_address']} -p {running['ports_mapping']['22']}"
    )
    assert set(running["ports_mapping"]) == {"22", "8000"}
    assert running["gpu_count"] == "8" and running["price"] == executor["price_per_hour"]

    assert api.patch(f"/pods/{pod['id']}", json={"pod_name": "q"}).json()["pod_name"] == "q"
    assert api.patch(f"/pods/{pod['id']}", json={"pd_name": "z"}).json()["pod_name"] == "q"
    assert api.delete(f"/templates/{template['id']}").status_code == 400, "in use"

    assert api.delete(f"/pods/{pod['id']}").json()["status"] == "DELETING"
    emu.clock.advance(60)
    assert api.get(f"/pods/{pod['id']}").status_code == 404
    assert executor["id"] in {e["id"] for e in api.get("/executors").json()}
    assert api.delete(f"/templates/{template['id']}").status_code == 200
    assert emu.is_empty()


def test_rent_refusals(served: EmulatorServer, api: httpx.Client, emu: Emulator) -> None:
    template = verified_template(api, emu)
    executor_id = api.get("/executors").json()[0]["id"]
    body = {"pod_name": "p", "template_id": template["id"], "user_public_key": SSH}
    assert api.post("/executors/nope/rent", json=body).status_code == 404
    no_keys = {**body, "user_public_key": []}
    assert api.post(f"/executors/{executor_id}/rent", json=no_keys).status_code == 400
    broke = httpx.Client(
        base_url=served.url("celium"), headers={"X-API-KEY": "celium-empty-wallet"}
    )
    refused = broke.post(f"/executors/{executor_id}/rent", json=body)
    assert (refused.status_code, refused.json()) == (403, {"detail": "Insufficient balance"})
    pending = api.post("/templates", json={"name": "u", "docker_image": "ubuntu"}).json()
    unverified = api.post(
        f"/executors/{executor_id}/rent", json={**body, "template_id": pending["id"]}
    )
    assert unverified.status_code == 400 and "not verified" in unverified.json()["detail"]


def test_injected_pod_failure_and_out_of_band_delete(api: httpx.Client, emu: Emulator) -> None:
    template = verified_template(api, emu)
    executors = api.get("/executors").json()
    body = {"pod_name": "p", "template_id": template["id"], "user_public_key": SSH}
    emu.celium.fail_next_pods.append("CUDA error: no device")
    failing = api.post(f"/executors/{executors[0]['id']}/rent", json=body).json()
    emu.clock.advance(600)
    failed = api.get(f"/pods/{failing['id']}").json()
    assert failed["status"] == "FAILED"
    assert failed["executor_status"]["logs"] == ["CUDA error: no device"]

    other = api.post(f"/executors/{executors[1]['id']}/rent", json=body).json()
    emu.celium.remove_pod(other["id"])
    assert api.get(f"/pods/{other['id']}").status_code == 404


def test_volumes(api: httpx.Client, emu: Emulator) -> None:
    volume = api.post("/volumes", json={"name": "data", "description": "d"}).json()
    assert volume["current_size_bytes"] == 0
    updated = api.put(f"/volumes/{volume['id']}", json={"name": "data2"}).json()
    assert (updated["name"], updated["description"]) == ("data2", "d")
    assert [v["id"] for v in api.get("/volumes").json()] == [volume["id"]]
    assert api.delete(f"/volumes/{volume['id']}").status_code == 200
    assert api.get(f"/volumes/{volume['id']}").status_code == 404


def test_faults_and_request_log(served: EmulatorServer, api: httpx.Client, emu: Emulator) -> None:
    emu.faults.add(cloud="celium", method="GET", path="/pods", status=429, retry_after=7, times=1)
    limited = api.get("/pods")
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "7")
    assert api.get("/pods").status_code == 200

    emu.faults.add(cloud="celium", method="POST", path="/volumes", status=500, after_action=True)
    assert api.post("/volumes", json={"name": "v"}).status_code == 500
    assert len(api.get("/volumes").json()) == 1, "the create took effect before the 500"

    emu.faults.add(cloud="celium", method="GET", path="/volumes", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/volumes")

    log = emu.requests.find("celium", "GET", "/pods")
    assert [r.status for r in log] == [429, 200]
    assert log[0].fault == "status=429"


def test_admin_controls_over_http(served: EmulatorServer, api: httpx.Client, emu: Emulator) -> None:
    admin = httpx.Client(base_url=f"{served.url()}/_emulator")
    rule = {"cloud": "celium", "method": "GET", "path": "/volumes", "status": 503}
    assert admin.post("/faults", json=rule).status_code == 200
    assert api.get("/volumes").status_code == 503
    assert admin.post("/faults", json={"nope": 1}).status_code == 400
    template = api.post("/templates", json={"name": "t", "docker_image": "ubuntu"}).json()
    admin.post("/advance", json={"seconds": 3600})
    assert api.get(f"/templates/{template['id']}").json()["status"] == "VERIFY_SUCCESS"
    assert admin.get("/leftovers").json()["celium"]["templates"] == [template["id"]]
    logged = admin.get("/requests", params={"cloud": "celium", "path": "/volumes"}).json()
    assert logged[0]["status"] == 503
    config = admin.get("/stack-config").json()
    assert config["secrets"]["pulumi-gpu:celiumApiKey"] == "celium-emulator-key"
    assert admin.post("/reset").status_code == 200
    assert emu.is_empty()
