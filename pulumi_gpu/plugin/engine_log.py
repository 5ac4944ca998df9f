"""Progress lines and warnings of the plugin, in the engine's log.

The engine shows a dynamic provider's stderr, but hides a resource plugin's (it logs it
at debug level, and prints it only when the plugin fails to start). So the plugin sends
what it reports to the engine's ``Log`` service, at the address the engine starts it
with, tied to the resource whose call is running in this thread (:data:`current_urn`):
the lines of a wait show under that resource, as Pulumi's own providers' do. A line the
engine cannot take (it has exited) is dropped, as ``core.log.report`` drops it.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

current_urn: ContextVar[str] = ContextVar("current_urn", default="")
"""The URN of the resource whose call this thread serves ("" outside one)."""


class EngineLog:
    """The engine's log, at ``address``."""

    def __init__(self, address: str) -> None:
        self._channel = grpc.insecure_channel(address)
        self._engine = engine_pb2_grpc.EngineStub(self._channel)

    def info(self, message: str) -> None:
        self._log(engine_pb2.INFO, message)

    def warning(self, message: str) -> None:
        self._log(engine_pb2.WARNING, message)

    def _log(self, severity: engine_pb2.LogSeverity.ValueType, message: str) -> None:
        request = engine_pb2.LogRequest(severity=severity, message=message, urn=current_urn.get())
        with contextlib.suppress(grpc.RpcError):  # the engine is gone: nobody to tell
            self._engine.Log(request, timeout=10)
