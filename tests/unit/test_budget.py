"""The budget: what the declared machines may cost per hour, held against a limit."""

from __future__ import annotations

import pytest

from pulumi_gpu.core.budget import BudgetExceeded, Ledger, Price
from pulumi_gpu.fleet.model import check_source
from pulumi_gpu.fleet.source import read_source


def _ledger(*lines: tuple[str, Price]) -> Ledger:
    ledger = Ledger()
    for name, price in lines:
        ledger.add(f"runpod:Pod::{name}", name, "runpod Pod", price)
    return ledger


def test_machines_within_the_budget_pass() -> None:
    ledger = _ledger(("a", Price(1.25, "ceiling")), ("b", Price(None, "no hourly price")))
    ledger.check(1.25)


def test_over_the_budget_is_itemized_with_the_total() -> None:
    ledger = _ledger(("a", Price(1.25, "ceiling")), ("trainer", Price(2.5, "catalog now")))
    with pytest.raises(BudgetExceeded) as exc:
        ledger.check(3.0)
    lines = str(exc.value).splitlines()
    assert lines[0] == (
        "the machines may cost $3.75/h, above the budget of $3.00/h; nothing was created."
    )
    assert lines[1].split() == ["a", "$1.25/h", "runpod", "Pod:", "ceiling"]
    assert lines[2].split() == ["trainer", "$2.50/h", "runpod", "Pod:", "catalog", "now"]
    assert lines[3].split() == ["total", "$3.75/h"]


def test_a_machine_nothing_bounds_needs_a_ceiling_whatever_the_total() -> None:
    ledger = _ledger(("a", Price(0.5, "ceiling")), ("b", Price(None, "no offer", bounded=False)))
    with pytest.raises(BudgetExceeded, match="nothing bounds what b may cost: declare a price"):
        ledger.check(100.0)


def test_a_resource_is_counted_once() -> None:
    ledger = _ledger(("a", Price(2.0, "ceiling")), ("a", Price(9.0, "catalog now")))
    assert ledger.counted("runpod:Pod::a") and not ledger.counted("runpod:Pod::b")
    ledger.check(2.0)


def test_resources_of_one_name_and_other_kinds_are_each_counted() -> None:
    """Three machines named alike are three machines (the budget keys on identity)."""
    ledger = Ledger()
    for kind in ("runpod Pod", "celium Pod", "primeintellect Pod"):
        ledger.add(f"{kind}::gpu", "gpu", kind, Price(1.5, "ceiling"))
    with pytest.raises(BudgetExceeded, match=r"\$4.50/h, above the budget of \$3.00/h"):
        ledger.check(3.0)


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("budget: 20", "budget: must be {max_cost_per_hour: <USD per hour>}"),
        ("budget: {max_cost: 20}", "budget: must be {max_cost_per_hour: <USD per hour>}"),
        ("budget: {max_cost_per_hour: 0}", "budget.max_cost_per_hour: must be a number"),
        ("budget: {max_cost_per_hour: yes}", "budget.max_cost_per_hour: must be a number"),
    ],
)
def test_a_fleet_budget_must_be_a_positive_hourly_amount(budget: str, message: str) -> None:
    source = read_source("fleet.yaml", budget + "\n")
    assert not isinstance(source, type(None))
    fleet, problems = check_source(source)  # type: ignore[arg-type]
    assert fleet is None and any(message in str(p) for p in problems), problems


def test_a_fleet_budget_is_read() -> None:
    source = read_source("fleet.yaml", "budget: {max_cost_per_hour: 12.5}\npods: {}\n")
    fleet, problems = check_source(source)  # type: ignore[arg-type]
    assert problems == [] and fleet is not None and fleet.max_cost_per_hour == 12.5
