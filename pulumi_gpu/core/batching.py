"""One status request for many waits: a process-level poller that waits share.

Some clouds answer for many objects in one request (Prime Intellect's
``/pods/status?pod_ids=a&pod_ids=b``). When a stack creates 64 pods, the provider
process holds 64 waits at once; polling each on its own would cost 64 requests per
interval. Instead every wait registers its id with one :class:`BatchPoller`, and a
single background thread asks about all registered ids once per interval (in chunks
of ``batch_size`` ids) and hands each waiter its own answer::

    poller = BatchPoller("pod status", client.pod_statuses)   # ids -> {id: status}
    ready = poller.wait(pod_id, f"pod {pod_id}", status=..., ready=..., failure=...,
                        timeout=900)

Each waiter keeps the semantics of :func:`~pulumi_gpu.core.waiting.wait_for`: its own
deadline, fail-fast on its own failure states, its own progress lines, and the last
status it saw in its timeout message. An id missing from an answer is handed to its
waiter as ``None`` (the predicates decide what that means: gone, or not yet visible).
An error raised by ``fetch`` goes to every waiter whose id was in the failed chunk.

Intervals follow :class:`~pulumi_gpu.core.waiting.PollPolicy`: short after a new waiter
joins (a new object is seen soon), then growing to the configured longest interval.
The thread stops as soon as the last waiter leaves and starts again with the next.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

from pulumi_gpu.core.errors import WaitTimeout
from pulumi_gpu.core.waiting import PollPolicy, wait_for

T = TypeVar("T")

_NEVER = float("inf")


class _Waiter:
    """What one waiter has consumed: the round of its last answer and that answer."""

    def __init__(self, seen: int) -> None:
        self.seen = seen
        self.answered = False


class BatchPoller(Generic[T]):
    """Polls the ids of every current waiter with one ``fetch`` per interval.

    ``fetch(ids)`` returns ``{id: answer}`` for the ids it knows; it is called from the
    poller's thread with at most ``batch_size`` ids. Thread-safe: any number of threads
    may :meth:`wait` at once, on different ids or the same id.
    """

    def __init__(
        self,
        name: str,
        fetch: Callable[[Sequence[str]], Mapping[str, T]],
        *,
        batch_size: int = 50,
        policy: Callable[[], PollPolicy] = PollPolicy.configured,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.name = name
        self._fetch = fetch
        self._batch_size = batch_size
        self._policy = policy
        self._cond = threading.Condition()
        self._waiters: dict[str, int] = {}
        self._answers: dict[str, T | None] = {}
        self._errors: dict[str, Exception] = {}
        self._answered_in: dict[str, int] = {}
        self._round = 0
        self._in_flight = False
        self._requests = 0
        self._thread: threading.Thread | None = None
        self._schedule: Iterator[float] = iter(())
        self._next_poll = _NEVER

    # -- what tests and callers may observe -------------------------------------------

    @property
    def rounds(self) -> int:
        """Poll rounds done so far (one round asks about every registered id)."""
        with self._cond:
            return self._round

    @property
    def requests(self) -> int:
        """Calls of ``fetch`` so far (a round makes one call per ``batch_size`` ids)."""
        with self._cond:
            return self._requests

    @property
    def polling(self) -> bool:
        """True while the polling thread runs (only while someone waits)."""
        with self._cond:
            return self._thread is not None

    # -- waiting ------------------------------------------------------------------------

    def wait(
        self,
        key: str,
        what: str,
        *,
        status: Callable[[T | None], str],
        ready: Callable[[T | None], bool],
        failure: Callable[[T | None], str | None] = lambda _: None,
        timeout: float,
    ) -> T | None:
        """Wait until ``ready(answer)`` for ``key``, like :func:`wait_for` but batched.

        The answers seen are fresh: none is older than this call. Raises
        :class:`~pulumi_gpu.core.errors.ResourceFailed` when ``failure`` gives a reason,
        :class:`~pulumi_gpu.core.errors.WaitTimeout` at the deadline, or the error
        ``fetch`` raised for the chunk holding ``key``.
        """
        deadline = time.monotonic() + timeout
        waiter = self._join(key)
        try:
            return wait_for(
                what,
                lambda: self._next_answer(key, waiter, deadline, what, timeout),
                status=status,
                ready=ready,
                failure=failure,
                timeout=timeout,
                sleep=lambda _: None,  # _next_answer blocks until the next round
            )
        finally:
            self._leave(key)

    def _join(self, key: str) -> _Waiter:
        with self._cond:
            self._waiters[key] = self._waiters.get(key, 0) + 1
            # Only rounds that start after joining count: one in flight asked too early.
            waiter = _Waiter(seen=self._round + (1 if self._in_flight else 0))
            self._schedule = self._policy().intervals()
            first = next(self._schedule)
            if self._thread is None:
                self._next_poll = time.monotonic()  # a new thread asks at once
                self._thread = threading.Thread(
                    target=self._run, name=f"poller: {self.name}", daemon=True
                )
                self._thread.start()
            else:
                self._next_poll = min(self._next_poll, time.monotonic() + first)
            self._cond.notify_all()
            return waiter

    def _leave(self, key: str) -> None:
        with self._cond:
            left = self._waiters.get(key, 0) - 1
            if left > 0:
                self._waiters[key] = left
            else:
                self._waiters.pop(key, None)
                self._answers.pop(key, None)
                self._errors.pop(key, None)
                self._answered_in.pop(key, None)
            self._cond.notify_all()

    def _next_answer(
        self, key: str, waiter: _Waiter, deadline: float, what: str, timeout: float
    ) -> T | None:
        """Block until a round newer than the waiter's last one answered ``key``."""
        with self._cond:
            while self._answered_in.get(key, 0) <= waiter.seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if not waiter.answered:
                        raise WaitTimeout(
                            f"{what} was not ready after {timeout:.0f} s; "
                            f"no status was received ({self.name})"
                        )
                    return self._answers.get(key)  # the last answer; wait_for times out
                self._cond.wait(remaining)
            waiter.seen = self._answered_in[key]
            waiter.answered = True
            error = self._errors.get(key)
            answer = self._answers.get(key)
        if error is not None:
            raise error
        return answer

    # -- the polling thread -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._waiters:
                        self._thread = None
                        self._next_poll = _NEVER
                        return
                    delay = self._next_poll - time.monotonic()
                    if delay <= 0:
                        break
                    self._cond.wait(delay)
                keys = sorted(self._waiters)
                self._next_poll = time.monotonic() + next(self._schedule)
                self._in_flight = True
            answers, errors, calls = self._poll(keys)
            with self._cond:
                self._in_flight = False
                self._round += 1
                self._requests += calls
                for key in keys:
                    if key not in self._waiters:
                        continue  # left while we asked
                    self._answers[key] = answers.get(key)
                    if key in errors:
                        self._errors[key] = errors[key]
                    else:
                        self._errors.pop(key, None)
                    self._answered_in[key] = self._round
                self._cond.notify_all()

    def _poll(self, keys: list[str]) -> tuple[dict[str, T], dict[str, Exception], int]:
        answers: dict[str, T] = {}
        errors: dict[str, Exception] = {}
        calls = 0
        for start in range(0, len(keys), self._batch_size):
            chunk = keys[start : start + self._batch_size]
            calls += 1
            try:
                got = self._fetch(chunk)
            except Exception as exc:  # handed to the waiters of this chunk
                errors.update(dict.fromkeys(chunk, exc))
                continue
            answers.update({k: v for k, v in got.items() if k in chunk})
        return answers, errors, calls
