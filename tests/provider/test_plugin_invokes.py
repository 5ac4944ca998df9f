"""The provider plugin's invokes (``plugin.functions``), called on its gRPC server in this
process as the engine calls them, against the emulator: each lookup answers what it
answers a Python program, read with the provider's configured keys and endpoints; bad
arguments come back as failures, a cloud's refusal as one message without the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

import pulumi_gpu
from pulumi_gpu import gpudev, runpod
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.plugin.names import camel
from pulumi_gpu.plugin.values import marshal, unmarshal

ENV_KEYS = ("RUNPOD_API_KEY", "CELIUM_API_KEY", "LIUM_API_KEY", "PRIME_API_KEY", "GPU_DEV_API_KEY")


@pytest.fixture
def configure(
    plugin: Any,
    emulator: Emulator,
    emulator_server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., None]:
    """Configure the plugin as the engine does, with the emulator's clouds (and
    ``overrides``); no key in the environment: only the configuration can give them.
    This process's lookups then read the same configuration."""
    for name in ENV_KEYS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("pulumi_gpu.core.config._stack_config", None)  # restored after
    settings, secrets = emulator.stack_config(emulator_server.url())
    given = {k.removeprefix("pulumi-gpu:"): v for k, v in {**settings, **secrets}.items()}

    def configure(**overrides: str) -> None:
        news = marshal({**given, **overrides})
        checked = plugin.CheckConfig(provider_pb2.CheckRequest(news=news))
        plugin.Configure(provider_pb2.ConfigureRequest(args=checked.inputs))

    configure()
    return configure


def _invoke(
    plugin: Any,
    token: str,
    args: dict[str, Any] | None = None,
    secret: frozenset[str] = frozenset(),
) -> Any:
    request = provider_pb2.InvokeRequest(tok=token, args=marshal(args or {}, secret))
    return plugin.Invoke(request)


def test_get_offers_answers_what_a_program_gets(plugin: Any, configure: Any) -> None:
    answer = _invoke(plugin, "pulumi-gpu:index:getOffers", {"gpu": "H100", "count": 1.0})
    assert not answer.failures
    found, secret = unmarshal(getattr(answer, "return"))
    assert set(found) == {"offers", "skipped"} and not secret
    assert found["skipped"] == {}, "every cloud answered, with the configured keys"
    expected = pulumi_gpu.offers("H100", count=1)
    assert [o["cloudGpu"] for o in found["offers"]] == [o.cloud_gpu for o in expected]
    cheapest = found["offers"][0]
    assert {"pricePerHour", "gpuCount", "cloudGpu", "rent"} <= set(cheapest)
    assert cheapest["pricePerHour"] == expected[0].price_per_hour


def test_a_cloud_lookup_renames_its_arguments_and_answers(plugin: Any, configure: Any) -> None:
    answer = _invoke(
        plugin, "pulumi-gpu:runpod:getGpuTypes", {"minMemoryGb": 80.0, "inStock": True}
    )
    found, _ = unmarshal(getattr(answer, "return"))
    assert found["gpuTypes"] and all(g["memoryGb"] >= 80 for g in found["gpuTypes"])
    assert [g["id"] for g in found["gpuTypes"]] == [
        g.id for g in runpod.get_gpu_types(min_memory_gb=80, in_stock=True)
    ]
    status, _ = unmarshal(getattr(_invoke(plugin, "pulumi-gpu:gpudev:getClusterStatus"), "return"))
    assert status["totalGpus"] == gpudev.get_cluster_status().total_gpus, "a model's fields"
    assert set(status) == {camel(f) for f in type(gpudev.get_cluster_status()).model_fields}


def test_bad_arguments_are_failures_named_in_camelcase(plugin: Any, configure: Any) -> None:
    answer = _invoke(
        plugin,
        "pulumi-gpu:index:getOffers",
        {"count": 0.0, "clouds": ["runpod", "aws"], "maxPrice": 3.0},
    )
    failures = {f.property: f.reason for f in answer.failures}
    assert set(failures) == {"clouds[1]", "maxPrice"}, failures
    assert "'celium', 'runpod', 'primeintellect' or 'gpudev'" in failures["clouds[1]"]
    answer = _invoke(plugin, "pulumi-gpu:celium:getExecutors", {"gpuCount": 0.0})
    ((where, why),) = [(f.property, f.reason) for f in answer.failures]
    assert where == "gpuCount" and "greater than or equal to 1" in why


def test_a_cloud_refusal_is_one_message_without_the_key(plugin: Any, configure: Any) -> None:
    configure(runpodApiKey="wrong-key-4242")
    with pytest.raises(grpc.RpcError) as raised:
        _invoke(plugin, "pulumi-gpu:runpod:getPods")
    said = raised.value.details()
    assert said.startswith("runpod.get_pods: ") and "401" in said, said
    assert "Traceback" not in said
    assert "wrong-key-4242" not in said
    with pytest.raises(grpc.RpcError) as raised:
        _invoke(plugin, "pulumi-gpu:runpod:getNothing")
    assert raised.value.details() == "pulumi-gpu has no function pulumi-gpu:runpod:getNothing"


def test_an_answer_to_a_secret_argument_is_secret(plugin: Any, configure: Any) -> None:
    args = {"includeEnded": True}
    answer = _invoke(plugin, "pulumi-gpu:gpudev:getPods", args)
    assert unmarshal(getattr(answer, "return"))[1] == frozenset()
    answer = _invoke(plugin, "pulumi-gpu:gpudev:getPods", args, secret=frozenset(args))
    assert unmarshal(getattr(answer, "return"))[1] == {"pods"}
