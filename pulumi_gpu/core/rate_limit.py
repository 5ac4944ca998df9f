"""Pacing requests by the budget a cloud announces, so a big fleet is never refused.

RunPod (and any cloud using the IETF ``RateLimit`` header) says on every answer how
many requests its windows still allow: ``"minute";r=12;t=40, "hour";r=2800;t=1812``.
Sixty-four threads that each wait for a 429 before slowing down would each be refused;
:class:`RateBudget` instead keeps the announced budget for one client and hands it out:

- a request may go while the tightest window has requests left (less those sent and
  not yet answered, which the cloud may not have counted; answers that come back out of
  order never raise the count within a window: ``t`` is in whole seconds, so a later
  reset by more than a second tells a new window);
- when it is spent, senders wait until that window resets;
- while the budget is unknown (before the first answer, or after a reset) one request
  goes alone to learn it; a cloud that announces nothing is never paced.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

_ITEM = re.compile(r'"?(?P<name>[^";,]+)"?(?P<params>(?:\s*;\s*[a-z]+=[^;,]*)*)')


def rate_limit_windows(value: str | None) -> list[tuple[int, float]]:
    """``(remaining, seconds to reset)`` of each window of a ``RateLimit`` header."""
    windows = []
    for item in _ITEM.finditer(value or ""):
        params = dict(
            part.strip().split("=", 1) for part in item["params"].split(";") if "=" in part
        )
        try:
            windows.append((int(params["r"]), float(params.get("t", "1"))))
        except (KeyError, ValueError):
            continue
    return windows


def parse_rate_limit(value: str | None) -> float | None:
    """Seconds until the last exhausted window of a ``RateLimit`` header resets (None
    when none is exhausted)."""
    waits = [reset for remaining, reset in rate_limit_windows(value) if remaining <= 0]
    return max(waits) if waits else None


class RateBudget:
    """The requests one client may still send, as the cloud last announced them.

    Call :meth:`take` before each request, and :meth:`answered` (with the answer's
    ``RateLimit`` header) or :meth:`unanswered` after it. Thread-safe.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._announces: bool | None = None  # None: the cloud has not answered yet
        self._left: int | None = None  # None: unknown, learn it with one request
        self._resets_at = 0.0
        self._learning = False
        self._in_flight = 0

    def take(self) -> float:
        """0 once the request may go (it is counted), else the seconds until the window
        resets (ask again then). Blocks while the one request learning the budget is out."""
        with self._cond:
            while True:
                if self._announces is False:
                    return self._send()
                now = self._clock()
                if self._left is not None and self._left <= 0 and now >= self._resets_at:
                    self._left = None  # a new window: learn what it allows
                if self._left is None:
                    if self._learning:
                        self._cond.wait()
                        continue
                    self._learning = True
                    return self._send()
                if self._left > 0:
                    self._left -= 1
                    return self._send()
                return self._resets_at - now

    def take_anyway(self) -> None:
        """Count a request sent without waiting any longer (the wait was capped)."""
        with self._cond:
            if self._left is not None:
                self._left -= 1
            self._send()

    def answered(self, header: str | None) -> None:
        """A request taken was answered; ``header``: the answer's ``RateLimit`` header."""
        windows = rate_limit_windows(header)
        with self._cond:
            self._returned()
            if windows:
                self._announces = True
                remaining, reset = min(windows, key=lambda w: (w[0], -w[1]))
                # Requests still out may not have been counted in ``remaining`` yet.
                left = remaining - self._in_flight
                resets_at = self._clock() + reset
                if self._left is None or resets_at > self._resets_at + 1:
                    self._left, self._resets_at = left, resets_at  # a window not yet counted
                else:  # answers of one window may come back out of order: the least holds
                    self._left = min(self._left, left)
                    self._resets_at = max(self._resets_at, resets_at)
            elif self._announces is None:
                self._announces = False

    def unanswered(self) -> None:
        """A request taken got no answer: nothing was learned."""
        with self._cond:
            self._returned()

    def _returned(self) -> None:
        self._in_flight -= 1
        self._learning = False
        self._cond.notify_all()

    def _send(self) -> float:
        self._in_flight += 1
        return 0.0
