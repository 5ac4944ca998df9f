"""Waits: deadline, fail-fast, progress, growing intervals."""

from __future__ import annotations

import pytest

from pulumi_gpu.core.errors import ResourceFailed, WaitTimeout
from pulumi_gpu.core.waiting import PollPolicy, wait_for


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run(statuses: list[str], timeout: float = 100, **kwargs: object) -> tuple[str, FakeTime]:
    fake = FakeTime()
    seen = iter(statuses)
    result = wait_for(
        "pod p",
        lambda: next(seen),
        status=lambda s: s,
        ready=lambda s: s == "RUNNING",
        failure=lambda s: "it broke" if s == "FAILED" else None,
        timeout=timeout,
        policy=PollPolicy(first=1, factor=2, longest=4),
        clock=fake.clock,
        sleep=fake.sleep,
        **kwargs,  # type: ignore[arg-type]
    )
    return result, fake


def test_polls_until_ready_with_growing_capped_intervals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result, fake = run(["PENDING"] * 5 + ["RUNNING"])
    assert result == "RUNNING"
    assert fake.sleeps == [1, 2, 4, 4, 4]
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["pulumi-gpu: pod p: PENDING (0 s)", "pulumi-gpu: pod p: RUNNING (15 s)"]


def test_failure_state_ends_the_wait_at_once() -> None:
    with pytest.raises(ResourceFailed, match="pod p failed with status FAILED: it broke"):
        run(["PENDING", "FAILED", "RUNNING"])


def test_timeout_names_the_last_status() -> None:
    with pytest.raises(WaitTimeout, match="last status seen: PENDING"):
        run(["PENDING"] * 100, timeout=10)


def test_configured_policy_honours_poll_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_GPU_POLL_SECONDS", "0.25")
    policy = PollPolicy.configured()
    assert policy.longest == 0.25 and policy.first == 0.25
    monkeypatch.delenv("PULUMI_GPU_POLL_SECONDS")
    assert PollPolicy.configured() == PollPolicy()
