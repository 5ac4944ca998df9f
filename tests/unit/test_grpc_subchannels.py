"""Why one test process can run many programs: each gRPC channel the Pulumi SDK opens gets
connections of its own (see ``pulumi_gpu.testing.stack._own_subchannels``)."""

from __future__ import annotations

import time
from concurrent import futures
from typing import Any

import grpc

from pulumi_gpu.testing.stack import _OWN_SUBCHANNELS, _own_subchannels

GENERIC = grpc.method_handlers_generic_handler(
    "t.T", {"M": grpc.unary_unary_rpc_method_handler(lambda request, context: b"ok")}
)


def _serve(port: int) -> tuple[Any, int]:
    server = grpc.server(futures.ThreadPoolExecutor(2))
    server.add_generic_rpc_handlers((GENERIC,))
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, bound


def _call(channel: grpc.Channel) -> str:
    try:
        return str(channel.unary_unary("/t.T/M")(b"x", timeout=5))
    except grpc.RpcError as exc:
        return str(exc.code())


BACKOFF = [
    ("grpc.initial_reconnect_backoff_ms", 60_000),
    ("grpc.min_reconnect_backoff_ms", 60_000),
    ("grpc.max_reconnect_backoff_ms", 60_000),
]
"""A failed connection is not tried again for a minute. With gRPC's default backoff
(1 s, then 1.6 s, +-20 %) the shared subchannel tried again on its own and reached the
next engine when the machine stalled for about 2 s after that engine started (a loaded
CI run did): the cause shown below came and went with the machine's load."""


def _next_engine_answers(options: list[tuple[str, int]]) -> str:
    """An engine exits while a finished program's channel to it lives on and fails; the
    next engine gets the same port: does a new program's first call reach it?"""
    options = [*options, *BACKOFF]
    server, port = _serve(0)
    finished = grpc.insecure_channel(f"127.0.0.1:{port}", options=options)
    assert _call(finished) == "b'ok'"
    server.stop(0)
    for _ in range(4):
        _call(finished)
        time.sleep(0.2)
    server, _ = _serve(port)
    try:
        return _call(grpc.insecure_channel(f"127.0.0.1:{port}", options=options))
    finally:
        server.stop(0)


def test_a_shared_connection_pool_refuses_the_next_engine_on_a_reused_port() -> None:
    assert _next_engine_answers([]) == "StatusCode.UNAVAILABLE"  # the flake's cause
    assert _next_engine_answers([_OWN_SUBCHANNELS]) == "b'ok'"  # the fix


def test_the_sdk_channels_get_pools_of_their_own() -> None:
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS

    _own_subchannels()
    _own_subchannels()
    assert _GRPC_CHANNEL_OPTIONS.count(_OWN_SUBCHANNELS) == 1
