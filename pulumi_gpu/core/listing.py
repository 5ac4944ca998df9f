"""One list request for many callers: what a kind's creates and waits read together.

A create first looks for an object an interrupted run left under its name (so nothing
is made twice), and a wait reads its object's status every interval. For a stack of 64
pods that is 64 list requests at create and 64 reads per interval. Where the cloud lists
every object of a kind in one request (RunPod ``GET /pods``, Celium ``GET /pods``, GPU
Dev ``GET /v1/jobs``), those callers share :class:`SharedListing` instead::

    listing = SharedListing(client.list_pods)
    mine = [pod for pod in listing.get() if pod.name == name]

Callers that arrive together share one request, yet no caller is answered by a request
that started before it asked: every object the cloud had made when :meth:`~SharedListing.get`
was called is in its answer, exactly as if the caller had listed on its own. So 64
concurrent creates cost two list requests, not 64, and lose none of create-once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedListing(Generic[T]):
    """``fetch()`` shared by concurrent callers, each answered by a request that started
    after it asked. An error of that request is raised to each of its callers.
    Thread-safe."""

    def __init__(self, fetch: Callable[[], Sequence[T]]) -> None:
        self._fetch = fetch
        self._cond = threading.Condition()
        self._started = 0  # requests started so far
        self._finished = 0  # the latest request that finished
        self._in_flight = False
        self._answer: tuple[T, ...] = ()
        self._error: Exception | None = None

    @property
    def requests(self) -> int:
        """Requests made so far (for tests and benchmarks)."""
        with self._cond:
            return self._started

    def get(self) -> tuple[T, ...]:
        """Every object, as listed by a request that started after this call."""
        with self._cond:
            wanted = self._started + 1
            while self._finished < wanted:
                if not self._in_flight:
                    self._started += 1
                    self._in_flight = True
                    break  # this caller makes the request
                self._cond.wait()
            else:
                return self._result()
            mine = self._started
        answer: tuple[T, ...] = ()
        error: Exception | None = None
        try:
            answer = tuple(self._fetch())
        except Exception as exc:  # handed to every caller of this request
            error = exc
        with self._cond:
            self._in_flight = False
            self._finished = mine
            self._answer, self._error = answer, error
            self._cond.notify_all()
            return self._result()

    def _result(self) -> tuple[T, ...]:
        if self._error is not None:
            raise self._error
        return self._answer
