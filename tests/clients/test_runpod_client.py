"""The RunPod client against the emulated API: every request it sends, and every answer it
gets, checked against RunPod's REST v2 OpenAPI document; auth, errors, limits, config."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pulumi
import pytest

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)
from pulumi_gpu.core.http import RetryPolicy
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.runpod import get_gpu_types
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.pod import act
from tests.support.openapi import SPECS, Exchange, ExchangeRecorder, SpecChecker

KEY = "runpod-emulator-key"
SPEC = SPECS / "runpod-rest-v2.openapi.json"
SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"


CHECKER = SpecChecker(SPEC, "/runpod")


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=1.0)) as server:
        yield server


@pytest.fixture
def emu(served: EmulatorServer) -> Emulator:
    served.emulator.reset()
    return served.emulator


class Sleeps(list[float]):
    """A fake ``sleep`` that records how long the client wanted to wait, and the clock
    it moves (``clock``)."""

    now = 1000.0

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_client(
    served: EmulatorServer, key: str = KEY, **kwargs: object
) -> tuple[RunPodClient, ExchangeRecorder]:
    recorder = ExchangeRecorder()
    client = RunPodClient(f"{served.url('runpod')}/v2", key, **kwargs)  # type: ignore[arg-type]
    client._http.event_hooks["response"].append(recorder)
    return client, recorder


def test_every_endpoint_round_trip_matches_the_spec(served: EmulatorServer, emu: Emulator) -> None:
    client, recorder = make_client(served)
    emu.runpod.put_ssh_keys("user_1", [SSH])
    assert client.list_ssh_keys() == [SSH]

    volume = client.create_network_volume({"name": "v", "size": 20, "dataCenter": "US-KS-2"})
    assert (volume.size, volume.data_center, volume.type) == (20, "US-KS-2", "STANDARD")
    assert client.update_network_volume(volume.id, {"size": 40}).size == 40
    assert [v.id for v in client.list_network_volumes()] == [volume.id]

    template = client.create_template(
        {"name": "t", "image": "runpod/base:0.6.2", "ports": ["22/tcp"], "disk": 30}
    )
    assert template.start_ssh and template.disk == 30
    renamed = client.update_template(template.id, {"name": "t2", "env": {"A": "1"}})
    assert (renamed.name, renamed.env) == ("t2", {"A": "1"})
    assert client.get_template(template.id).name == "t2"
    assert [t.id for t in client.list_templates()] == [template.id]

    body = {
        "name": "p",
        "templateId": template.id,
        "gpu": {"id": "NVIDIA GeForce RTX 4090", "count": 1},
        "ports": ["22/tcp", "8888/http"],
        "mounts": {"network": [{"volumeId": volume.id, "path": "/workspace"}]},
        "startSsh": True,
    }
    pod = client.create_pod(body)
    assert pod.status == "PROVISIONING" and pod.observe().phase is not Phase.READY
    emu.clock.advance(600)
    ready = client.get_pod(pod.id)
    assert (
        ready.observe().phase is Phase.READY
        and ready.public_ports[22] > 0
        and ready.env["PUBLIC_KEY"] == SSH
    )
    assert ready.ssh.direct is not None and ready.public_ip == ready.ssh.direct.host
    assert ready.mounts.network[0].volume_id == volume.id
    assert client.update_pod(pod.id, {"name": "q"}).name == "q"
    stopped = client.pod_action(pod.id, "stop")
    assert stopped is not None and stopped.status == "EXITED" and stopped.cost == 0
    assert client.pod_action(pod.id, "terminate") is None
    client.create_pod({**body, "name": "r", "mounts": {}})
    gone = [p for p in client.list_pods() if p.name == "r"]
    client.delete_pod(gone[0].id)
    client.delete_template(template.id)
    client.delete_network_volume(volume.id)

    catalog = client.list_gpu_types(availability=True, count=2, cloud="SECURE")
    assert catalog and all(g.availability for g in catalog)
    rtx = next(g for g in catalog if g.id == "NVIDIA GeForce RTX 4090")
    assert rtx.price_per_gpu("COMMUNITY") == 0.34 and rtx.max_gpus("SECURE") == 8
    assert rtx.data_centers and rtx.cuda_versions
    assert client.list_gpu_types(availability=True, country_codes=["CA"], min_cuda_version="12")

    assert CHECKER.problems(recorder.exchanges) == [], "requests and answers must follow the spec"
    for exchange in recorder.exchanges:
        assert exchange.headers["authorization"] == f"Bearer {KEY}"
        assert KEY not in exchange.path and all(KEY not in v for _, v in exchange.query)


def test_the_spec_check_can_fail(served: EmulatorServer, emu: Emulator) -> None:
    client, recorder = make_client(served)
    client.list_pods()
    (good,) = recorder.exchanges
    broken_answer = Exchange(**{**vars(good), "response_body": b'{"pods": [{"id": 1}]}'})
    bad_request = Exchange(
        **{**vars(good), "method": "POST", "body": b'{"bogus": true}', "status": 201}
    )
    problems = CHECKER.problems([broken_answer, bad_request])
    assert any(p.startswith("response GET /runpod/v2/pods") for p in problems)
    assert any(p.startswith("request POST /runpod/v2/pods") for p in problems)


def test_errors_are_typed_with_runpods_words(served: EmulatorServer, emu: Emulator) -> None:
    client, recorder = make_client(served)
    with pytest.raises(NotFoundError, match="The requested Pod does not exist"):
        client.get_pod("nope")
    pod = client.create_pod({"name": "p", "image": "x", "gpu": {"id": "NVIDIA GeForce RTX 4090"}})
    with pytest.raises(ConflictError, match="cannot start a pod that is PROVISIONING"):
        client.pod_action(pod.id, "start")
    with pytest.raises(InvalidRequestError, match="no longer any instances"):
        client.create_pod({"name": "p", "image": "x", "gpu": {"id": "NVIDIA H200"}})
    with pytest.raises(InvalidRequestError, match=r"Request validation failed. - \$.size"):
        client.create_network_volume({"name": "v", "size": 5, "dataCenter": "US-KS-2"})
    with pytest.raises(ValueError, match="unknown pod action"):
        client.pod_action(pod.id, "pause")
    problems = CHECKER.problems(recorder.exchanges)
    assert len(problems) == 1 and problems[0].startswith(
        "request POST /runpod/v2/network-volumes -> 422"
    ), "only the deliberately invalid volume request breaks the spec; every answer follows it"

    with pytest.raises(AuthenticationError, match="401: invalid bearer token"):
        RunPodClient(f"{served.url('runpod')}/v2", "wrong").list_pods()
    readonly = RunPodClient(f"{served.url('runpod')}/v2", "runpod-readonly-key")
    assert readonly.list_pods()
    with pytest.raises(AuthenticationError, match="403: access denied"):
        readonly.delete_pod(pod.id)


def test_a_lost_create_is_not_retried(served: EmulatorServer, emu: Emulator) -> None:
    client, _ = make_client(served, sleep=Sleeps())
    emu.faults.add(cloud="runpod", method="POST", path="/v2/pods", status=500, after_action=True)
    with pytest.raises(ServerError) as raised:
        client.create_pod({"name": "p", "image": "x", "gpu": {"id": "NVIDIA GeForce RTX 4090"}})
    assert raised.value.outcome_unknown, "the pod may exist: the caller must look before retrying"
    assert len(emu.requests.find("runpod", "POST", "/v2/pods")) == 1
    assert [p.name for p in client.list_pods()] == ["p"]


def test_concurrent_requests_share_the_announced_budget_and_are_never_refused(
    served: EmulatorServer, emu: Emulator
) -> None:
    emu.runpod.rate.configure("minute", 8, 2.0)  # 8 requests per 2 s, in real time
    client, _ = make_client(served)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=24) as pool:
        list(pool.map(lambda _: client.list_pods(), range(24)))
    answers = emu.requests.find("runpod", "GET", "/v2/pods")
    assert [r.status for r in answers] == [200] * 24, "nobody is sent only to be refused"
    assert time.monotonic() - started >= 4, "24 requests at 8 per window take three windows"


def test_429_and_exhausted_windows_are_waited_out(served: EmulatorServer, emu: Emulator) -> None:
    sleeps = Sleeps()
    client, _ = make_client(served, sleep=sleeps, clock=sleeps.clock, retry=RetryPolicy(attempts=3))
    emu.runpod.rate.configure("minute", 2, 30)
    client.list_pods()
    assert sleeps == []
    client.list_pods()  # the last request of the window: RateLimit says r=0;t=30
    with pytest.raises(RateLimitedError, match="rate limit exceeded for the minute window"):
        client.list_templates()  # the fake sleep does not really wait: RunPod refuses
    pacing, *retries = sleeps
    assert 28 <= pacing <= 30, "the client waits for the window before sending"
    # then for Retry-After between attempts (the fake clock moved; RunPod's did not, so
    # each attempt is refused again and its answer announces a spent window)
    assert len(retries) >= 2 and all(28 <= s <= 30.3 for s in retries)
    assert [r.status for r in emu.requests.find("runpod", "GET", "/v2/templates")] == [429] * 3

    other = Sleeps()
    fresh, _ = make_client(served, sleep=other, retry=RetryPolicy(attempts=2))
    emu.runpod.rate.reset()
    emu.faults.add(cloud="runpod", method="GET", status=429, retry_after=7, times=1)
    assert fresh.list_pods() == []
    assert len(other) == 1 and 7 <= other[0] < 7.5, "Retry-After is honoured, then it works"


def test_client_from_stack_config_or_environment(
    served: EmulatorServer, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUNPOD_API_KEY", raising=False)
    monkeypatch.delenv("RUNPOD_API_URL", raising=False)
    use_stack_config({})
    with pytest.raises(ConfigurationError, match=r"pulumi-gpu:runpodApiKey .* RUNPOD_API_KEY"):
        runpod_client()
    monkeypatch.setenv("RUNPOD_API_KEY", KEY)
    assert runpod_client().base_url == "https://api.runpod.io/v2"
    settings, secrets = emu.runpod.stack_config(served.url("runpod"))
    use_stack_config({**settings, **secrets})
    try:
        assert runpod_client().list_pods() == []
        assert runpod_client() is runpod_client(), "one client per process and key"
        assert KEY not in repr(runpod_client()._http.auth)
    finally:
        use_stack_config({})


def test_get_gpu_types_filters_and_sorts(served: EmulatorServer, emu: Emulator) -> None:
    settings, secrets = emu.runpod.stack_config(served.url("runpod"))
    use_stack_config({**settings, **secrets})
    try:
        everything = get_gpu_types()
        prices = [o.price_per_hour for o in everything]
        assert prices == sorted(prices), "cheapest first"
        assert "NVIDIA H200" in {o.id for o in everything}, "listed even when out of stock"
        stocked = get_gpu_types(in_stock=True)
        assert stocked and all(o.in_stock for o in stocked)
        assert "NVIDIA H200" not in {o.id for o in stocked}

        (a100,) = get_gpu_types(name="a100 pcie", gpu_count=2)
        assert (a100.id, a100.price_per_gpu, a100.price_per_hour) == (
            "NVIDIA A100 80GB PCIe",
            1.64,
            3.28,
        )
        assert a100.data_centers == {"US-KS-2": "MEDIUM", "EU-SE-1": "LOW"}
        assert a100.cuda_versions == ["12.6", "12.4"] and a100.max_gpus_per_pod == 8

        community = get_gpu_types(cloud="COMMUNITY", gpu_count=8)
        assert {o.id for o in community} == {"NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 4090"}
        assert all(o.cloud == "COMMUNITY" for o in community)
        big = get_gpu_types(min_memory_gb=141)
        assert {o.id for o in big} == {"NVIDIA H200", "AMD Instinct MI300X OAM"}
        assert [o.id for o in get_gpu_types(manufacturer="amd")] == ["AMD Instinct MI300X OAM"]
        assert all(o.price_per_hour <= 0.5 for o in get_gpu_types(max_price_per_hour=0.5))
        in_canada = get_gpu_types(country_codes=["ca"], in_stock=True)
        assert {o.id for o in in_canada} == {"NVIDIA GeForce RTX 4090", "NVIDIA H100 PCIe"}
        assert {o.id for o in get_gpu_types(data_center_id="CA-MTL-1")} == {
            "NVIDIA GeForce RTX 4090",
            "NVIDIA H100 PCIe",
        }
        assert {o.id for o in get_gpu_types(min_cuda_version="12.8", in_stock=True)} >= {
            "NVIDIA L40S"
        }
        assert "NVIDIA A100 80GB PCIe" not in {
            o.id for o in get_gpu_types(min_cuda_version="12.8", in_stock=True)
        }
        with pytest.raises(
            pulumi.RunError,
            match=r"^runpod\.get_gpu_types: cloud: Input should be 'SECURE' or 'COMMUNITY'$",
        ):
            get_gpu_types(cloud="ALL")
    finally:
        use_stack_config({})


@pytest.mark.parametrize(
    ("took_effect", "sent"), [(True, 1), (False, 2)], ids=["acted", "not-acted"]
)
def test_a_lost_stop_answer_is_checked_before_sending_again(
    served: EmulatorServer, emu: Emulator, took_effect: bool, sent: int
) -> None:
    client, _ = make_client(served, sleep=Sleeps())
    pod = client.create_pod({"name": "p", "image": "x", "gpu": {"id": "NVIDIA GeForce RTX 4090"}})
    emu.clock.advance(600)
    emu.faults.add(
        cloud="runpod",
        method="POST",
        path="/v2/pods/*/action",
        status=502,
        after_action=took_effect,
    )
    act(client, pod.id, "stop")
    assert client.get_pod(pod.id).status == "EXITED"
    assert len(emu.requests.find("runpod", "POST", "/v2/pods/*/action")) == sent
