"""More than four resource operations at once in the dynamic-provider process.

Pulumi runs every Python dynamic resource of a stack through one process,
``python -m pulumi.dynamic``, whose gRPC server is built on
``ThreadPoolExecutor(max_workers=4)`` (pulumi/dynamic/__main__.py). A create that
waits ten minutes for a pod holds one of those four threads, so a fleet of N pods
would come up in ceil(N/4) rounds although the engine asks for all N at once.

:func:`raise_worker_limit` finds that server's executor and raises its limit (the
executor starts threads lazily up to ``_max_workers``, and here also for operations
already queued). It relies on SDK and grpcio internals,
so it checks every assumption and raises :class:`WorkerLimitError` when one no longer
holds: a future SDK that changes the shape fails loudly rather than silently
falling back to four at a time.
"""

from __future__ import annotations

import gc
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pulumi_gpu.core.errors import GpuCloudError

WORKER_LIMIT = 256
"""Resource operations the provider process may run at once."""

_lock = threading.Lock()
_raised = False


class WorkerLimitError(GpuCloudError):
    """The dynamic-provider server no longer has the shape this package knows."""


def in_dynamic_provider_process() -> bool:
    """True when this process is Pulumi's Python dynamic-provider server."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def raise_worker_limit(limit: int = WORKER_LIMIT) -> None:
    """Lift the dynamic-provider gRPC server's worker limit to ``limit`` (once per process).

    Does nothing outside the dynamic-provider process (unit tests, programs).
    """
    global _raised
    with _lock:
        if _raised or not in_dynamic_provider_process():
            return
        executor = _server_executor()
        if executor._max_workers < limit:
            executor._max_workers = limit
        if executor._max_workers < limit:  # pragma: no cover - a read-only attribute one day
            raise WorkerLimitError(_changed("its worker limit did not change"))
        # Operations that arrived while all four threads were busy wait in the queue;
        # give each a thread now (the executor only starts threads on submit).
        for _ in range(executor._work_queue.qsize()):
            executor._adjust_thread_count()
        _raised = True


def _server_executor() -> ThreadPoolExecutor:
    import grpc  # the provider process always has it (pulumi depends on grpcio)

    server_type = getattr(getattr(grpc, "_server", None), "_Server", None)
    if server_type is None:
        raise WorkerLimitError(_changed("grpc._server._Server no longer exists"))
    servers = [obj for obj in gc.get_objects() if isinstance(obj, server_type)]
    if len(servers) != 1:
        raise WorkerLimitError(_changed(f"found {len(servers)} gRPC servers, expected 1"))
    executor = getattr(getattr(servers[0], "_state", None), "thread_pool", None)
    if not isinstance(executor, ThreadPoolExecutor) or not all(
        hasattr(executor, name) for name in ("_max_workers", "_work_queue", "_adjust_thread_count")
    ):
        raise WorkerLimitError(_changed("the gRPC server has no ThreadPoolExecutor"))
    return executor


def _changed(detail: str) -> str:
    from importlib.metadata import version

    return (
        f"pulumi-gpu cannot raise the dynamic provider's 4-thread limit with pulumi "
        f"{version('pulumi')} / grpcio {version('grpcio')} ({detail}). Resources would "
        f"wait four at a time. Use a pulumi SDK version this pulumi-gpu release was "
        f"tested with (3.259.0) or report this issue."
    )
