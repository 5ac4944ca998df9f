"""The dynamic-provider process: more than four operations at once, errors said plainly,
and its engine's life.

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

:func:`say_errors_plainly` does the same kind of surgery for messages: gRPC reports an
exception escaping a handler as "Exception calling application: <message>" and logs its
traceback, and newer SDKs answer with the whole traceback. A :class:`GpuCloudError` is
a message for a person, so it is answered with its message alone (other exceptions are
bugs and keep the SDK's and gRPC's wording). The operation that loads pulumi-gpu into
the process runs before the wrapping: in an `up` a Check (whose failures are answers,
not errors), in a `destroy` or `refresh` its first delete or read.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.log import redacted, report

WORKER_LIMIT = 256
"""Resource operations the provider process may run at once."""

_lock = threading.Lock()
_raised = False
_engine_pid: int | None = None


class ServerShapeError(GpuCloudError):
    """The dynamic-provider server no longer has the shape this package knows."""


def in_dynamic_provider_process() -> bool:
    """True when this process is Pulumi's Python dynamic-provider server."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def prepare_provider_process(limit: int = WORKER_LIMIT) -> None:
    """Once per process: lift the gRPC server's worker limit to ``limit`` and have it say
    errors plainly.

    Does nothing outside the dynamic-provider process (unit tests, programs). If the
    server no longer has the expected shape, warns once and leaves it as it is.
    """
    global _raised, _engine_pid
    with _lock:
        if _raised or not in_dynamic_provider_process():
            return
        _raised = True
        _engine_pid = _engine()
        steps: list[tuple[Callable[[], None], str, str]] = [
            (
                lambda: _lift(limit),
                "raise the dynamic provider's 4-thread limit",
                "resources go on waiting four at a time",
            ),
            (
                say_errors_plainly,
                "say provider errors plainly",
                "they keep gRPC's 'Exception calling application:' prefix",
            ),
        ]
        for step, goal, consequence in steps:
            try:
                step()
            except Exception as exc:  # any surprise in SDK internals: degrade, never break
                report(f"warning: {_changed(goal, str(exc), consequence)}")


def follow_engine() -> None:
    """In a process of pulumi-gpu's own provider plugin (``pulumi_gpu.plugin``), which has
    no server to patch: know the engine that started it, so :func:`engine_gone` tells
    there too when it was killed."""
    global _engine_pid
    with _lock:
        _engine_pid = _engine()


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
        raise ServerShapeError("its worker limit did not change")
    # Operations that arrived while all four threads were busy wait in the queue;
    # give each a thread now (the executor only starts threads on submit).
    for _ in range(executor._work_queue.qsize()):
        executor._adjust_thread_count()


def say_errors_plainly() -> None:
    """Wrap every method handler of the provider's gRPC server so that a GpuCloudError
    aborts the call with its message as the status details (see the module's doc)."""
    import grpc

    handlers = [
        table
        for generic in getattr(_server_state(), "generic_handlers", [])
        if isinstance(table := getattr(generic, "_method_handlers", None), dict)
    ]
    if not handlers:
        raise ServerShapeError("its method handlers are not where they were")
    for table in handlers:
        for method, handler in table.items():
            if handler.unary_unary is not None:
                table[method] = handler._replace(unary_unary=_plain(handler.unary_unary, grpc))


def _plain(behavior: Callable[[Any, Any], Any], grpc: Any) -> Callable[[Any, Any], Any]:
    def call(request: Any, context: Any) -> Any:
        try:
            return behavior(request, _PlainContext(context))
        except GpuCloudError as exc:
            context.abort(grpc.StatusCode.UNKNOWN, redacted(str(exc)))

    return call


class _PlainContext:
    """A handler's gRPC context whose ``abort``, called while a GpuCloudError is being
    handled, gives that error's message: newer SDKs catch every exception in the
    servicer and abort with the whole traceback as the details."""

    def __init__(self, context: Any) -> None:
        self._context = context

    def abort(self, code: Any, details: str) -> None:
        handling = sys.exc_info()[1]
        if isinstance(handling, GpuCloudError):
            details = str(handling)
        self._context.abort(code, redacted(details))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


@functools.cache
def _server_state() -> object:
    """The provider's gRPC server state, found once per process (a scan of every object)."""
    import grpc  # the provider process always has it (pulumi depends on grpcio)

    server_type = getattr(getattr(grpc, "_server", None), "_Server", None)
    if server_type is None:
        raise ServerShapeError("grpc._server._Server no longer exists")
    servers = [obj for obj in gc.get_objects() if isinstance(obj, server_type)]
    if len(servers) != 1:
        raise ServerShapeError(f"found {len(servers)} gRPC servers, expected 1")
    return getattr(servers[0], "_state", None)


def _server_executor() -> ThreadPoolExecutor:
    executor = getattr(_server_state(), "thread_pool", None)
    if not isinstance(executor, ThreadPoolExecutor) or not all(
        hasattr(executor, name) for name in ("_max_workers", "_work_queue", "_adjust_thread_count")
    ):
        raise ServerShapeError("the gRPC server has no ThreadPoolExecutor")
    return executor


def _changed(goal: str, detail: str, consequence: str) -> str:
    from importlib.metadata import version

    return (
        f"pulumi-gpu cannot {goal} with pulumi {version('pulumi')} / grpcio "
        f"{version('grpcio')} ({detail}); {consequence}. A pulumi SDK this release was "
        "tested with (3.259.0) can."
    )
