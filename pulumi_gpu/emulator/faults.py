"""Injected faults: error answers, slowness, and creates whose answer is lost."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any


@dataclass
class FaultRule:
    """What to do to the next matching requests.

    Matching: ``cloud`` (e.g. "celium"), ``method``, and ``path``, a glob over the
    cloud's own path (e.g. ``/executors/*/rent``). Effects, combinable:

    - ``delay``: real seconds of latency before anything else;
    - ``status``: answer with this status (and ``body``, ``retry_after``) instead of
      the real answer; without a ``body``, in the cloud's own error shape (RunPod's
      problem+json);
    - ``after_action``: let the request take effect first, then answer ``status``
      (a create that succeeded but looks failed);
    - ``drop``: close the connection without a complete answer (with
      ``after_action``, after the request took effect).

    ``times`` is how many requests it affects (-1: until cleared).
    """

    cloud: str | None = None
    method: str | None = None
    path: str = "*"
    status: int | None = None
    body: Any = None
    retry_after: float | None = None
    delay: float = 0.0
    after_action: bool = False
    drop: bool = False
    times: int = 1
    hits: int = 0

    def matches(self, cloud: str, method: str, path: str) -> bool:
        return (
            (self.cloud is None or self.cloud == cloud)
            and (self.method is None or self.method.upper() == method)
            and fnmatchcase(path, self.path)
        )

    def describe(self) -> str:
        parts = [f"delay={self.delay}"] if self.delay else []
        if self.status:
            parts.append(f"status={self.status}")
        if self.drop:
            parts.append("drop")
        if self.after_action:
            parts.append("after_action")
        return ",".join(parts) or "none"


@dataclass
class FaultInjector:
    """The active fault rules; the first matching rule with uses left applies."""

    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rule: FaultRule | None = None, **kwargs: Any) -> FaultRule:
        rule = rule or FaultRule(**kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def take(self, cloud: str, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(cloud, method, path) and (rule.times < 0 or rule.hits < rule.times):
                    rule.hits += 1
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
