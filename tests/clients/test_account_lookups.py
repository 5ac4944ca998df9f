"""The lookups of what an account has and can use, on each cloud against the emulator:
pods (whoever made them), RunPod's data centers, Prime Intellect's pod history, Celium's
images and templates. RunPod and Prime Intellect exchanges follow their OpenAPI documents."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from pulumi_gpu import celium, gpudev, primeintellect, runpod
from pulumi_gpu.celium.client import celium_client
from pulumi_gpu.celium.template import TemplateInputs, TemplateProvider
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.lookup import LookupFailed
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.gpudev.client import gpudev_client
from pulumi_gpu.primeintellect import lookups as prime_lookups
from pulumi_gpu.primeintellect.client import prime_client
from pulumi_gpu.runpod.client import runpod_client
from tests.emulator.test_primeintellect_api import spec_problems
from tests.support.by_hand import ByHand
from tests.support.openapi import SPECS, ExchangeRecorder, SpecChecker

RUNPOD_SPEC = SpecChecker(SPECS / "runpod-rest-v2.openapi.json", "/runpod")
RTX_4090 = "NVIDIA GeForce RTX 4090"
T = TypeVar("T")
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=60.0)) as server:
        yield server


@pytest.fixture
def by_hand(served: EmulatorServer) -> Iterator[ByHand]:
    """A fresh emulator, the process configured for it as a Pulumi program would be, and
    its APIs for making objects outside Pulumi."""
    emulator = served.emulator
    emulator.reset()
    settings, secrets = emulator.stack_config(served.url())
    use_stack_config({**settings, **secrets})
    yield ByHand(emulator, served)
    use_stack_config({})


def eventually(value: Callable[[], T | None]) -> T:
    """``value()`` once it is something (the emulator runs at 60x)."""
    for _ in range(100):
        found = value()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("never")


def recorded(client: object) -> ExchangeRecorder:
    recorder = ExchangeRecorder()
    client._http.event_hooks["response"].append(recorder)  # type: ignore[attr-defined]
    return recorder


def test_runpod_pods_and_data_centers(by_hand: ByHand) -> None:
    recorder = recorded(runpod_client())
    made = by_hand.call(
        "runpod",
        "POST",
        "/pods",
        json={"name": "by-hand", "image": "ubuntu", "gpu": {"id": RTX_4090}},
    )
    (pod,) = runpod.get_pods()
    assert (pod.cloud, pod.id, pod.name, pod.gpu) == (
        "runpod",
        made["id"],
        "by-hand",
        f"1x {RTX_4090}",
    )
    assert pod.status == made["status"] and pod.cost_per_hour == made["cost"]

    everywhere = runpod.get_data_centers()
    ids = [dc.id for dc in everywhere]
    assert ids == sorted(ids) and "US-KS-2" in ids
    kansas = next(dc for dc in everywhere if dc.id == "US-KS-2")
    assert kansas.region == "NORTH_AMERICA" and "STANDARD" in kansas.network_volume_types
    europe = runpod.get_data_centers(region="europe")
    assert europe and all(dc.region == "EUROPE" for dc in europe)
    with_4090 = runpod.get_data_centers(gpu_type=RTX_4090)
    assert with_4090 and all(RTX_4090 in dc.gpus_in_stock for dc in with_4090)
    assert {dc.id for dc in with_4090} < set(ids), "only where it is in stock"
    with pytest.raises(
        LookupFailed, match=r"^runpod\.get_data_centers: region: Input should be 'NORTH_AMERICA', "
    ):
        runpod.get_data_centers(region="mars")
    assert RUNPOD_SPEC.problems(recorder.exchanges) == []


def test_primeintellect_pods_and_their_history(
    by_hand: ByHand, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = recorded(prime_client())
    (row, *_) = by_hand.call(
        "primeintellect", "GET", "/availability/gpus", params={"gpu_type": "H100_80GB"}
    )["items"]
    made = []
    for name in ("first", "second", "third"):
        pod = {
            "name": name,
            "cloudId": row["cloudId"],
            "gpuType": row["gpuType"],
            "socket": row["socket"],
            "gpuCount": row["gpuCount"],
        }
        body = {"pod": pod, "provider": {"type": row["provider"]}}
        made.append(by_hand.call("primeintellect", "POST", "/pods/", json=body)["id"])
    pods = primeintellect.get_pods()
    assert [p.id for p in pods] == made and [p.name for p in pods] == ["first", "second", "third"]
    assert pods[0].gpu == f"{row['gpuCount']}x H100_80GB"
    assert primeintellect.get_pod_history() == []

    for pod_id in made:
        by_hand.call("primeintellect", "DELETE", f"/pods/{pod_id}")
    by_hand.until("primeintellect", "/pods/history", lambda h: h["total_count"] == 3)
    assert primeintellect.get_pods() == []
    history = primeintellect.get_pod_history()
    assert sorted(e.id for e in history) == sorted(made)
    assert all(e.terminated_at and e.gpu_name for e in history)

    monkeypatch.setattr(prime_lookups, "PAGE_SIZE", 1)
    pages_before = len(recorder.exchanges)
    assert [e.id for e in primeintellect.get_pod_history(limit=2)] == [e.id for e in history[:2]]
    assert len(recorder.exchanges) - pages_before == 2, "a page each"
    with pytest.raises(LookupFailed, match="limit must be at least 1"):
        primeintellect.get_pod_history(limit=0)
    assert spec_problems(recorder.exchanges) == []


def test_celium_images_templates_and_pods(by_hand: ByHand, served: EmulatorServer) -> None:
    (default, *others) = celium.get_default_images(driver_version="550.54.15")
    assert default.reference.startswith("daturaai/pytorch:") and "cuda12" in default.reference
    assert others, "more than one image is offered"
    catalog = celium.get_templates(public=True, verified=True)
    assert catalog and all(t.user_id is None for t in catalog), "Celium's own, in a fresh one"
    images = {f"{t.docker_image}:{t.docker_image_tag}" for t in catalog}
    assert default.reference in images, "the Lium SDK rents a default image by its template"

    def template(name: str, *, private: bool) -> str:
        body = {"name": name, "docker_image": "daturaai/pytorch", "is_private": private}
        made = by_hand.call("celium", "POST", "/templates", json=body)
        by_hand.until(
            "celium", f"/templates/{made['id']}", lambda t: t["status"] == "VERIFY_SUCCESS"
        )
        return str(made["id"])

    mine = template("pytorch-mine", private=True)
    # Another account publishes one (everyone sees it) and keeps one to itself.
    own_headers = by_hand.headers["celium"]
    other_key = served.emulator.other_account()["pulumi-gpu:celiumApiKey"]
    by_hand.headers["celium"] = {"X-API-KEY": other_key}
    shared = template("pytorch-shared", private=False)
    template("pytorch-theirs", private=True)
    by_hand.headers["celium"] = own_headers

    seeded = {t.id for t in catalog}
    pytorch = {t.id for t in catalog if "pytorch" in t.name.lower()}
    assert {t.id for t in celium.get_templates(name="PYTORCH")} == pytorch | {mine, shared}
    assert {t.id for t in celium.get_templates(public=True)} == seeded | {shared}
    assert [t.id for t in celium.get_templates(public=False)] == [mine]
    assert [t.id for t in celium_client().own_templates()] == [mine]
    assert [t.id for t in TemplateProvider().inventory()] == [mine], "all sweep may remove"
    for theirs in ("pytorch-shared", catalog[0].name):
        named_like_theirs = TemplateInputs(name=theirs, docker_image="daturaai/pytorch")
        assert TemplateProvider().find(named_like_theirs) == [], "never adopted by a Template"
    assert celium.get_templates(name="nothing like it") == []

    executor = by_hand.call("celium", "GET", "/executors")[0]
    rented = by_hand.call(
        "celium",
        "POST",
        f"/executors/{executor['id']}/rent",
        json={"pod_name": "by-hand", "template_id": shared, "user_public_key": [SSH_KEY]},
    )
    (pod,) = celium.get_pods()
    assert (pod.cloud, pod.id, pod.name) == ("celium", rented["id"], "by-hand")
    assert pod.gpu.endswith(executor["machine_name"]) and pod.cost_per_hour


def test_gpudev_reservations(by_hand: ByHand) -> None:
    env = {"GPU_TYPE": "a100", "GPU_COUNT": "2", "RESERVATION_ID": str(uuid.uuid4())}
    env["POD_NAME"] = "by-hand"
    body = {"instance_type": "p4d.24xlarge", "duration_hours": 2, "env_vars": env}
    client = gpudev_client()
    job_id = client.submit_job(body).job_id
    (pod,) = eventually(gpudev.get_pods)  # the service's processor inserts it shortly
    assert (pod.cloud, pod.id, pod.name) == ("gpudev", job_id, "by-hand")
    assert (pod.gpu, pod.cost_per_hour) == ("2x a100", None)

    client.cancel_job(job_id)
    eventually(lambda: not gpudev.get_pods())
    (ended,) = gpudev.get_pods(include_ended=True)
    assert ended.id == job_id and ended.status == "cancelled"


def test_celium_executors_by_tier(by_hand: ByHand) -> None:
    everything = celium.get_executors()
    spot = celium.get_executors(tier="spot")
    secure = celium.get_executors(tier="secure")
    assert spot and secure, "the emulator rents both"
    assert {e.tier for e in spot} == {"spot"} and {e.tier for e in secure} == {"secure"}
    assert len(spot) + len(secure) == len(everything)
    with pytest.raises(LookupFailed, match=r"^celium\.get_executors: tier: "):
        celium.get_executors(tier="cheap")
