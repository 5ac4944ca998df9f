"""The batched status poller: many waits, one request per interval, each wait its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_gpu.core.batching import BatchPoller
from pulumi_gpu.core.errors import ResourceFailed, ServerError, WaitTimeout
from pulumi_gpu.core.waiting import PollPolicy

INTERVAL = 0.02


def fixed_policy() -> PollPolicy:
    return PollPolicy(first=INTERVAL, factor=1, longest=INTERVAL)


class FakeCloud:
    """Answers status requests: key -> status after N polls of that key (thread-safe)."""

    def __init__(
        self, ready_after: Mapping[str, int], fail: Mapping[str, int] | None = None
    ) -> None:
        self.ready_after = dict(ready_after)
        self.fail = dict(fail or {})
        self.calls: list[list[str]] = []
        self.polls: dict[str, int] = {}
        self.lock = threading.Lock()
        self.error: Exception | None = None

    def fetch(self, keys: Sequence[str]) -> dict[str, str]:
        with self.lock:
            self.calls.append(list(keys))
            if self.error is not None:
                raise self.error
            answers = {}
            for key in keys:
                if key not in self.ready_after and key not in self.fail:
                    continue  # unknown to the cloud
                count = self.polls[key] = self.polls.get(key, 0) + 1
                if key in self.fail and count >= self.fail[key]:
                    answers[key] = "FAILED"
                elif key in self.ready_after and count >= self.ready_after[key]:
                    answers[key] = "READY"
                else:
                    answers[key] = "PENDING"
            return answers


def waiter(poller: BatchPoller[str], timeout: float = 5.0) -> Callable[[str], str | None]:
    def wait(key: str) -> str | None:
        return poller.wait(
            key,
            f"thing {key}",
            status=lambda s: s or "missing",
            ready=lambda s: s == "READY",
            failure=lambda s: "it broke" if s == "FAILED" else None,
            timeout=timeout,
        )

    return wait


def test_concurrent_waits_share_one_request_per_round() -> None:
    keys = [f"k{i:02}" for i in range(40)]
    cloud = FakeCloud({k: 3 + i % 5 for i, k in enumerate(keys)})
    poller = BatchPoller("things", cloud.fetch, policy=fixed_policy)
    barrier = threading.Barrier(len(keys))

    def wait(key: str) -> str | None:
        barrier.wait()
        return waiter(poller)(key)

    with ThreadPoolExecutor(len(keys)) as pool:
        results = list(pool.map(wait, keys))

    assert results == ["READY"] * len(keys)
    # Per-key polling would cost sum(3..7 per key) = 200 requests; shared, about the
    # rounds the slowest key needs (7), plus the rounds while waiters trickle in.
    assert len(cloud.calls) <= 7 + 4, len(cloud.calls)
    assert max(len(call) for call in cloud.calls) == len(keys)
    assert poller.requests == len(cloud.calls)
    assert all(cloud.polls[k] >= 3 + i % 5 for i, k in enumerate(keys))


def test_large_batches_are_split_into_chunks() -> None:
    keys = [f"k{i}" for i in range(7)]
    cloud = FakeCloud(dict.fromkeys(keys, 2))
    poller = BatchPoller("things", cloud.fetch, batch_size=3, policy=fixed_policy)
    barrier = threading.Barrier(len(keys))

    def wait(key: str) -> str | None:
        barrier.wait()
        return waiter(poller)(key)

    with ThreadPoolExecutor(len(keys)) as pool:
        assert list(pool.map(wait, keys)) == ["READY"] * len(keys)
    assert all(len(call) <= 3 for call in cloud.calls)
    assert poller.requests == len(cloud.calls) >= poller.rounds * 1
    assert sorted({k for call in cloud.calls for k in call}) == sorted(keys)


def test_one_failure_ends_only_its_own_wait(capsys: pytest.CaptureFixture[str]) -> None:
    cloud = FakeCloud({"good": 4}, fail={"bad": 2})
    poller = BatchPoller("things", cloud.fetch, policy=fixed_policy)
    wait = waiter(poller)
    with ThreadPoolExecutor(2) as pool:
        good = pool.submit(wait, "good")
        bad = pool.submit(wait, "bad")
        with pytest.raises(ResourceFailed, match="thing bad failed with status FAILED: it broke"):
            bad.result()
        assert good.result() == "READY"
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith("pulumi-gpu: thing good: READY") for line in lines)
    assert any(line.startswith("pulumi-gpu: thing bad: FAILED") for line in lines)


def test_each_wait_has_its_own_deadline() -> None:
    cloud = FakeCloud({"slow": 10_000, "quick": 3})
    poller = BatchPoller("things", cloud.fetch, policy=fixed_policy)
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(waiter(poller, timeout=0.2), "slow")
        quick = pool.submit(waiter(poller, timeout=5), "quick")
        assert quick.result() == "READY"
        with pytest.raises(
            WaitTimeout, match=r"thing slow was not ready .* last status seen: PENDING"
        ):
            slow.result()
    assert time.monotonic() - started < 2


def test_an_id_missing_from_the_answer_is_none() -> None:
    cloud = FakeCloud({})
    poller = BatchPoller("things", cloud.fetch, policy=fixed_policy)
    misses: list[object] = []

    def failure(answer: str | None) -> str | None:
        misses.append(answer)
        return "gone" if len(misses) >= 2 else None

    with pytest.raises(ResourceFailed, match="thing x failed with status missing: gone"):
        poller.wait(
            "x",
            "thing x",
            status=lambda s: s or "missing",
            ready=lambda s: False,
            failure=failure,
            timeout=5,
        )
    assert misses == [None, None]


def test_fetch_errors_reach_the_waiters() -> None:
    cloud = FakeCloud({"a": 5, "b": 5})
    cloud.error = ServerError("cloud", "GET", "/status", 503, "down")
    poller = BatchPoller("things", cloud.fetch, policy=fixed_policy)
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(waiter(poller), key) for key in ("a", "b")]
        for future in futures:
            with pytest.raises(ServerError, match="503: down"):
                future.result()


def test_polling_stops_when_the_last_waiter_leaves_and_restarts() -> None:
    cloud = FakeCloud({"a": 2, "b": 2})
    poller = BatchPoller("things", cloud.fetch, policy=fixed_policy)
    assert waiter(poller)("a") == "READY"
    deadline = time.monotonic() + 1
    while poller.polling and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not poller.polling
    calls = len(cloud.calls)
    time.sleep(INTERVAL * 10)
    assert len(cloud.calls) == calls, "nobody waits: no requests"

    assert waiter(poller)("b") == "READY"
    assert all(call == ["b"] for call in cloud.calls[calls:])


def test_answers_are_never_older_than_the_wait() -> None:
    state = {"x": "READY"}
    calls: list[float] = []

    def fetch(keys: Sequence[str]) -> dict[str, str]:
        calls.append(time.monotonic())
        return {k: state[k] for k in keys if k in state}

    poller = BatchPoller("things", fetch, policy=fixed_policy)
    hold = threading.Event()
    first = threading.Thread(
        target=lambda: poller.wait(
            "x", "first", status=str, ready=lambda s: hold.is_set(), timeout=5
        )
    )
    first.start()
    while len(calls) < 2:
        time.sleep(0.005)
    state["x"] = "DELETING"  # a second wait on the same id must see this, not READY
    joined = time.monotonic()
    with pytest.raises(ResourceFailed):
        poller.wait(
            "x",
            "second",
            status=lambda s: s or "missing",
            ready=lambda s: s == "READY",
            failure=lambda s: "deleted" if s == "DELETING" else None,
            timeout=5,
        )
    assert any(at >= joined for at in calls)
    hold.set()
    first.join(5)
    assert not first.is_alive()


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        BatchPoller("things", lambda keys: {}, batch_size=0)
