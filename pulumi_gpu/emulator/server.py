"""Serving the emulator over HTTP: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from pulumi_gpu.emulator import Emulator


class _QuietDrops(logging.Filter):
    """Injected connection drops are on purpose; uvicorn need not report them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def quiet_injected_drops() -> None:
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class EmulatorServer:
    """Runs an :class:`Emulator` on 127.0.0.1 in a daemon thread (a context manager).

    :meth:`restart` stops serving and serves again on the same host and port, as a
    restarted ``pulumi-gpu emulator`` process would: give it a new :class:`Emulator` to
    stand for a process that forgot everything. Stopping closes the emulator's SSH
    listeners; starting listens again on those of the pods it still has.
    """

    GRACE = 1
    """Seconds requests in flight may take to finish when the server stops."""

    def __init__(self, emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port or _free_port(host)
        quiet_injected_drops()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, cloud: str = "") -> str:
        """Base URL of the server, or of one cloud's API (use it as the endpoint override)."""
        base = f"http://{self.host}:{self.port}"
        return f"{base}/{cloud}" if cloud else base

    def start(self) -> EmulatorServer:
        self.emulator.open()
        config = uvicorn.Config(
            self.emulator.app(),
            host=self.host,
            port=self.port,
            log_level="warning",
            lifespan="off",
            date_header=False,  # the app dates each answer by the simulated clock
            timeout_graceful_shutdown=self.GRACE,
        )
        server = uvicorn.Server(config)
        listener = _listen(self.host, self.port)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [listener]}, name="emulator", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the emulator did not start on {self.url()}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():  # a request that will not end: stop waiting for it
            server.force_exit = True
            thread.join(timeout=5)
        self._server = self._thread = None
        self.emulator.close()

    def restart(self, emulator: Emulator | None = None) -> EmulatorServer:
        """Stop serving, then serve ``emulator`` (default: the same one, its state kept)
        on the same host and port. Open connections are closed; the port is bound again
        at once (``SO_REUSEADDR``)."""
        self.stop()
        if emulator is not None:
            self.emulator = emulator
        return self.start()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that may take over a port a moment ago in use."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
