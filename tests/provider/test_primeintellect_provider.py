"""Prime Intellect providers against the emulator in process: create, wait, read, delete.

Faster and more precise than the engine tests: many concurrent creates, exact request
counts, failure messages. The engine tests (tests/e2e) prove the same through Pulumi.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError, ResourceFailed
from pulumi_gpu.core.http import RetryPolicy
from pulumi_gpu.core.inputs import PROVIDER_KEY
from pulumi_gpu.core.lifecycle import poller_of
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.primeintellect.backend import PodFailure
from pulumi_gpu.primeintellect.client import prime_client
from pulumi_gpu.primeintellect.disk import DiskProvider
from pulumi_gpu.primeintellect.pod import PodInputs, PodProvider
from tests.support.checks import by_field

POLL = 0.05
SPEED = 600.0
"""Simulated seconds per real second: a pod is ready in about 0.25 s."""


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=SPEED)) as server:
        yield server


@pytest.fixture
def emu(served: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    served.emulator.reset()
    served.emulator.clock.set_speed(SPEED)
    monkeypatch.setenv("PRIME_API_URL", served.url("primeintellect") + "/api/v1")
    monkeypatch.setenv("PRIME_API_KEY", "prime-emulator-key")
    monkeypatch.setenv("PULUMI_GPU_POLL_SECONDS", str(POLL))
    use_stack_config({})
    yield served.emulator
    served.emulator.reset()


def pod_inputs(**fields: Any) -> dict[str, Any]:
    return {"name": "trainer", "gpu_type": "A6000_48GB", **fields}


def create(provider: Any, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The engine's Create, as the dynamic-provider server calls it."""
    result = provider.create({**props, PROVIDER_KEY: "p"})
    return result.id, result.outs


def statuses(emu: Emulator) -> list[Any]:
    return emu.requests.find("primeintellect", "GET", "/api/v1/pods/status*")


def test_concurrent_waits_cost_one_status_request_per_interval(emu: Emulator) -> None:
    count = 32
    emu.primeintellect.set_capacity(100, gpu_type="A6000_48GB")
    provider = PodProvider()

    def make(index: int) -> tuple[str, dict[str, Any]]:
        return create(provider, pod_inputs(name=f"pod-{index}"))

    # Emulated time stands (almost) still until every create is in, so that no pod is
    # ready before the last wait starts, however slowly a loaded machine makes them.
    emu.clock.set_speed(1e-9)
    with ThreadPoolExecutor(count) as pool:
        making = [pool.submit(make, index) for index in range(count)]
        deadline = time.monotonic() + 60
        while len(emu.primeintellect.leftovers()["pods"]) < count:
            assert time.monotonic() < deadline, "the creates did not all arrive"
            time.sleep(0.02)
        emu.clock.set_speed(SPEED)
        created = [future.result() for future in making]
    assert all(out["ssh_command"].startswith("ssh root@") for _, out in created)
    assert emu.primeintellect.waits.max_overlap() == count

    polls = statuses(emu)
    window = polls[-1].at - polls[0].at
    # One request per interval for all 32 pods (plus slack for the pods still joining);
    # per-pod polling would be about 32 times that.
    assert len(polls) <= window / POLL * 1.5 + 3, (len(polls), window / POLL)
    assert max(r.query.count("pod_ids=") for r in polls) == count
    assert not poller_of(provider).polling or _stops(provider)

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda made: provider.delete(made[0], made[1]), created))
    assert emu.primeintellect.leftovers() == {"pods": [], "disks": [], "ssh_keys": []}
    deleting = statuses(emu)[len(polls) :]
    assert len(deleting) < count, "deletions are waited on together too"


def _stops(provider: Any) -> bool:
    deadline = time.monotonic() + 2
    while poller_of(provider).polling and time.monotonic() < deadline:
        time.sleep(0.01)
    return not poller_of(provider).polling


