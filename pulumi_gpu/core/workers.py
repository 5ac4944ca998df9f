"""The dynamic-provider process: more than four operations at once, and its engine's life.

Pulumi runs every Python dynamic resource of a stack through one process,
``python -m pulumi.dynamic``, whose gRPC server is built on
``ThreadPoolExecutor(max_workers=4)`` (pulumi/dynamic/__main__.py). A create that
waits ten minutes for a pod holds one of those four threads, so a fleet of N pods
would come up in ceil(N/4) rounds although the engine asks for all N at once.

:func:`raise_worker_limit` finds that server's executor and raises its limit (the
executor starts threads lazily up to ``_max_workers``, and here also for operations
already queued). It relies on SDK and grpcio internals,
so it checks every assumption; when one no longer holds (a future SDK changed the
shape) it warns once and the provider goes on four at a time: a speed-up must never
turn into an outage.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.log import report

WORKER_LIMIT = 256
"""Resource operations the provider process may run at once."""

_lock = threading.Lock()
_raised = False
_engine_pid: int | None = None


class WorkerLimitError(GpuCloudError):
    """The dynamic-provider server no longer has the shape this package knows."""


def in_dynamic_provider_process() -> bool:
    """True when this process is Pulumi's Python dynamic-provider server."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def raise_worker_limit(limit: int = WORKER_LIMIT) -> None:
    """Lift the dynamic-provider gRPC server's worker limit to ``limit`` (once per process).

    Does nothing outside the dynamic-provider process (unit tests, programs). If the
    server no longer has the expected shape, warns once and leaves it as it is.
    """
    global _raised, _engine_pid
    with _lock:
        if _raised or not in_dynamic_provider_process():
            return
        _raised = True
        _engine_pid = _engine()
        try:
            _lift(limit)
        except Exception as exc:  # any surprise in SDK internals: degrade, never break
            report(f"warning: {exc}")


def engine_gone() -> bool:
    """True once the Pulumi engine that started this provider process has exited (killed
    mid-update): whatever an operation makes now can no longer be recorded in the state."""
    if _engine_pid is None:
        return False
    state = _proc_stat(_engine_pid)
    if state is None:  # no /proc: the engine is the parent (or the launcher it kills)
        return os.getppid() != _engine_pid
    return state == "gone" or state.split()[0] == "Z"


def _engine() -> int:
    """The ``pulumi`` process above this one (Pulumi starts the provider through a small
    shell launcher); the parent where processes cannot be inspected."""
    pid = os.getppid()
    for _ in range(3):
        try:
            exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
        except OSError:
            return os.getppid()
        if exe == "pulumi":
            return pid
        state = _proc_stat(pid)
        if state is None or state == "gone":
            break
        pid = int(state.split()[1])
    return os.getppid()


def _proc_stat(pid: int) -> str | None:
    """``<state> <ppid>`` of a process from /proc; "gone" if it has exited; None where
    there is no /proc."""
    if not os.path.isdir("/proc/self"):
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return "gone"
    return f"{fields[0]} {fields[1]}"


def _lift(limit: int) -> None:
    executor = _server_executor()
    if executor._max_workers < limit:
        executor._max_workers = limit
    if executor._max_workers < limit:  # pragma: no cover - a read-only attribute one day
        raise WorkerLimitError(_changed("its worker limit did not change"))
    # Operations that arrived while all four threads were busy wait in the queue;
    # give each a thread now (the executor only starts threads on submit).
    for _ in range(executor._work_queue.qsize()):
        executor._adjust_thread_count()


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
        f"{version('pulumi')} / grpcio {version('grpcio')} ({detail}); resources go on "
        f"waiting four at a time. A pulumi SDK this release was tested with (3.259.0) "
        f"lifts the limit."
    )
