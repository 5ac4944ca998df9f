"""Pacing by the announced budget: nobody is sent to be refused, nobody waits for nothing."""

from __future__ import annotations

import threading
import time

from pulumi_gpu.core.rate_limit import RateBudget, parse_rate_limit, rate_limit_windows


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_header_windows() -> None:
    header = '"minute";r=12;t=40, "hour";r=2800;t=1812'
    assert rate_limit_windows(header) == [(12, 40.0), (2800, 1812.0)]
    assert rate_limit_windows("garbage") == []
    assert parse_rate_limit('"minute";r=3;t=12') is None
    assert parse_rate_limit('"minute";r=0;t=12, "day";r=0;t=100') == 100


def test_a_cloud_that_announces_nothing_is_never_paced() -> None:
    budget = RateBudget(Clock())
    assert budget.take() == 0
    budget.answered(None)
    assert [budget.take() for _ in range(100)] == [0] * 100


def test_the_announced_budget_is_handed_out_then_waited_for() -> None:
    clock = Clock()
    budget = RateBudget(clock)
    assert budget.take() == 0  # learns the budget
    budget.answered('"minute";r=3;t=30, "hour";r=500;t=3000')
    assert [budget.take() for _ in range(3)] == [0, 0, 0]
    assert budget.take() == 30, "spent: wait for the minute window"
    clock.now += 10
    assert budget.take() == 20
    for _ in range(3):
        budget.answered('"minute";r=0;t=20')
    clock.now += 20
    assert budget.take() == 0, "the window reset: one request learns the new budget"


def test_requests_still_out_count_against_what_the_cloud_announced() -> None:
    budget = RateBudget(Clock())
    budget.take()
    budget.answered('"minute";r=10;t=60')
    for _ in range(4):
        budget.take()  # four out at once
    budget.answered('"minute";r=5;t=59')  # one answered; three may not be counted yet
    assert [budget.take() for _ in range(2)] == [0, 0]
    assert budget.take() > 0


def test_an_older_answer_of_the_window_never_raises_the_budget() -> None:
    clock = Clock()
    budget = RateBudget(clock)
    budget.take()
    budget.answered('"minute";r=10;t=60')
    for _ in range(3):
        budget.take()
    budget.answered('"minute";r=2;t=59')  # the newest count (2 still out), answered first
    budget.answered('"minute";r=6;t=59')  # an older one, answered late
    assert budget.take() > 0, "2 left, less the two that were out: spent"
    clock.now += 60
    budget.answered('"minute";r=9;t=60')  # a new window counts afresh
    assert budget.take() == 0


def test_while_the_budget_is_unknown_one_request_goes_alone() -> None:
    budget = RateBudget(Clock())
    assert budget.take() == 0
    went: list[float] = []
    waiting = threading.Thread(target=lambda: went.append(budget.take()))
    waiting.start()
    time.sleep(0.1)
    assert went == [], "a second request waits for the first answer"
    budget.answered('"minute";r=5;t=60')
    waiting.join(timeout=5)
    assert went == [0]


def test_an_unanswered_request_lets_the_next_one_learn() -> None:
    budget = RateBudget(Clock())
    budget.take()
    budget.unanswered()
    assert budget.take() == 0
