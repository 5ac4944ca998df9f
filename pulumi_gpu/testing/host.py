"""Hosting inline programs: a program's ``pulumi.RunError`` is reported once.

:class:`~pulumi_gpu.testing.stack.ProgramStack` runs a program through the Automation
API, whose language server (``pulumi.automation._server.LanguageServer``) logs a
``RunError``'s message as an error diagnostic and also returns it as the run's error,
which the engine prints a second time as "an unhandled error occurred: ...": a fleet
file's mistake or a budget refusal read twice, the second time as if the program had
crashed. Pulumi's own Python language host logs the message and exits with the code
that means "reported already" (32), which the engine reads as ``RunResponse.bail``:
the run failed and nothing more is said. :class:`OnceLanguageServer` does the same for
inline programs: when the run ended with a ``RunError`` that the SDK logged as it is,
it answers ``bail`` instead of the error. Any other failure (a crash, with its
traceback) is answered as the SDK answers it.

:func:`install` puts it where the Automation API builds its language server, once per
process (as :func:`~pulumi_gpu.testing.stack._own_subchannels` adjusts the SDK's
channel options), and fails loudly if that seam has moved in the installed SDK.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.automation import _server, _stack
from pulumi.runtime.proto import language_pb2


class SdkMismatch(RuntimeError):
    """The installed Pulumi SDK hosts inline programs in a way this module does not know."""


class OnceLanguageServer(_server.LanguageServer):
    """The Automation API's language server, answering ``bail`` for a logged ``RunError``.

    Which exception ended the run is read from the asyncio task that ran the program
    (the one the SDK's ``Run`` drives to completion): it is the very exception ``Run``
    caught, whether the program raised it or a resource registration did later.
    """

    def __init__(self, program: Callable[[], Any]) -> None:
        self._tasks: list[asyncio.Task[Any]] = []

        def program_in_its_task() -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.append(task)
            return program()

        super().__init__(program_in_its_task)

    def Run(self, request: Any, context: Any) -> Any:
        self._tasks.clear()
        try:
            response = super().Run(request, context)  # type: ignore[no-untyped-call]
            ended = self._ended_with()
        finally:
            self._tasks.clear()  # nothing of a finished program is kept alive here
        # The SDK logs a RunError's message, as it is, before returning that same text.
        if isinstance(ended, pulumi.RunError) and response.error == str(ended):
            response.bail = True
            response.error = ""
        return response

    def _ended_with(self) -> BaseException | None:
        if len(self._tasks) != 1:
            return None
        task = self._tasks[0]
        if not task.done() or task.cancelled():
            return None
        return task.exception()


_install_lock = threading.Lock()


def install() -> None:
    """Have the Automation API host inline programs with :class:`OnceLanguageServer`.

    Raises :class:`SdkMismatch` if the SDK no longer builds its language server from
    ``pulumi.automation._stack.LanguageServer``, or its ``RunResponse`` has no ``bail``.
    """
    with _install_lock:
        current = getattr(_stack, "LanguageServer", None)
        if current is OnceLanguageServer:
            return
        if current is not _server.LanguageServer or not callable(getattr(current, "Run", None)):
            raise SdkMismatch(
                f"pulumi {pulumi_version()}: pulumi.automation._stack no longer builds its "
                "language server from pulumi.automation._server.LanguageServer; "
                "pulumi_gpu.testing.host needs updating for this SDK"
            )
        if "bail" not in language_pb2.RunResponse.DESCRIPTOR.fields_by_name:
            raise SdkMismatch(
                f"pulumi {pulumi_version()}: RunResponse has no 'bail' field; "
                "pulumi_gpu.testing.host needs updating for this SDK"
            )
        _stack.LanguageServer = OnceLanguageServer  # type: ignore[attr-defined]


def pulumi_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pulumi")
    except PackageNotFoundError:
        return "(unknown version)"