def test_outputs_record_the_offer_and_the_connection(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    pod_id, out = create(
        PodProvider(),
        pod_inputs(jupyter_password="pw", security="secure_cloud", max_price_per_hour=3),
    )
    live = emu.primeintellect.get_pod("prime-emulator-key", pod_id)
    assert out["ssh_command"] == f"ssh {live['sshConnection']}"
    assert out["ssh_port"] == int(live["sshConnection"].rsplit(" ", 1)[1])
    assert out["ports"]["8888"] > 0
    assert out["jupyter_url"] == f"http://{live['ip']}:{out['ports']['8888']}/"
    assert "pw" not in str({k: v for k, v in out.items() if k != "jupyter_password"})
    offer = out["offer"]
    assert (offer["gpu_type"], offer["security"]) == ("A6000_48GB", "secure_cloud")
    assert offer["price_per_hour"] == out["cost_per_hour"] == live["priceHr"] <= 3
    cheapest = min(
        (
            o
            for o in emu.primeintellect.offers
            if o.gpu_type == "A6000_48GB"
            and o.gpu_count == 1
            and o.center.security == "secure_cloud"
            and emu.primeintellect.free_capacity(o) > 0
        ),
        key=lambda o: o.price,
    )
    assert (offer["provider"], offer["data_center_id"]) == (cheapest.provider, cheapest.center.id)


def test_installation_error_deletes_the_pod_and_says_why(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    emu.primeintellect.fail_next_pods.append(PodFailure("CUDA driver mismatch"))
    with pytest.raises(ResourceFailed) as failed:
        create(PodProvider(), pod_inputs())
    message = str(failed.value)
    assert "failed with status ERROR: CUDA driver mismatch" in message
    assert "last log lines:" in message and "Installation failed" in message
    assert "was deleted" in message
    assert emu.primeintellect.leftovers()["pods"] == []


def test_a_failed_read_after_the_wait_leaks_nothing(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    client = prime_client()
    patience, client.retry = client.retry, RetryPolicy(attempts=2, base_delay=0.01)
    one_pod = "/api/v1/pods/" + "?" * 32  # GET /pods/{id}, not /pods/status
    emu.faults.add(cloud="primeintellect", method="GET", path=one_pod, status=500, times=-1)
    try:
        with pytest.raises(GpuCloudError, match="500"):
            create(PodProvider(), pod_inputs())
    finally:
        client.retry = patience
    assert emu.primeintellect.leftovers()["pods"] == [], "the ready pod was deleted"


def test_a_lost_create_answer_adopts_the_pod(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    emu.faults.add(cloud="primeintellect", method="POST", path="/api/v1/pods/", drop=True,
                   after_action=True)  # fmt: skip
    pod_id, _ = create(PodProvider(), pod_inputs())
    assert emu.primeintellect.leftovers()["pods"] == [pod_id]
    assert len(emu.requests.find("primeintellect", "POST", "/api/v1/pods/")) == 1


def test_capacity_taken_meanwhile_moves_to_the_next_offer(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    emu.faults.add(cloud="primeintellect", method="POST", path="/api/v1/pods/", status=400,
                   body={"detail": "No capacity: out of stock"})  # fmt: skip
    wanted = PodInputs.model_validate(pod_inputs()).offer_query()
    ranked = wanted.search(prime_client())
    _, out = create(PodProvider(), pod_inputs())
    assert out["offer"]["cloud_id"] == ranked[1].cloud_id
    assert out["offer"]["data_center_id"] == ranked[1].data_center


def test_other_refusals_are_not_retried_elsewhere(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    emu.primeintellect.balances["prime-emulator-key"] = 0
    with pytest.raises(GpuCloudError, match="402: Insufficient balance"):
        create(PodProvider(), pod_inputs())
    assert len(emu.requests.find("primeintellect", "POST", "/api/v1/pods/")) == 1


def test_no_matching_offer_names_the_cheapest_alternatives(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="H100_80GB", gpu_count=1)
    with pytest.raises(GpuCloudError) as none:
        create(PodProvider(), pod_inputs(gpu_type="H100_80GB", max_price_per_hour=0.1))
    assert "no Prime Intellect offer in stock matches" in str(none.value)
    assert "cheapest 1x H100_80GB in stock now:" in str(none.value)


def test_read_reflects_the_pod_and_notices_it_is_gone(emu: Emulator) -> None:
    emu.primeintellect.set_capacity(10, gpu_type="A6000_48GB")
    pod_id, state = create(PodProvider(), pod_inputs(disk_size=150))
    live = PodProvider().read(pod_id, state).outs
    assert (live["name"], live["gpu_type"], live["disk_size"]) == ("trainer", "A6000_48GB", 150)
    assert live["status"] == "ready" and live["cloud_status"].startswith("ACTIVE")
    assert "socket" not in live, "unset inputs stay unset"
    emu.primeintellect.remove_pod(pod_id)
    assert PodProvider().read(pod_id, state).id is None
    PodProvider().delete(pod_id, state)  # already gone: success


def test_explicit_offers_are_checked_against_the_listing(emu: Emulator) -> None:
    lam = next(
        o for o in emu.primeintellect.offers if o.provider == "lambdalabs" and o.gpu_count == 1
    )
    news = {
        "name": "t",
        "gpu_type": lam.gpu_type,
        "cloud_id": lam.cloud_id,
        "provider": "lambdalabs",
        "data_center_id": lam.center.id,
        PROVIDER_KEY: "p",
    }

    def failures(**change: Any) -> dict[str, str]:
        return by_field(PodProvider().check({}, {**news, **change}).failures)

    assert failures() == {}
    fixed = failures(vcpus=lam.vcpu.default + 2, image="flux")
    assert fixed["vcpus"].endswith(f"allows: {lam.vcpu.default} to {lam.vcpu.default}")
    assert "allowed: ubuntu_22_cuda_12" in fixed["image"]
    assert "cloud_id" in failures(gpu_count=8)
    assert "offers with that cloud_id" in failures(gpu_count=8)["cloud_id"]
    # An update that does not touch the offer is not re-checked (stock may be gone).
    olds = {k: v for k, v in news.items() if k != PROVIDER_KEY}
    emu.faults.add(cloud="primeintellect", method="GET", status=500, times=-1)
    result = PodProvider().check(olds, {**news, "wait_timeout": 60})
    assert result.failures == []
    emu.faults.clear()


def test_disk_lifecycle_and_location_checks(emu: Emulator) -> None:
    provider = DiskProvider()
    base = {"name": "data", "size": 100, "provider": "hyperstack", "data_center_id": "CANADA-1"}

    def failures(**change: Any) -> dict[str, str]:
        news = {**base, **change, PROVIDER_KEY: "p"}
        return by_field(provider.check({}, news).failures)

    assert failures() == {}
    assert "allowed: CANADA-1" in failures(data_center_id="MARS-1")["data_center_id"]
    assert "lambdalabs sells no disks" in failures(provider="lambdalabs")["data_center_id"]
    assert failures(size=99999)["size"].endswith("allows: 10 to 16000 GB")

    disk_id, state = create(provider, base)
    assert state["status"] == "ready" and state["cloud_status"] == "ACTIVE"
    assert state["country"] == "CA" and state["cost_per_hour"] > 0
    provider.update(disk_id, state, {**base, "name": "renamed", PROVIDER_KEY: "p"})
    assert emu.primeintellect.get_disk("prime-emulator-key", disk_id)["name"] == "renamed"
    emu.primeintellect.rename_disk("prime-emulator-key", disk_id, "changed-in-console")
    live = provider.read(disk_id, state).outs
    assert live["name"] == "changed-in-console", "refresh shows drift"

    emu.primeintellect.set_capacity(5, gpu_type="L40S_48GB")
    pod_id, pod = create(PodProvider(), pod_inputs(gpu_type="L40S_48GB", disk_ids=[disk_id]))
    assert (pod["offer"]["provider"], pod["offer"]["data_center_id"]) == ("hyperstack", "CANADA-1")
    with pytest.raises(InvalidRequestError, match="attached to pods"):
        provider.delete(disk_id, state)
    PodProvider().delete(pod_id, pod)
    provider.delete(disk_id, state)
    assert emu.primeintellect.leftovers() == {"pods": [], "disks": [], "ssh_keys": []}
    assert provider.read(disk_id, state).id is None
