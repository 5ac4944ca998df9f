"""Who may call the emulated RunPod and how often: Bearer keys, scopes, rate limits."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pulumi_gpu.emulator.state import CloudError


@dataclass(frozen=True)
class Account:
    """Who a key belongs to and what it may do: area -> "read" or "write"."""

    owner: str
    scopes: dict[str, str]

    def allows(self, area: str, write: bool) -> bool:
        granted = self.scopes.get(area)
        return granted == "write" or (granted == "read" and not write)


_EVERYTHING = {
    "pods": "write",
    "templates": "write",
    "volumes": "write",
    "registries": "write",  # guess: the stored spec names no scopes; one area of its own
    "catalog": "read",
    "account": "write",
}
_READ_ONLY = {area: "read" for area in _EVERYTHING}

API_KEYS: dict[str, Account] = {
    "runpod-emulator-key": Account("user_1", _EVERYTHING),
    "runpod-readonly-key": Account("user_1", _READ_ONLY),
    "runpod-storage-key": Account("user_1", {"volumes": "write", "catalog": "read"}),
    "runpod-second-account-key": Account("user_2", _EVERYTHING),
}
"""Keys the emulated RunPod accepts (``Authorization: Bearer <key>``): the account behind
each and its scopes. A key lacking the scope of a request answers 403 "access denied"."""


def authenticate(authorization: str | None) -> tuple[str, Account]:
    """The key and account of an ``Authorization`` header, or 401."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise CloudError(401, "missing bearer token")
    account = API_KEYS.get(token)
    if account is None:
        raise CloudError(401, "invalid bearer token")  # guess: the wording is undocumented
    return token, account


@dataclass
class Window:
    """One rate-limit window: ``quota`` requests per ``seconds``."""

    name: str
    quota: int
    seconds: float


DEFAULT_WINDOWS = (
    Window("minute", 6000, 60),
    Window("hour", 200_000, 3600),
    Window("day", 2_000_000, 86400),
)
"""Generous by default (guess: RunPod publishes no quotas; the spec's 60/3000/50000 are
examples) so polling fleets are not throttled unless a test asks for it."""


@dataclass
class RateDecision:
    allowed: bool
    headers: dict[str, str]
    """``RateLimit`` and ``RateLimit-Policy``, for every authenticated answer."""
    retry_after: int = 0
    window: str = ""


class RateLimiter:
    """Fixed windows per key, in real time: a rate limit is about the client's real pace,
    so its ``Retry-After`` and ``t=`` are seconds a client really has to wait."""

    def __init__(
        self,
        windows: Iterable[Window] = DEFAULT_WINDOWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.windows = [Window(w.name, w.quota, w.seconds) for w in windows]
        self._used: dict[tuple[str, str], tuple[float, int]] = {}

    def configure(self, name: str, quota: int, seconds: float) -> None:
        """Set (or add) one window and start counting afresh."""
        with self._lock:
            for window in self.windows:
                if window.name == name:
                    window.quota, window.seconds = quota, seconds
                    break
            else:
                self.windows.append(Window(name, quota, seconds))
            self._used.clear()

    def reset(self) -> None:
        with self._lock:
            self.windows = [Window(w.name, w.quota, w.seconds) for w in DEFAULT_WINDOWS]
            self._used.clear()

    def take(self, key: str) -> RateDecision:
        """Count one request of ``key``, or refuse it when a window is used up."""
        with self._lock:
            now = self._clock()
            spans = []
            for window in self.windows:
                start, count = self._used.get((key, window.name), (now, 0))
                if now - start >= window.seconds:
                    start, count = now, 0
                spans.append((window, start, count))
            full = [(w, start) for w, start, count in spans if count >= w.quota]
            if not full:
                spans = [(w, start, count + 1) for w, start, count in spans]
                for w, start, count in spans:
                    self._used[(key, w.name)] = (start, count)
            headers = _headers(spans, now)
            if not full:
                return RateDecision(True, headers)
            window, start = max(full, key=lambda f: f[1] + f[0].seconds)
            return RateDecision(
                False, headers, max(_ceil(start + window.seconds - now), 1), window.name
            )


def _headers(spans: list[tuple[Window, float, int]], now: float) -> dict[str, str]:
    limit = ", ".join(
        f'"{w.name}";r={max(w.quota - count, 0)};t={_ceil(start + w.seconds - now)}'
        for w, start, count in spans
    )
    policy = ", ".join(f'"{w.name}";q={w.quota};w={_ceil(w.seconds)}' for w, _, _ in spans)
    return {"RateLimit": limit, "RateLimit-Policy": policy}


def _ceil(seconds: float) -> int:
    return max(math.ceil(seconds - 1e-9), 0)
