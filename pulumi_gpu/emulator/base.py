"""What every emulated cloud provides to the emulator."""

from __future__ import annotations

import importlib
import threading
from typing import Any, cast

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.state import CloudError, WaitTracker


class EmulatedCloud:
    """One cloud: its state and rules, its real API router, its admin controls.

    Subclasses set :attr:`name` (also the URL prefix) and live beside a ``routes``
    module with ``build_router`` (the cloud's real paths and shapes) and
    ``build_admin_router`` (controls under ``/_emulator/<name>``); they render errors
    the way the real cloud does.
    """

    name: str = "cloud"

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.waits = WaitTracker()

    def router(self) -> APIRouter:
        """The cloud's API: ``build_router(self)`` of the ``routes`` module beside the backend."""
        return cast(APIRouter, self._routes().build_router(self))

    def admin_router(self) -> APIRouter:
        """Controls under ``/_emulator/<name>``: ``build_admin_router(self)`` of ``routes``."""
        return cast(APIRouter, self._routes().build_admin_router(self))

    def _routes(self) -> Any:
        package = type(self).__module__.rsplit(".", 1)[0]
        return importlib.import_module(f"{package}.routes")

    def reset(self) -> None:
        self.waits.clear()

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """Stack configuration that points pulumi-gpu at this cloud on the emulator.

        Returns (plain settings, secret settings), e.g. the endpoint and an accepted key.
        """
        raise NotImplementedError

    def leftovers(self) -> dict[str, list[str]]:
        """Ids of the objects that exist now, by kind (what a test expects to be empty)."""
        raise NotImplementedError

    def render_error(self, error: CloudError) -> Response:
        """FastAPI's shape, ``{"detail": ...}``, unless the cloud has its own."""
        return JSONResponse({"detail": error.message, **error.extra}, error.status, error.headers)

    def render_validation_error(self, errors: list[dict[str, Any]]) -> Response:
        return JSONResponse({"detail": errors}, 422)
