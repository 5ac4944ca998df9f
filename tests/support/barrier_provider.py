"""A provider whose creates wait for each other: they finish only if all run at once."""

from __future__ import annotations

import threading
from typing import Any

from pulumi.dynamic import ConfigureRequest, CreateResult, ResourceProvider

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.workers import prepare_provider_process

_barrier: threading.Barrier | None = None
_lock = threading.Lock()


class BarrierProvider(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        prepare_provider_process()

    def create(self, props: dict[str, Any]) -> CreateResult:
        global _barrier
        with _lock:
            if _barrier is None:
                _barrier = threading.Barrier(int(props["parties"]), timeout=20)
        _barrier.wait()  # raises BrokenBarrierError if fewer run at once
        return CreateResult(f"box-{int(props['index'])}", {})


class ChangedSdkProvider(BarrierProvider):
    """As if a future SDK changed the server's shape: the limit cannot be found."""

    def configure(self, req: ConfigureRequest) -> None:
        import grpc

        grpc._server._Server = None  # type: ignore[attr-defined]
        super().configure(req)


class FailingProvider(BarrierProvider):
    """Creates fail: with a message for a person (a GpuCloudError), or with a bug."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        if props["bug"]:
            raise KeyError("a bug")
        raise GpuCloudError(str(props["message"]))
