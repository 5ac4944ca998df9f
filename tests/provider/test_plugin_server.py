"""The provider plugin's gRPC server in this process (``pulumi_gpu.plugin.server``), called
as the engine calls it: its schema and version, its configuration, a check, errors said
plainly, and its progress lines in the engine's log."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2

from pulumi_gpu import __version__
from pulumi_gpu.core.log import hide, report, report_to
from pulumi_gpu.plugin.engine_log import EngineLog, current_urn
from pulumi_gpu.plugin.schema import package_schema
from pulumi_gpu.plugin.values import marshal, unmarshal

URN = "urn:pulumi:dev::yaml-fleet::pulumi-gpu:runpod:Pod::notebook"


def test_it_serves_its_version_and_schema(plugin: Any) -> None:
    assert plugin.GetPluginInfo(empty_pb2.Empty()).version == __version__
    served = json.loads(plugin.GetSchema(provider_pb2.GetSchemaRequest()).schema)
    assert served == {**package_schema(), "version": __version__}


def test_its_configuration_keeps_credentials_secret_and_the_stack_identity(
    plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pulumi_gpu.core.config._stack_config", None)  # restored after
    monkeypatch.setattr("pulumi_gpu.plugin.settings._stack_id", None)
    news = marshal({"runpodApiKey": "plain-key-123", "runpodEndpoint": "http://x/runpod/v2"})
    checked = plugin.CheckConfig(provider_pb2.CheckRequest(urn=URN, news=news))
    inputs, secret = unmarshal(checked.inputs)
    assert secret == {"runpodApiKey"}, "a credential set without --secret is kept secret"
    assert inputs["stackId"] and inputs["runpodEndpoint"] == "http://x/runpod/v2"
    again = plugin.CheckConfig(provider_pb2.CheckRequest(urn=URN, olds=checked.inputs, news=news))
    assert unmarshal(again.inputs)[0]["stackId"] == inputs["stackId"]
    diff = plugin.DiffConfig(provider_pb2.DiffRequest(olds=checked.inputs, news=again.inputs))
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
    configured = plugin.Configure(provider_pb2.ConfigureRequest(args=checked.inputs))
    assert configured.acceptSecrets and configured.supportsPreview


def test_a_check_names_mistakes_in_camelcase_and_marks_the_resource(plugin: Any) -> None:
    news = struct_pb2.Struct()
    news.update(
        {
            "gpuType": "NVIDIA GeForce RTX 4090",
            "gpuCount": 99,
            "image": "runpod/pytorch",
            "env": rpc.wrap_rpc_secret({"HF_TOKEN": "hf_secret_value"}),
            "desiredStatus": rpc.UNKNOWN,
        }
    )
    checked = plugin.Check(provider_pb2.CheckRequest(urn=URN, news=news))
    (failure,) = checked.failures
    assert failure.property == "gpuCount" and "16" in failure.reason
    inputs, secret = unmarshal(checked.inputs)
    assert secret == {"env"} and inputs["env"] == {"HF_TOKEN": "hf_secret_value"}
    assert inputs["owner"].endswith("." + inputs["name"].rsplit("-", 1)[1])
    assert inputs["name"].startswith("yaml-fleet-dev-notebook-")
    assert "gpuType" in inputs and "gpu_type" not in inputs


def test_a_failure_reaches_the_engine_as_its_message(plugin: Any) -> None:
    request = provider_pb2.CreateRequest(
        urn="urn:pulumi:dev::p::pulumi-gpu:nowhere:Pod::x", properties=struct_pb2.Struct()
    )
    with pytest.raises(grpc.RpcError) as raised:
        plugin.Create(request)
    assert raised.value.details() == "pulumi-gpu has no resource type pulumi-gpu:nowhere:Pod"


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.said: list[tuple[int, str, str]] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.said.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()


def test_progress_lines_go_to_the_engines_log_under_their_resource() -> None:
    engine = _Engine()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    log = EngineLog(f"127.0.0.1:{port}")
    report_to(log.info)
    try:
        hide(["hf_very_secret"])
        serving = current_urn.set(URN)
        report("runpod Pod notebook: RUNNING with hf_very_secret")
        current_urn.reset(serving)
        log.warning("pulumi-gpu:runpodKey is not a pulumi-gpu setting")
    finally:
        report_to(None)
        server.stop(0)
    assert engine.said == [
        (engine_pb2.INFO, URN, "runpod Pod notebook: RUNNING with [secret]"),
        (engine_pb2.WARNING, "", "pulumi-gpu:runpodKey is not a pulumi-gpu setting"),
    ]
    EngineLog(f"127.0.0.1:{port}").info("the engine is gone: the line is dropped")
