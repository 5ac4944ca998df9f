"""Simulated time for the emulator: real time times a speed factor, plus manual jumps."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class SimClock:
    """Simulated wall-clock seconds (epoch based).

    ``speed=60`` makes a ten-minute verification take ten real seconds; ``advance``
    jumps ahead at once (tests use it to expire things without sleeping).
    """

    def __init__(self, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._speed = speed
        self._real_anchor = time.monotonic()
        self._sim_anchor = time.time()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        with self._lock:
            return self._sim_anchor + (time.monotonic() - self._real_anchor) * self._speed

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._sim_anchor += seconds

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        now = self.now()
        with self._lock:
            self._sim_anchor = now
            self._real_anchor = time.monotonic()
            self._speed = speed

    def iso(self, at: float | None = None, *, naive: bool = False) -> str:
        """An ISO-8601 timestamp of ``at`` (default now); naive omits the zone, as Celium does."""
        moment = datetime.fromtimestamp(self.now() if at is None else at, tz=timezone.utc)
        if naive:
            return moment.replace(tzinfo=None).isoformat()
        return moment.isoformat().replace("+00:00", "Z")
