"""The provider plugin's gRPC server, in this process, for its tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_gpu.plugin.server import serve


@pytest.fixture(scope="module")
def plugin() -> Iterator[Any]:
    """A ``ResourceProvider`` client of a plugin server started for the module."""
    server, port = serve(executor_threads=4)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        channel.close()
        server.stop(0)
