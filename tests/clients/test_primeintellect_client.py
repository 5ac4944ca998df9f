"""The Prime Intellect client against the emulated API: paths, auth, pages, typed errors.

Every exchange the client makes is checked against the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    ServerError,
    TransportError,
)
from pulumi_gpu.core.http import RetryPolicy
from pulumi_gpu.core.lookup import LookupFailed
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.primeintellect import client as client_module
from pulumi_gpu.primeintellect import get_availability, get_disk_availability
from pulumi_gpu.primeintellect.client import PrimeClient, prime_client
from pulumi_gpu.primeintellect.offers import offer_record
from pulumi_gpu.primeintellect.pod_inputs import PodInputs
from tests.emulator.test_primeintellect_api import spec_problems
from tests.support.openapi import ExchangeRecorder

KEY = "prime-emulator-key"


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=1.0)) as server:
        yield server


@pytest.fixture
def emu(served: EmulatorServer) -> Emulator:
    served.emulator.reset()
    served.emulator.clock.set_speed(1.0)
    return served.emulator


@pytest.fixture
def recorder() -> ExchangeRecorder:
    return ExchangeRecorder()


def checked(client: PrimeClient, recorder: ExchangeRecorder) -> PrimeClient:
    client._http.event_hooks["response"].append(recorder)
    return client


@pytest.fixture
def client(
    served: EmulatorServer, emu: Emulator, recorder: ExchangeRecorder
) -> Iterator[PrimeClient]:
    yield checked(PrimeClient(served.url("primeintellect") + "/api/v1", KEY), recorder)
    assert recorder.exchanges
    assert spec_problems(recorder.exchanges) == []


@pytest.fixture
def configured(served: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process configuration a Pulumi program or provider would have."""
    monkeypatch.setenv("PRIME_API_URL", served.url("primeintellect") + "/api/v1")
    monkeypatch.setenv("PRIME_API_KEY", KEY)
    use_stack_config({})
    yield
    use_stack_config({})


def test_round_trip_of_every_endpoint(
    client: PrimeClient, emu: Emulator, recorder: ExchangeRecorder
) -> None:
    offers = client.gpu_availability()
    assert len(offers) == len(emu.primeintellect.offers)
    pages = [dict(e.query)["page"] for e in recorder.exchanges if e.path.endswith("/gpus")]
    assert pages == ["1", "2"], "every page is read, then no more"

    (where,) = client.disk_availability(data_center_id="CANADA-1")
    disk = client.create_disk(
        {
            "disk": {"size": 200, "name": "data", "dataCenterId": "CANADA-1"},
            "provider": {"type": where.provider},
        }
    )
    assert (disk.status, disk.size, disk.data_center_id, disk.cloud_id) == (
        "PROVISIONING",
        200,
        "CANADA-1",
        where.cloud_id,
    )
    emu.clock.advance(60)
    client.rename_disk(disk.id, "renamed")
    assert client.get_disk(disk.id).name == "renamed"
    assert [d.id for d in client.list_disks()] == [disk.id]

    (offer,) = [
        o
        for o in client.gpu_availability(gpu_type="L40S_48GB", gpu_count=1, disks=[disk.id])
        if o.provider == "hyperstack" and not o.is_spot
    ]
    emu.primeintellect.set_capacity(5, cloud_id=offer.cloud_id)
    body = {
        "pod": {
            "name": "trainer",
            "cloudId": offer.cloud_id,
            "gpuType": offer.gpu_type,
            "socket": offer.socket,
            "gpuCount": offer.gpu_count,
            "dataCenterId": offer.data_center,
            "envVars": [{"key": "A", "value": "1"}],
            "jupyterPassword": "pw",
        },
        "provider": {"type": offer.provider},
        "disks": [disk.id],
    }
    pod = client.create_pod(body)
    assert (pod.status, pod.gpu_name, pod.attached_resources[0].id) == (
        "PROVISIONING",
        "L40S_48GB",
        disk.id,
    )
    emu.clock.advance(600)
    statuses = client.pod_statuses([pod.id, "missing"])
    assert list(statuses) == [pod.id] and statuses[pod.id].observe().phase is Phase.READY
    ready = client.get_pod(pod.id)
    assert ready.ssh_connection and ready.ip and ready.price_hr
    assert {m.used_by for m in ready.prime_port_mapping} == {"SSH", "JUPYTER_NOTEBOOK"}
    assert ready.resources.vcpus == offer.vcpu.default_count
    assert [p.id for p in client.list_pods()] == [pod.id]
    assert client.pod_logs(pod.id, tail=1)[0].endswith("Installation finished; SSH is available")
    lines = client.pod_logs(pod.id)
    assert len(lines) > 2 and "Provisioning 1x L40S_48GB" in lines[0], "one line each"

    assert client.delete_pod(pod.id) == "DELETING"
    emu.clock.advance(30)
    entries, total = client.pod_history()
    assert total == 1 and entries[0].id == pod.id and entries[0].total_billed_price > 0
    client.delete_disk(disk.id)
    emu.clock.advance(30)
    assert client.list_disks() == []


