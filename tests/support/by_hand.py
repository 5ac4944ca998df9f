"""The emulated clouds' APIs called directly, as a person with curl would (for tests that
need objects made outside Pulumi)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from pulumi_gpu.emulator import Emulator, EmulatorServer


class ByHand:
    """The clouds' APIs called directly, as a person with curl would."""

    def __init__(self, emulator: Emulator, server: EmulatorServer) -> None:
        settings, secrets = emulator.stack_config(server.url())
        self.urls = {
            "runpod": settings["pulumi-gpu:runpodEndpoint"],
            "primeintellect": settings["pulumi-gpu:primeEndpoint"],
            "celium": settings["pulumi-gpu:celiumEndpoint"],
        }
        self.headers = {
            "runpod": {"Authorization": f"Bearer {secrets['pulumi-gpu:runpodApiKey']}"},
            "primeintellect": {"Authorization": f"Bearer {secrets['pulumi-gpu:primeApiKey']}"},
            "celium": {"X-API-KEY": secrets["pulumi-gpu:celiumApiKey"]},
        }

    def call(self, cloud: str, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method, self.urls[cloud] + path, headers=self.headers[cloud], timeout=10, **kwargs
        )
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def until(self, cloud: str, path: str, done: Callable[[Any], bool]) -> Any:
        for _ in range(300):
            seen = self.call(cloud, "GET", path)
            if done(seen):
                return seen
            time.sleep(0.1)
        raise AssertionError(f"{cloud} {path} never got there: {seen}")
