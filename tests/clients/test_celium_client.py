"""The Celium client against the emulated API: paths, auth header, typed answers and errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import AuthenticationError, ConfigurationError, NotFoundError
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.emulator import Emulator, EmulatorServer

SSH = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"]


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=1.0)) as server:
        yield server


@pytest.fixture
def client(served: EmulatorServer) -> CeliumClient:
    served.emulator.reset()
    return CeliumClient(served.url("celium"), "celium-emulator-key")


def test_round_trip_of_every_kind(client: CeliumClient, served: EmulatorServer) -> None:
    seen: list[httpx.Request] = []
    client._http.event_hooks["request"].append(seen.append)
    template = client.create_template({"name": "t", "docker_image": "ubuntu"})
    served.emulator.clock.advance(600)
    assert client.get_template(template.id).status == "VERIFY_SUCCESS"
    executor = client.list_executors(gpu_count_gte=2, gpu_count_lte=2)[0]
    assert executor.gpu_count == 2 and executor.price_per_hour > 0
    assert executor.location.country_code
    volume = client.create_volume("v", "")
    body = {
        "pod_name": "p",
        "template_id": template.id,
        "user_public_key": SSH,
        "volume_id": volume.id,
    }
    pod = client.rent(executor.id, body)
    served.emulator.clock.advance(600)
    ready = client.get_pod(pod.id)
    assert (
        ready.observe().phase is Phase.READY
        and ready.gpu_count == 2
        and ready.ports_mapping["22"] > 0
    )
    assert ready.executor.specs is not None
    facts, load = ready.executor.specs.facts(), ready.executor.specs.telemetry()
    assert facts["cpu"] and facts["cpu_count"] and facts["ram_gb"] and facts["gpu_driver"]
    assert len(load["gpu_util"]) == 2 and load["cpu_util"] is not None
    assert client.rename_pod(pod.id, "q").pod_name == "q"
    client.delete_pod(pod.id)
    served.emulator.clock.advance(60)
    with pytest.raises(NotFoundError, match="404: Pod not found"):
        client.get_pod(pod.id)
    assert all(r.headers["X-API-KEY"] == "celium-emulator-key" for r in seen)
    assert all("celium-emulator-key" not in str(r.url) for r in seen)


def test_wrong_key_is_an_authentication_error(served: EmulatorServer) -> None:
    with pytest.raises(AuthenticationError, match="API key not found"):
        CeliumClient(served.url("celium"), "wrong").list_pods()


def test_client_from_stack_config_or_environment(
    served: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CELIUM_API_KEY", raising=False)
    monkeypatch.delenv("LIUM_API_KEY", raising=False)
    use_stack_config({})
    with pytest.raises(ConfigurationError, match="pulumi-gpu:celiumApiKey"):
        celium_client()
    use_stack_config(
        {
            "pulumi-gpu:celiumEndpoint": served.url("celium"),
            "pulumi-gpu:celiumApiKey": "celium-emulator-key",
        }
    )
    try:
        assert celium_client().list_pods() == []
        assert celium_client() is celium_client(), "one client per process and key"
    finally:
        use_stack_config({})
