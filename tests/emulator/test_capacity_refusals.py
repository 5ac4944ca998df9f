"""``/_emulator/<cloud>/refuse-rents``: "no capacity" while the catalog still shows stock.

Each cloud that can refuse a pod create for capacity has a :class:`Rent`: its catalog, its
real create (on a machine the catalog lists) and its own "no capacity" words. A refused
create makes nothing; the next one after the refusals succeeds. GPU Dev queues instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer

SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
RTX = "NVIDIA GeForce RTX 4090"


@dataclass
class Rent:
    """One cloud's pod create as its user sees it."""

    cloud: str
    in_stock: Callable[[], bool]
    """Whether the catalog shows the machine the create asks for."""
    create: Callable[[], httpx.Response]
    pods: Callable[[], list[Any]]
    refusal: str
    """The start of the cloud's own "no capacity" answer (400)."""


def runpod(served: EmulatorServer, emu: Emulator) -> Rent:
    api = httpx.Client(
        base_url=f"{served.url('runpod')}/v2",
        headers={"Authorization": "Bearer runpod-emulator-key"},
    )
    stock = {"include": "AVAILABILITY", "product": "POD"}
    return Rent(
        "runpod",
        lambda: api.get(f"/catalog/gpus/{RTX}", params=stock).json()["availability"] != "NONE",
        lambda: api.post("/pods", json={"name": "p", "image": "ubuntu", "gpu": {"id": RTX}}),
        lambda: list(api.get("/pods").json()["pods"]),
        "There are no longer any instances available with the requested specifications: "
        f"1 x {RTX} on the SECURE cloud",
    )


def primeintellect(served: EmulatorServer, emu: Emulator) -> Rent:
    api = httpx.Client(
        base_url=served.url("primeintellect") + "/api/v1",
        headers={"Authorization": "Bearer prime-emulator-key"},
    )
    o = next(
        o
        for o in emu.primeintellect.offers
        if (o.provider, o.center.id, o.gpu_type, o.gpu_count)
        == ("hyperstack", "CANADA-1", "L40S_48GB", 1)
    )
    emu.primeintellect.set_capacity(10, cloud_id=o.cloud_id)
    row = {"cloud_id": o.cloud_id, "data_center_id": o.center.id}
    pod = {"name": "p", "cloudId": o.cloud_id, "gpuType": o.gpu_type, "socket": o.socket}
    pod |= {"gpuCount": 1, "dataCenterId": o.center.id}
    body = {"pod": pod, "provider": {"type": o.provider}}
    return Rent(
        "primeintellect",
        lambda: (
            api.get("/availability/gpus", params=row).json()["items"][0]["stockStatus"]
            != "Unavailable"
        ),
        lambda: api.post("/pods/", json=body),
        lambda: list(api.get("/pods/").json()["data"]),
        f"No capacity: 1x L40S_48GB ({o.cloud_id}) in CANADA-1 is out of stock",
    )


def celium(served: EmulatorServer, emu: Emulator) -> Rent:
    api = httpx.Client(base_url=served.url("celium"), headers={"X-API-KEY": "celium-emulator-key"})
    template = api.post("/templates", json={"name": "t", "docker_image": "ubuntu"}).json()["id"]
    emu.clock.advance(600)
    executor = api.get("/executors").json()[0]["id"]
    body = {"pod_name": "p", "template_id": template, "user_public_key": [SSH]}
    return Rent(
        "celium",
        lambda: executor in {e["id"] for e in api.get("/executors").json()},
        lambda: api.post(f"/executors/{executor}/rent", json=body),
        lambda: list(api.get("/pods").json()),
        "Executor is already rented",
    )


RENTS = {"runpod": runpod, "primeintellect": primeintellect, "celium": celium}


@pytest.fixture(params=sorted(RENTS))
def rent(request: pytest.FixtureRequest, served: EmulatorServer, emu: Emulator) -> Rent:
    return RENTS[request.param](served, emu)


@pytest.fixture
def admin(served: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{served.url()}/_emulator") as client:
        yield client


def refused(rent: Rent) -> bool:
    """Create once: True if refused with the cloud's "no capacity" answer, having made
    nothing; False if the pod was made."""
    answer = rent.create()
    if answer.is_success:
        return False
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"].startswith(rent.refusal)
    return True


def test_the_catalog_shows_stock_and_the_rent_is_refused(
    rent: Rent, admin: httpx.Client, emu: Emulator
) -> None:
    arranged = admin.post(f"/{rent.cloud}/refuse-rents")
    assert arranged.json() == {"pending_refusals": 1}
    assert rent.in_stock(), "a stale catalog: the stock is still listed"
    assert refused(rent)
    assert rent.pods() == [] and emu.leftovers()[rent.cloud]["pods"] == [], "nothing made"
    assert rent.in_stock()
    assert not refused(rent), "the refusal was used up"
    assert len(rent.pods()) == 1


def test_count_refuses_that_many_rents(rent: Rent, admin: httpx.Client) -> None:
    admin.post(f"/{rent.cloud}/refuse-rents", params={"count": 2})
    assert [refused(rent) for _ in range(3)] == [True, True, False]


def test_minus_one_refuses_until_cleared(rent: Rent, admin: httpx.Client) -> None:
    arranged = admin.post(f"/{rent.cloud}/refuse-rents", params={"count": -1})
    assert arranged.json() == {"pending_refusals": -1}
    assert all(refused(rent) for _ in range(4))
    cleared = admin.delete(f"/{rent.cloud}/refuse-rents")
    assert cleared.json() == {"pending_refusals": 0}
    assert not refused(rent)


def test_reset_clears_refusals(served: EmulatorServer, emu: Emulator, admin: httpx.Client) -> None:
    admin.post("/runpod/refuse-rents", params={"count": -1})
    assert admin.post("/reset").status_code == 200
    assert not refused(runpod(served, emu))


@pytest.mark.parametrize("count", [0, -2])
def test_a_count_of_no_rents_is_refused(admin: httpx.Client, count: int) -> None:
    answer = admin.post("/runpod/refuse-rents", params={"count": count})
    assert answer.status_code == 400
    assert "at least 1, or -1" in answer.json()["detail"]


def test_gpudev_queues_instead(admin: httpx.Client) -> None:
    for answer in (admin.post("/gpudev/refuse-rents"), admin.delete("/gpudev/refuse-rents")):
        assert answer.status_code == 400
        assert answer.json() == {"detail": "gpudev queues jobs; it has no capacity refusals"}


def test_unknown_cloud_is_404(admin: httpx.Client) -> None:
    assert admin.post("/nocloud/refuse-rents").status_code == 404
