"""A provider whose creates wait for each other: they finish only if all run at once."""

from __future__ import annotations

import threading
from typing import Any

from pulumi.dynamic import ConfigureRequest, CreateResult, ResourceProvider

from pulumi_gpu.core.workers import raise_worker_limit

_barrier: threading.Barrier | None = None
_lock = threading.Lock()


class BarrierProvider(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        raise_worker_limit()

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
