"""A budget that preview enforces: the most the declared machines may cost per hour.

Each kind's inputs model says what one of its objects may cost at most
(:meth:`~pulumi_gpu.core.inputs.ResourceInputs.hourly_price`): a declared ceiling, the
catalog's price of what it would rent now, or nothing for what is not billed by the hour.
The program's :class:`Ledger` adds them up as the program declares resources and refuses, while the
program runs (so at ``pulumi preview``, before anything is created), a fleet above
``pulumi-gpu:maxCostPerHour`` (or a fleet file's ``budget``), itemizing every entry. A
machine whose price cannot be bounded must then declare a ceiling.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import pulumi.runtime
from pydantic import ValidationError

from pulumi_gpu.core.config import Setting

MAX_COST_PER_HOUR = Setting(
    "maxCostPerHour",
    ("PULUMI_GPU_MAX_COST_PER_HOUR",),
    description="Budget of a Python program's machines, USD per hour: preview refuses more.",
)
"""The budget of a Python program's machines, USD per hour."""


@dataclass(frozen=True)
class Price:
    """The most an object may cost per hour, and where that figure comes from."""

    usd: float | None
    """USD per hour; None when not billed by the hour, or when it cannot be bounded."""
    basis: str
    """``"ceiling max_price_per_hour"``, ``"catalog now"``, ``"no hourly price"``, ..."""
    bounded: bool = True
    """False when nothing bounds it: a budget then needs a declared ceiling."""


class BudgetExceeded(Exception):
    """The declared machines may cost more per hour than the budget allows."""


@dataclass
class _Line:
    name: str
    what: str
    price: Price


class Ledger:
    """The declared machines' prices in this program, held against the budget."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: dict[str, _Line] = {}

    def add(self, key: str, name: str, what: str, price: Price) -> None:
        """Count one resource, known by its ``key`` (its identity in the stack: resources
        of different kinds may share a name) once: counted already, it keeps its first
        price."""
        with self._lock:
            self._lines.setdefault(key, _Line(name, what, price))

    def check(self, limit: float) -> None:
        """Raise :class:`BudgetExceeded`, itemized, if what is counted breaks ``limit``."""
        with self._lock:
            problem = over_budget(list(self._lines.values()), limit)
        if problem:
            raise BudgetExceeded(problem)

    def counted(self, key: str) -> bool:
        with self._lock:
            return key in self._lines


_ledgers: weakref.WeakKeyDictionary[Any, Ledger] = weakref.WeakKeyDictionary()
_ledgers_lock = threading.Lock()


def program_ledger() -> Ledger:
    """The ledger of the program running now (one per run: a test process, or the
    Automation API, runs many programs one after the other)."""
    root = pulumi.runtime.get_root_resource()
    if root is None:
        return Ledger()
    with _ledgers_lock:
        return _ledgers.setdefault(root, Ledger())


def price_of(model: Any, values: dict[str, Any], *, known: bool = True) -> Price | None:
    """What one object of the inputs ``model`` with ``values`` may cost per hour (not
    ``known``: values only other resources will give); None when the values are wrong
    (the resource's check says how)."""
    if not known:
        return Price(None, "its inputs are known only once other resources exist", bounded=False)
    try:
        price: Price = model.model_validate(values).hourly_price()
    except ValidationError:
        return None
    return price


def over_budget(lines: list[_Line], limit: float) -> str | None:
    """Why ``lines`` do not fit in ``limit`` USD per hour (None when they do)."""
    total = sum(line.price.usd or 0.0 for line in lines)
    unbounded = [line for line in lines if not line.price.bounded]
    if total <= limit + 1e-9 and not unbounded:
        return None
    width = max(len(line.name) for line in [*lines, _Line("total", "", Price(None, ""))])
    items = "\n".join(
        f"  {line.name.ljust(width)}  {_usd(line.price)}  {line.what}: {line.price.basis}"
        for line in lines
    )
    if unbounded:
        names = ", ".join(line.name for line in unbounded)
        head = (
            f"a budget of ${limit:.2f}/h is set, and nothing bounds what {names} may cost: "
            "declare a price ceiling (max_price_per_hour) on each"
        )
    else:
        head = f"the machines may cost ${total:.2f}/h, above the budget of ${limit:.2f}/h"
    total_line = f"  {'total'.ljust(width)}  {_usd(Price(total, 'sum'))}"
    return f"{head}; nothing was created.\n{items}\n{total_line}"


def _usd(price: Price) -> str:
    shown = "-" if price.usd is None else f"${price.usd:.2f}/h"
    return shown.rjust(9)
