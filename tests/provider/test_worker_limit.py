"""The dynamic-provider process serves more than four operations at once, and says a
provider's errors plainly.

Drives Pulumi's own provider server (``python -m pulumi.dynamic``) over gRPC with the
SDK's messages, as the engine does: Configure, then 16 concurrent Creates of a provider
whose create blocks on a 16-party barrier. With the SDK's 4 worker threads the barrier
would never fill; after ``configure`` raised the limit, all 16 meet.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import dill
import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.support.barrier_provider import BarrierProvider, ChangedSdkProvider, FailingProvider

PARTIES = 16


@pytest.fixture
def provider_process(tmp_path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "BARRIER_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def provider_server(provider_process) -> provider_pb2_grpc.ResourceProviderStub:
    assert provider_process.stdout is not None
    port = int(provider_process.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield provider_pb2_grpc.ResourceProviderStub(channel)
    channel.close()


def test_sixteen_creates_run_at_once(provider_server, tmp_path) -> None:
    serialized = base64.b64encode(dill.dumps(BarrierProvider())).decode()
    provider_server.Configure(provider_pb2.ConfigureRequest(args=struct_pb2.Struct()))

    def create(index: int) -> str:
        props = struct_pb2.Struct()
        props.update({"__provider": serialized, "index": index, "parties": PARTIES})
        response = provider_server.Create(
            provider_pb2.CreateRequest(urn=f"urn:pulumi:s::p::t::r{index}", properties=props),
            timeout=60,
        )
        return response.id

    with ThreadPoolExecutor(PARTIES) as pool:
        ids = list(pool.map(create, range(PARTIES)))
    assert sorted(ids) == sorted(f"box-{i}" for i in range(PARTIES))


def test_an_sdk_of_another_shape_warns_and_goes_on(provider_server, provider_process) -> None:
    """Raising the limit is a speed-up: if it cannot be done, operations still work."""
    serialized = base64.b64encode(dill.dumps(ChangedSdkProvider())).decode()
    provider_server.Configure(provider_pb2.ConfigureRequest(args=struct_pb2.Struct()))
    props = struct_pb2.Struct()
    props.update({"__provider": serialized, "index": 0, "parties": 1})
    response = provider_server.Create(
        provider_pb2.CreateRequest(urn="urn:pulumi:s::p::t::r0", properties=props), timeout=60
    )
    assert response.id == "box-0"
    provider_process.kill()
    _, stderr = provider_process.communicate()
    assert b"warning: pulumi-gpu cannot raise" in stderr and b"four at a time" in stderr
    assert b"warning: pulumi-gpu cannot say provider errors plainly" in stderr


def test_a_message_for_a_person_comes_without_grpc_wrapping(
    provider_server, provider_process
) -> None:
    """From the process's second operation on: the first loads pulumi-gpu (in an `up`,
    the engine's first operation is a Check, which fails by returning failures)."""
    serialized = base64.b64encode(dill.dumps(FailingProvider())).decode()
    provider_server.Configure(provider_pb2.ConfigureRequest(args=struct_pb2.Struct()))
    news = struct_pb2.Struct()
    news.update({"__provider": serialized})
    provider_server.Check(provider_pb2.CheckRequest(urn="urn:pulumi:s::p::t::r", news=news))
    message = "runpod Pod trainer (pod-1): no RTX 4090 free in US-KS-2; try another data center"

    def create(bug: bool) -> grpc.RpcError:
        props = struct_pb2.Struct()
        props.update({"__provider": serialized, "bug": bug, "message": message})
        with pytest.raises(grpc.RpcError) as failed:
            provider_server.Create(
                provider_pb2.CreateRequest(urn="urn:pulumi:s::p::t::r", properties=props),
                timeout=60,
            )
        return failed.value

    said = create(bug=False)
    assert said.code() == grpc.StatusCode.UNKNOWN and said.details() == message
    bug = create(bug=True)
    # A bug says it is one: gRPC's wording (SDK 3.259), or the SDK's traceback (3.272).
    assert bug.details().startswith(
        ("Exception calling application: 'a bug'", "Traceback (most recent call last):")
    )
    assert "'a bug'" in bug.details()
