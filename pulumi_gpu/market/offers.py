"""What can be rented now across the four clouds, in one table.

Each cloud's ``market`` module (``pulumi_gpu.<cloud>.market``) turns its catalog into
:class:`Offer` rows: the chip under one name on every cloud (:mod:`.gpus`), the cloud's
own name beside it, the price of the whole machine per hour, where it is, how much
stock, and what that cloud's own resource needs to rent exactly this (``rent``).
:func:`offers` asks the clouds at once and applies one :class:`OfferRequest` to every
row, so a filter means the same thing on every cloud; a cloud that is not configured or
does not answer is listed in ``skipped``, not fatal.
"""

from __future__ import annotations

import contextvars
import importlib
import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulumi_gpu.core.errors import ConfigurationError, GpuCloudError
from pulumi_gpu.core.lookup import lookup
from pulumi_gpu.market.gpus import Gpu, normalize, with_form

__all__ = ["CLOUDS", "CloudName", "Offer", "OfferRequest", "Offers", "offers"]

CloudName = Literal["celium", "runpod", "primeintellect", "gpudev"]
CLOUDS: tuple[CloudName, ...] = get_args(CloudName)


class Offer(BaseModel):
    """One machine configuration a cloud rents now."""

    model_config = ConfigDict(frozen=True)

    cloud: CloudName
    gpu: str = Field(description="The chip's name on every cloud, e.g. 'H100 80GB'.")
    model: str = Field(description="The chip's model, e.g. 'H100', 'RTX 4090'.")
    memory_gb: int | None = Field(None, description="Memory per GPU, where known.")
    form: str | None = Field(None, description="SXM, PCIe or NVL, where the cloud says.")
    cloud_gpu: str = Field(description="The cloud's own name for the GPU.")
    gpu_count: int
    price_per_hour: float | None = Field(
        None, description="USD per hour for the whole machine; None where the cloud sets none."
    )
    region: str | None = Field(None, description="Data center, region or city.")
    country: str | None = Field(None, description="ISO country code, where known.")
    stock: str = Field(description="How much the cloud says it has, in its own terms.")
    spot: bool | None = Field(None, description="True if the cloud may take it back (spot).")
    rent: dict[str, Any] = Field(
        default_factory=dict,
        description="Inputs of the cloud's own resource that rent exactly this offer.",
    )

    @classmethod
    def of(
        cls,
        cloud: CloudName,
        cloud_gpu: str,
        memory_gb: int | None,
        *,
        chip_name: str | None = None,
        form: str | None = None,
        **rest: Any,
    ) -> Offer:
        """An offer whose chip is read from the cloud's name for it (or ``chip_name``);
        ``form`` where the cloud gives the form factor apart from the name."""
        chip = normalize(chip_name or cloud_gpu, memory_gb)
        if form is not None:
            chip = with_form(chip, form)
        return cls(
            cloud=cloud,
            gpu=chip.name,
            model=chip.model,
            memory_gb=chip.memory_gb,
            form=chip.form,
            cloud_gpu=cloud_gpu,
            **rest,
        )

    @property
    def chip(self) -> Gpu:
        return Gpu(self.model, self.memory_gb, self.form)

    def sort_key(self) -> tuple[float, str, str, str]:
        price = math.inf if self.price_per_hour is None else self.price_per_hour
        return (price, self.cloud, self.region or "", self.cloud_gpu)