def test_offset_pages_are_all_read(
    client: PrimeClient, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    offer = next(o for o in emu.primeintellect.offers if o.provider == "hyperstack")
    emu.primeintellect.set_capacity(10, cloud_id=offer.cloud_id)
    for index in range(5):
        client.create_pod(
            {
                "pod": {
                    "name": f"p{index}",
                    "cloudId": offer.cloud_id,
                    "gpuType": offer.gpu_type,
                    "socket": offer.socket,
                    "gpuCount": offer.gpu_count,
                    "dataCenterId": offer.center.id,
                },
                "provider": {"type": "hyperstack"},
            }
        )
    monkeypatch.setattr(client_module, "PAGE_SIZE", 2)
    assert [p.name for p in client.list_pods()] == [f"p{i}" for i in range(5)]


def test_credentials_travel_only_as_a_bearer_header(
    client: PrimeClient, recorder: ExchangeRecorder
) -> None:
    client.list_pods()
    (exchange,) = recorder.exchanges
    assert exchange.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in exchange.path and KEY not in str(exchange.query)
    assert KEY not in repr(client._http.auth)


def test_errors_are_typed_with_the_clouds_words(
    served: EmulatorServer, client: PrimeClient, emu: Emulator, recorder: ExchangeRecorder
) -> None:
    wrong = checked(PrimeClient(served.url("primeintellect"), "wrong-key"), recorder)
    with pytest.raises(AuthenticationError, match="401: Invalid API key"):
        wrong.list_pods()
    with pytest.raises(NotFoundError, match="404: Pod not found"):
        client.get_pod("nope")
    massed = next(o for o in emu.primeintellect.offers if o.provider == "massedcompute")
    emu.primeintellect.set_capacity(5, cloud_id=massed.cloud_id)
    body = {
        "pod": {
            "cloudId": massed.cloud_id,
            "gpuType": massed.gpu_type,
            "socket": massed.socket,
            "gpuCount": massed.gpu_count,
        },
        "provider": {"type": "massedcompute"},
    }
    with pytest.raises(InvalidRequestError, match="Missing field: max_price not specified"):
        client.create_pod(body)
    emu.primeintellect.balances[KEY] = 0
    with pytest.raises(ApiError, match="402: Insufficient balance") as paid:
        client.create_pod({**body, "pod": {**body["pod"], "maxPrice": 100}})
    assert paid.value.status == 402 and not paid.value.outcome_unknown
    with pytest.raises(InvalidRequestError, match=r"pod\.gpuCount: Input should be greater"):
        client.create_pod({**body, "pod": {**body["pod"], "gpuCount": 0}})


def test_reads_ride_out_rate_limits_but_creates_are_never_resent(
    served: EmulatorServer, emu: Emulator
) -> None:
    sleeps: list[float] = []
    client = PrimeClient(
        served.url("primeintellect") + "/api/v1",
        KEY,
        retry=RetryPolicy(attempts=3),
        sleep=sleeps.append,
    )
    emu.faults.add(cloud="primeintellect", method="GET", path="/api/v1/pods/status",
                   status=429, retry_after=2, times=1)  # fmt: skip
    assert client.pod_statuses(["x"]) == {}
    assert len(sleeps) == 1 and sleeps[0] >= 2

    offer = next(o for o in emu.primeintellect.offers if o.provider == "hyperstack")
    emu.primeintellect.set_capacity(5, cloud_id=offer.cloud_id)
    body = {
        "pod": {
            "name": "lost",
            "cloudId": offer.cloud_id,
            "gpuType": offer.gpu_type,
            "socket": offer.socket,
            "gpuCount": offer.gpu_count,
        },
        "provider": {"type": "hyperstack"},
    }
    emu.faults.add(cloud="primeintellect", method="POST", path="/api/v1/pods/", status=503,
                   after_action=True)  # fmt: skip
    with pytest.raises(ServerError) as lost:
        client.create_pod(body)
    assert lost.value.outcome_unknown
    emu.faults.add(cloud="primeintellect", method="POST", path="/api/v1/pods/", drop=True,
                   after_action=True)  # fmt: skip
    with pytest.raises(TransportError) as dropped:
        client.create_pod(body)
    assert dropped.value.outcome_unknown
    assert len(emu.requests.find("primeintellect", "POST", "/api/v1/pods/")) == 2
    assert [p.name for p in client.list_pods()] == ["lost", "lost"]


def test_endpoint_given_with_or_without_the_api_root(served: EmulatorServer, emu: Emulator) -> None:
    for base in (served.url("primeintellect"), served.url("primeintellect") + "/api/v1/"):
        assert PrimeClient(base, KEY).list_pods() == []


def test_configuration(served: EmulatorServer, configured: None, monkeypatch) -> None:
    first = prime_client()
    assert first is prime_client(), "one client per endpoint and key"
    assert first.base_url == served.url("primeintellect") + "/api/v1"
    use_stack_config({"pulumi-gpu:primeApiKey": "prime-empty-wallet"})
    assert prime_client() is not first, "stack configuration wins over the environment"
    use_stack_config({})
    monkeypatch.delenv("PRIME_API_KEY")
    with pytest.raises(ConfigurationError) as missing:
        prime_client()
    assert "pulumi-gpu:primeApiKey" in str(missing.value)
    assert "PRIME_API_KEY" in str(missing.value)


def test_get_availability_filters_and_sorts(configured: None, emu: Emulator) -> None:
    offers = get_availability(gpu_type="H100_80GB", gpu_count=8)
    prices = [o.price_per_hour for o in offers]
    assert offers and prices == sorted(prices)
    assert all(o.gpu_type == "H100_80GB" and o.gpu_count == 8 and o.available for o in offers)
    everything = get_availability(gpu_type="H100_80GB", gpu_count=8, include_unavailable=True)
    assert len(everything) > len(offers), "the seeded catalog has offers out of stock"
    cheap = get_availability(max_price_per_hour=1.0, country="us", security="secure_cloud")
    assert cheap and all(
        o.price_per_hour <= 1.0 and o.country == "US" and o.security == "secure_cloud"
        for o in cheap
    )
    lam = get_availability(provider="lambdalabs", image="flux", include_unavailable=True)
    assert lam == [], "lambdalabs machines do not run that image"
    with pytest.raises(LookupFailed, match=r"^primeintellect\.get_availability: gpu_type: "):
        get_availability(gpu_type="H100")


def test_spot_offers_are_chosen_only_when_asked(
    client: PrimeClient, configured: None, emu: Emulator
) -> None:
    both = get_availability(gpu_type="H100_80GB", gpu_count=1, data_center_id="CANADA-1")
    spot = [o for o in both if o.is_spot]
    assert spot and all(o.cloud_id.endswith("_spot") for o in spot)
    assert get_availability(gpu_type="H100_80GB", gpu_count=1, is_spot=True) == spot
    on_demand = get_availability(gpu_type="H100_80GB", gpu_count=1, is_spot=False)
    assert on_demand and not any(o.is_spot for o in on_demand)
    assert min(o.price_per_hour or 0 for o in spot) < min(o.price_per_hour or 0 for o in on_demand)

    pod = {"name": "p", "gpu_type": "H100_80GB", "gpu_count": 1}
    cheapest = PodInputs.model_validate(pod).offer_query().search(client)[0]
    assert not cheapest.is_spot, "a pod never lands on spot unless it says so"
    wanted = PodInputs.model_validate({**pod, "is_spot": True}).offer_query().search(client)[0]
    assert wanted.is_spot and wanted.cloud_id == spot[0].cloud_id
    assert offer_record(wanted, wanted.price_per_hour)["is_spot"] is True

    summary = client.request("GET", "/availability/gpu-summary")
    cheapest_h100 = summary["H100_80GB"]["1"]["cheapest"]
    assert cheapest_h100["spotPrice"] == min(o.price_per_hour for o in spot)


def test_get_disk_availability(configured: None, emu: Emulator) -> None:
    offers = get_disk_availability(provider="hyperstack")
    assert {o.data_center for o in offers} == {"CANADA-1", "NORWAY-1", "US-1"}
    assert get_disk_availability(country="fi", region="eu_north")
    assert all(o.country == "FI" for o in get_disk_availability(country="fi"))
    assert get_disk_availability(provider="lambdalabs") == []


def test_the_client_keeps_httpx_errors_inside(served: EmulatorServer) -> None:
    nowhere = PrimeClient("http://127.0.0.1:9", KEY, retry=RetryPolicy(attempts=1))
    with pytest.raises(TransportError) as failed:
        nowhere.list_pods()
    assert not isinstance(failed.value, httpx.HTTPError)
