"""Waiting for cloud objects to reach a state.

Every wait has a deadline, polls with growing intervals (capped by the
``pulumi-gpu:pollSeconds`` setting), stops at once on a failure state, reports each
status change as a progress line, and names the last status it saw when it gives up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from pulumi_gpu.core.config import POLL_SECONDS
from pulumi_gpu.core.errors import ResourceFailed, WaitTimeout
from pulumi_gpu.core.log import report

T = TypeVar("T")


@dataclass(frozen=True)
class PollPolicy:
    """Intervals between polls: ``first``, growing by ``factor`` up to ``longest``."""

    first: float = 1.0
    factor: float = 1.5
    longest: float = 10.0

    def intervals(self) -> Iterator[float]:
        interval = min(self.first, self.longest)
        while True:
            yield interval
            interval = min(interval * self.factor, self.longest)

    @classmethod
    def configured(cls) -> PollPolicy:
        """The policy for this process, honouring ``pulumi-gpu:pollSeconds``."""
        longest = POLL_SECONDS.number()
        if longest is None or longest <= 0:
            return cls()
        return cls(first=min(1.0, longest), longest=longest)


def wait_for(
    what: str,
    fetch: Callable[[], T],
    *,
    status: Callable[[T], str],
    ready: Callable[[T], bool],
    failure: Callable[[T], str | None] = lambda _: None,
    timeout: float,
    policy: PollPolicy | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Poll ``fetch`` until ``ready``; raise on ``failure`` or at the deadline.

    ``failure`` returns a reason when the object reached a state it will not leave
    (the reason goes into the :class:`ResourceFailed` message). Errors raised by
    ``fetch`` propagate unchanged.
    """
    start = clock()
    deadline = start + timeout
    last: str | None = None
    for interval in (policy or PollPolicy.configured()).intervals():
        current = fetch()
        seen = status(current)
        if seen != last:
            report(f"{what}: {seen} ({clock() - start:.0f} s)")
            last = seen
        if ready(current):
            return current
        reason = failure(current)
        if reason is not None:
            raise ResourceFailed(f"{what} failed with status {seen}: {reason}")
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(
                f"{what} was not ready after {timeout:.0f} s; last status seen: {seen}"
            )
        sleep(min(interval, remaining))
    raise AssertionError("unreachable")  # pragma: no cover