class OfferRequest(BaseModel):
    """What a machine must have; every criterion left out matches anything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gpu: str | None = Field(
        None,
        min_length=1,
        description=(
            "GPU model, in any cloud's spelling: 'H100', 'H100 80GB', 'A100 80GB SXM', "
            "'RTX 4090'. Memory and form factor count only where given."
        ),
    )
    count: int = Field(1, ge=1, le=16, description="GPUs in the machine.")
    max_price_per_hour: float | None = Field(
        None, gt=0, description="Highest price of the whole machine, USD per hour."
    )
    min_memory_gb: int | None = Field(None, ge=1, description="Least memory per GPU, GB.")
    clouds: tuple[CloudName, ...] = Field(CLOUDS, min_length=1, description="Clouds to ask.")
    region: str | None = Field(
        None, min_length=1, description="Part of the data center or region name, any case."
    )
    country: str | None = Field(
        None, min_length=2, max_length=2, description="ISO country code, e.g. 'US'."
    )
    spot: bool | None = Field(
        None,
        description=(
            "True: only spot machines (cheaper; the cloud may take them back); False: only "
            "machines it does not take back (where a cloud does not say, it does not)."
        ),
    )

    @field_validator("clouds", mode="before")
    @classmethod
    def _unique(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        return tuple(dict.fromkeys(value)) if isinstance(value, Iterable) else value

    @property
    def chip(self) -> Gpu | None:
        return normalize(self.gpu, request=True) if self.gpu else None

    def mismatch(self, offer: Offer) -> str | None:
        """Why ``offer`` does not satisfy the request (None when it does)."""
        chip = self.chip
        if offer.cloud not in self.clouds:
            return f"{offer.cloud} is not among the clouds asked"
        if chip is not None and not offer.chip.satisfies(chip):
            return f"its GPU is {offer.gpu}, not {chip.name}"
        if offer.gpu_count != self.count:
            return f"it has {offer.gpu_count} GPUs, not {self.count}"
        if self.min_memory_gb is not None and (offer.memory_gb or 0) < self.min_memory_gb:
            return f"{offer.memory_gb or 'unknown'} GB per GPU is below {self.min_memory_gb}"
        if self.max_price_per_hour is not None:
            if offer.price_per_hour is None:
                return "it has no price to hold against max_price_per_hour"
            if offer.price_per_hour > self.max_price_per_hour + 1e-9:
                return f"${offer.price_per_hour:.2f}/h is above {self.max_price_per_hour:g}"
        if self.region is not None and self.region.lower() not in (offer.region or "").lower():
            return f"it is in {offer.region or 'an unnamed region'}, not {self.region}"
        if self.country is not None and (offer.country or "").upper() != self.country.upper():
            return f"it is in {offer.country or 'an unknown country'}, not {self.country}"
        if self.spot is not None and bool(offer.spot) != self.spot:
            return "it is a spot machine" if offer.spot else "it is not a spot machine"
        return None

    def select(self, found: Iterable[Offer]) -> list[Offer]:
        """The offers that satisfy the request, cheapest first (unpriced last)."""
        return sorted((o for o in found if self.mismatch(o) is None), key=Offer.sort_key)


class Offers(list[Offer]):
    """Offers, cheapest first; ``skipped`` says which clouds could not be asked, and why."""

    skipped: dict[str, str]
    """Cloud -> why it was left out (not configured, or did not answer)."""

    def __init__(self, found: Iterable[Offer] = (), skipped: dict[str, str] | None = None):
        super().__init__(found)
        self.skipped: dict[str, str] = dict(skipped or {})


def market_of(cloud: str) -> ModuleType:
    """The cloud's ``market`` module (``pulumi_gpu.<cloud>.market``)."""
    return importlib.import_module(f"pulumi_gpu.{cloud}.market")


def load_markets() -> None:
    """Import every cloud's market module in this thread, before other threads need them.

    Two threads importing one package for the first time at once can each find it half
    made ("cannot import name 'Pod' from partially initialized module"): a provider
    process runs the engine's calls in threads, and :func:`search` asks the clouds in
    threads. So :func:`search` loads the markets before it starts its threads, and
    ``market.pod`` when its provider is unpickled (the SDK unpickles one at a time).
    """
    for cloud in CLOUDS:
        market_of(cloud)


def cloud_offers(cloud: CloudName, request: OfferRequest) -> list[Offer]:
    """One cloud's offers for ``request`` (its ``market.offers``), unfiltered by the rest."""
    found: list[Offer] = market_of(cloud).offers(request)
    return found


@lookup
def offers(
    gpu: str | None = None,
    *,
    count: int = 1,
    max_price_per_hour: float | None = None,
    min_memory_gb: int | None = None,
    clouds: Sequence[CloudName] | None = None,
    region: str | None = None,
    country: str | None = None,
    spot: bool | None = None,
) -> Offers:
    """What can be rented now on the configured clouds, cheapest first.

    Each cloud's credentials come from its usual settings (e.g.
    ``pulumi-gpu:runpodApiKey`` / ``RUNPOD_API_KEY``); a cloud without them, or one that
    does not answer, is left out and named in the result's ``skipped``.

    Example::

        cheapest = pulumi_gpu.offers("H100", count=8, max_price_per_hour=25)[0]
        pulumi.export("h100x8", f"{cheapest.cloud} {cheapest.region} ${cheapest.price_per_hour}/h")
    """
    request = OfferRequest.model_validate(
        {
            "gpu": gpu,
            "count": count,
            "max_price_per_hour": max_price_per_hour,
            "min_memory_gb": min_memory_gb,
            "clouds": tuple(clouds) if clouds else CLOUDS,
            "region": region,
            "country": country,
            "spot": spot,
        }
    )
    return search(request)


def search(request: OfferRequest) -> Offers:
    """:func:`offers` for a validated request: every cloud asked at once."""
    found: list[Offer] = []
    skipped: dict[str, str] = {}
    load_markets()
    with ThreadPoolExecutor(max_workers=len(request.clouds)) as pool:
        # Each cloud in its own copy of this context: in a Pulumi program, the stack's
        # configuration (credentials) lives in context variables.
        futures = {
            c: pool.submit(contextvars.copy_context().run, cloud_offers, c, request)
            for c in request.clouds
        }
        for cloud, future in futures.items():
            try:
                found.extend(future.result())
            except ConfigurationError as exc:
                skipped[cloud] = f"not configured: {exc}"
            except GpuCloudError as exc:
                skipped[cloud] = f"did not answer: {exc}"
    return Offers(request.select(found), skipped)
