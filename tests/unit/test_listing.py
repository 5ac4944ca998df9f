"""The shared listing: concurrent callers share a request, none gets a stale answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_gpu.core.errors import ServerError
from pulumi_gpu.core.listing import SharedListing


class SlowCloud:
    """A list endpoint whose requests block until released, counting what they saw."""

    def __init__(self) -> None:
        self.objects: list[str] = []
        self.calls = 0
        self.entered = threading.Semaphore(0)
        self.release = threading.Semaphore(0)
        self.error: Exception | None = None

    def fetch(self) -> list[str]:
        self.calls += 1
        snapshot = list(self.objects)
        self.entered.release()
        self.release.acquire()
        if self.error is not None:
            raise self.error
        return snapshot


def test_a_lone_caller_gets_a_fresh_list_each_time() -> None:
    objects = ["a"]
    listing = SharedListing(lambda: list(objects))
    assert listing.get() == ("a",)
    objects.append("b")
    assert listing.get() == ("a", "b")
    assert listing.requests == 2


def test_callers_arriving_during_a_request_share_the_next_one() -> None:
    cloud = SlowCloud()
    listing = SharedListing(cloud.fetch)
    with ThreadPoolExecutor(max_workers=17) as pool:
        first = pool.submit(listing.get)
        cloud.entered.acquire()  # the first request is under way...
        cloud.objects.append("made-meanwhile")
        later = [pool.submit(listing.get) for _ in range(16)]  # ...when 16 more ask
        cloud.release.release()
        assert first.result(timeout=5) == ()
        cloud.entered.acquire()  # one request for all sixteen
        cloud.release.release()
        answers = [f.result(timeout=5) for f in later]
    assert answers == [("made-meanwhile",)] * 16, "nobody is answered by an earlier request"
    assert cloud.calls == 2


def test_an_error_reaches_every_caller_of_that_request_and_the_next_call_asks_again() -> None:
    cloud = SlowCloud()
    listing = SharedListing(cloud.fetch)
    cloud.error = ServerError("runpod", "GET", "/pods", 503, "down")
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(listing.get)
        cloud.entered.acquire()
        waiting = [pool.submit(listing.get) for _ in range(2)]
        cloud.release.release()
        cloud.entered.acquire()
        cloud.release.release()
        for future in [first, *waiting]:
            with pytest.raises(ServerError):
                future.result(timeout=5)
    cloud.error = None
    cloud.objects.append("x")
    cloud.release.release()
    assert listing.get() == ("x",)
    assert cloud.calls == 3
