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
    """Runs an :class:`Emulator` on 127.0.0.1 in a daemon thread (a context manager)."""

    def __init__(self, emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port or _free_port(host)
        config = uvicorn.Config(
            emulator.app(), host=host, port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        quiet_injected_drops()
        self._thread = threading.Thread(target=self._server.run, name="emulator", daemon=True)

    def url(self, cloud: str = "") -> str:
        """Base URL of the server, or of one cloud's API (use it as the endpoint override)."""
        base = f"http://{self.host}:{self.port}"
        return f"{base}/{cloud}" if cloud else base

    def start(self) -> EmulatorServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the emulator did not start on {self.url()}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
