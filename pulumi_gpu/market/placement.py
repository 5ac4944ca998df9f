"""What the market needs from a cloud to place pods on it, and how a failed try is read.

Each cloud that hosts placed pods declares a :class:`Host` in its ``market`` module: its
own pod provider (whose lifecycle does the renting: create once, wait, clean up), how a
placed pod's inputs become that provider's inputs for one offer, which inputs it cannot
honour, and how its "no capacity" answer reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from pulumi_gpu.core.errors import (
    ApiError,
    CloudReportedFailure,
    GpuCloudError,
    NoCapacity,
    TransportError,
)
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.market.offers import CloudName, Offer, market_of

if TYPE_CHECKING:
    from pulumi_gpu.market.pod import PodInputs

PlaceableCloud = Literal["celium", "runpod", "primeintellect"]
"""Clouds placed pods can land on (GPU Dev reserves dev servers: its kind is a job)."""
PLACEABLE: tuple[PlaceableCloud, ...] = get_args(PlaceableCloud)


@dataclass(frozen=True)
class Host:
    """One cloud as a place for pods."""

    cloud: CloudName
    provider: GpuProvider[Any, Any]
    """The cloud's own pod provider: every create, wait and delete goes through it."""
    inputs: Callable[[PodInputs, Mapping[str, Any]], dict[str, Any]]
    """The provider's inputs for a placed pod on the offer rented with ``rent``."""
    offer_of: Callable[[Any], Offer]
    """A live pod of this cloud as the offer it was rented on (to adopt one an
    interrupted run made)."""
    unsupported: Callable[[PodInputs], dict[str, str]]
    """Input field -> why this cloud cannot honour it (the cloud is then ruled out)."""
    capacity_refusal: Callable[[ApiError], bool]
    """True for the cloud's definite answer that it has no machine for a rent."""

    def refused_for_capacity(self, error: BaseException) -> bool:
        """True if ``error`` (or what caused it) says this cloud has no machine for it."""
        return any(
            isinstance(e, NoCapacity) or (isinstance(e, ApiError) and self.capacity_refusal(e))
            for e in _chain(error)
        )


def host(cloud: str) -> Host:
    """The :class:`Host` a cloud's ``market`` module declares."""
    found: Host = market_of(cloud).HOST
    return found


def outcome_unknown(error: BaseException) -> bool:
    """True if a request behind ``error`` may have made something the answer did not show."""
    return any(
        isinstance(e, ApiError | TransportError) and e.outcome_unknown for e in _chain(error)
    )


def worth_another_offer(place: Host, error: GpuCloudError) -> str | None:
    """Why the next offer should be tried after ``error`` (None: stop and raise).

    A capacity refusal made nothing; a start the cloud reports failed was cleaned up by
    the cloud's own lifecycle. Anything else stops the search: an outcome that is unknown
    (a pod may exist, and the next ``pulumi up`` finds it by its name rather than renting
    elsewhere), a pod that vanished or was stopped or deleted from outside, a timeout.
    """
    if outcome_unknown(error):
        return None
    if place.refused_for_capacity(error):
        return "no capacity"
    if isinstance(error, CloudReportedFailure):
        return "failed to start (deleted)"
    return None


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    """``error`` and what caused it, as a traceback chains them."""
    while error is not None:
        yield error
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
