"""Building blocks of the emulated clouds' state: timelines, errors, wait records."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

GONE = "__gone__"
"""Timeline status of an object that no longer exists."""


class Timeline:
    """A status that changes at declared simulated times.

    ``Timeline(t0, "PENDING", [(90, "RUNNING")])`` is PENDING from ``t0`` and RUNNING
    from ``t0 + 90``. :meth:`go` replaces the future (an action or an injected fault).
    """

    def __init__(self, start: float, status: str, then: Iterable[tuple[float, str]] = ()) -> None:
        self._at: list[float] = [start]
        self._status: list[str] = [status]
        self._extend(start, then)

    def _extend(self, base: float, then: Iterable[tuple[float, str]]) -> None:
        for delay, status in then:
            self._at.append(base + delay)
            self._status.append(status)

    def status(self, now: float) -> str:
        index = bisect.bisect_right(self._at, now) - 1
        return self._status[max(index, 0)]

    def since(self, now: float) -> float:
        """When the current status began."""
        index = bisect.bisect_right(self._at, now) - 1
        return self._at[max(index, 0)]

    def go(self, now: float, status: str, then: Iterable[tuple[float, str]] = ()) -> None:
        """From ``now``: ``status``, followed by ``then`` (delays relative to now)."""
        keep = bisect.bisect_right(self._at, now)
        del self._at[keep:], self._status[keep:]
        self._at.append(now)
        self._status.append(status)
        self._extend(now, then)

    def stretch(self, at: float, status: str) -> tuple[float, float | None] | None:
        """(start, end) of ``status`` declared to begin at ``at`` (end None: nothing follows
        it), or None when no such status is declared to begin then."""
        low, high = bisect.bisect_left(self._at, at), bisect.bisect_right(self._at, at)
        for index in range(low, high):
            if self._status[index] == status:
                return at, self._at[index + 1] if index + 1 < len(self._at) else None
        return None

    def replan(self, after: float, then: Iterable[tuple[float, str]]) -> None:
        """Replace what is declared after ``after`` by ``then`` (absolute times)."""
        keep = bisect.bisect_right(self._at, after)
        del self._at[keep:], self._status[keep:]
        self._extend(0.0, then)

    def upcoming(self, now: float) -> list[str]:
        """Statuses still to come."""
        return self._status[bisect.bisect_right(self._at, now) :]


class CloudError(Exception):
    """An error answer of an emulated cloud; each cloud renders it in its own shape."""

    def __init__(
        self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


class Owned(Protocol):
    @property
    def owner(self) -> str | None: ...


OwnedT = TypeVar("OwnedT", bound=Owned)


def owned(table: Mapping[str, OwnedT], object_id: str, owner: str | None, missing: str) -> OwnedT:
    """``table[object_id]`` if it belongs to ``owner`` (``None``: to anyone, for the
    emulator's controls), else a 404 with ``missing``: a cloud answers the same for
    another account's object as for no object."""
    found = table.get(object_id)
    if found is None or owner not in (None, found.owner):
        raise CloudError(404, missing)
    return found


@dataclass
class WaitRecord:
    """A client's wait for one object: from its creation to the first read that saw it ready."""

    key: str
    started: float
    ready_seen: float | None = None


class WaitTracker:
    """Records waits so tests can tell whether clients waited concurrently."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, WaitRecord] = {}

    def started(self, key: str) -> None:
        with self._lock:
            self._records[key] = WaitRecord(key, time.monotonic())

    def seen_ready(self, key: str) -> None:
        with self._lock:
            record = self._records.get(key)
            if record is not None and record.ready_seen is None:
                record.ready_seen = time.monotonic()

    def records(self) -> list[WaitRecord]:
        with self._lock:
            return list(self._records.values())

    def max_overlap(self) -> int:
        """The most waits that were in progress at the same moment (finished ones only)."""
        events: list[tuple[float, int]] = []
        for record in self.records():
            if record.ready_seen is not None:
                events += [(record.started, 1), (record.ready_seen, -1)]
        peak = current = 0
        for _, step in sorted(events, key=lambda e: (e[0], e[1])):
            current += step
            peak = max(peak, current)
        return peak

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


@dataclass
class RequestRecord:
    """One request as the emulator saw it (never its headers: they hold credentials)."""

    seq: int
    at: float
    sim_at: float
    cloud: str
    method: str
    path: str
    query: str
    status: int = 0
    fault: str | None = None


@dataclass
class RequestLog:
    """Every request the emulator served, in order."""

    records: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            record.seq = len(self.records) + 1
            self.records.append(record)

    def find(
        self, cloud: str | None = None, method: str | None = None, path: str | None = None
    ) -> list[RequestRecord]:
        """Records matching the given cloud, method and path glob."""
        from fnmatch import fnmatchcase

        with self._lock:
            records = list(self.records)
        return [
            r
            for r in records
            if (cloud is None or r.cloud == cloud)
            and (method is None or r.method == method.upper())
            and (path is None or fnmatchcase(r.path, path))
        ]

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
