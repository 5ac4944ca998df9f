"""What every emulated cloud provides to the emulator."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.state import CloudError, WaitTracker


class EmulatedCloud:
    """One cloud: its state and rules, its real API router, its admin controls.

    Subclasses set :attr:`name` (also the URL prefix), build :meth:`router` (the
    cloud's real paths and shapes) and :meth:`admin_router` (controls under
    ``/_emulator/<name>``), and render errors the way the real cloud does.
    """

    name: str = "cloud"

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.waits = WaitTracker()

    def router(self) -> APIRouter:
        raise NotImplementedError

    def admin_router(self) -> APIRouter:
        return APIRouter()

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
