"""One rule for a price ceiling, on every kind that takes one: refused at preview when
it is below every offer that fits the other inputs.

A kind whose inputs can cap what its object costs per hour (a Celium selector's
``max_price_per_hour``, a Prime Intellect pod's, a placed pod's ``gpu.max_price_per_hour``)
declares it with :meth:`~pulumi_gpu.core.provider.GpuProvider.price_cap`: which input
is the ceiling, and the offers it is held against (those that fit every other input,
from the cloud, now). The core judges: a ceiling below the cheapest of them cannot rent
anything, so ``pulumi preview`` says so, naming the input and the cheapest offer, before
a create would fail. Nothing is judged when the cloud cannot be asked (no credentials, no
answer: a warning says so), when no offer fits the other inputs either (that is not the
price's doing), while a value is still unknown, or for a ceiling the state already holds
(a running object is not refused because the market moved).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.inputs import ADOPT_ID, contains_unknown
from pulumi_gpu.core.log import report

if TYPE_CHECKING:
    from pulumi_gpu.core.provider import GpuProvider


@dataclass(frozen=True)
class Quote:
    """One offer's price: USD per hour for the whole machine, and what it is."""

    usd: float
    what: str
    """``"1x NVIDIA GeForce RTX 4090 (US)"``: enough for a person to find it."""


@dataclass(frozen=True)
class PriceCap:
    """A ceiling the inputs put on the price, and the offers it is held against."""

    field: str
    """The input that holds it, as Pulumi shows a property: ``selector.max_price_per_hour``."""
    usd: float
    offers: Callable[[], Sequence[Quote]]
    """The priced offers that fit every input but the ceiling, now (asks the cloud)."""


def price_failures(
    provider: GpuProvider[Any, Any], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """The ceiling of ``values`` if it is below every offer that fits the rest (``olds``:
    the state's input values, empty for a new resource)."""
    if contains_unknown(values) or values.get(ADOPT_ID) is not None:
        return []
    cap = _cap(provider, values)
    if cap is None:
        return []
    held = _cap(provider, olds) if olds else None
    if held is not None and (held.field, held.usd) == (cap.field, cap.usd):
        return []
    try:
        quotes = sorted(cap.offers(), key=lambda q: q.usd)
    except GpuCloudError as exc:
        report(f"warning: {provider.kind}: could not check {cap.field} against offers: {exc}")
        return []
    if not quotes or quotes[0].usd <= cap.usd + 1e-9:
        return []
    cheapest = quotes[0]
    return [
        CheckFailure(
            cap.field,
            f"{cap.usd:g} USD per hour is below every offer that fits the other inputs now "
            f"({len(quotes)} fit; the cheapest is ${cheapest.usd:.2f}/h: {cheapest.what}); "
            f"raise it to at least {math.ceil(cheapest.usd * 100 - 1e-6) / 100:g}, or leave "
            "it out",
        )
    ]


def _cap(provider: GpuProvider[Any, Any], values: Mapping[str, Any]) -> PriceCap | None:
    """The kind's :class:`PriceCap` for ``values`` (None: none, or inputs that do not
    validate, such as a state an older release wrote)."""
    try:
        inputs = provider.inputs_model.model_validate(values)
    except ValidationError:
        return None
    return provider.price_cap(inputs)
