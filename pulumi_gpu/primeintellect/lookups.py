"""Read-only Prime Intellect lookups for Pulumi programs, and offer matching.

:class:`OfferQuery` is the one definition of "this offer fits": ``get_availability``
filters with it, and ``primeintellect.Pod`` uses it to pick the cheapest offer at
create time and to check explicit offers at preview.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.lookup import AccountPod, gpu_label, lookup, oldest_first
from pulumi_gpu.primeintellect.client import PAGE_SIZE, PrimeClient, prime_client
from pulumi_gpu.primeintellect.models import (
    DiskOffer,
    GpuOffer,
    GpuType,
    HistoryEntry,
    Image,
    ProviderType,
    Region,
    Security,
    Socket,
)

__all__ = [
    "AccountPod",
    "DiskOffer",
    "GpuOffer",
    "HistoryEntry",
    "OfferQuery",
    "get_availability",
    "get_disk_availability",
    "get_pod_history",
    "get_pod_logs",
    "get_pods",
]

_STOCK_RANK = {"High": 0, "Available": 1, "Medium": 2, "Low": 3, "Unavailable": 4}


class OfferQuery(BaseModel):
    """What a pod needs from an offer; every criterion left out matches anything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gpu_type: GpuType | None = None
    gpu_count: int | None = Field(None, ge=1)
    socket: Socket | None = None
    cloud_id: str | None = None
    provider: ProviderType | None = None
    data_center_id: str | None = None
    country: str | None = None
    region: Region | None = None
    security: Security | None = None
    is_spot: bool | None = None
    max_price_per_hour: float | None = Field(None, gt=0)
    image: Image | None = None
    disk_size: int | None = Field(None, gt=0)
    vcpus: int | None = Field(None, gt=0)
    memory: int | None = Field(None, gt=0)
    disks: tuple[str, ...] = ()

    def api_filters(self) -> dict[str, Any]:
        """The criteria the availability endpoint filters by itself."""
        return {
            "gpu_type": self.gpu_type,
            "gpu_count": self.gpu_count,
            "socket": self.socket,
            "security": self.security,
            "data_center_id": self.data_center_id,
            "cloud_id": self.cloud_id,
            "regions": [self.region] if self.region else None,
            "disks": list(self.disks) or None,
        }

    def identity_mismatch(self, offer: GpuOffer) -> str | None:
        """Why the offer is not the kind of machine asked for (GPU, place, provider)."""
        wanted: tuple[tuple[str, object, object], ...] = (
            ("gpu_type", self.gpu_type, offer.gpu_type),
            ("gpu_count", self.gpu_count, offer.gpu_count),
            ("socket", self.socket, offer.socket),
            ("cloud_id", self.cloud_id, offer.cloud_id),
            ("provider", self.provider, offer.provider),
            ("data_center_id", self.data_center_id, offer.data_center),
            ("region", self.region, offer.region),
            ("security", self.security, offer.security),
            ("is_spot", self.is_spot, bool(offer.is_spot)),
        )
        for name, want, have in wanted:
            if want is not None and want != have:
                return f"{name} is {have!r}, not {want!r}"
        if self.country is not None and (offer.country or "").upper() != self.country.upper():
            return f"country is {offer.country!r}, not {self.country!r}"
        return None

    def problems(self, offer: GpuOffer) -> dict[str, str]:
        """Input field -> why this offer cannot give what it asks (image, sizes, price)."""
        found: dict[str, str] = {}
        if self.image is not None and offer.images and self.image not in offer.images:
            found["image"] = (
                f"{self.image} is not offered by {offer.cloud_id}; allowed: "
                + ", ".join(offer.images)
            )
        for name, value, spec, unit in (
            ("disk_size", self.disk_size, offer.disk, " GB"),
            ("vcpus", self.vcpus, offer.vcpu, ""),
            ("memory", self.memory, offer.memory, " GB"),
        ):
            if value is not None and not spec.admits(value):
                found[name] = (
                    f"{value} is outside what {offer.cloud_id} ({offer.provider} "
                    f"{offer.data_center}) allows: {spec.describe(unit)}"
                )
        if self.max_price_per_hour is not None:
            price = self.price(offer)
            if price is None or price > self.max_price_per_hour + 1e-9:
                shown = "unpriced" if price is None else f"${price:.2f}/h"
                found["max_price_per_hour"] = (
                    f"{offer.cloud_id} ({offer.provider} {offer.data_center}) costs {shown}, "
                    f"above {self.max_price_per_hour:g}"
                )
        return found

    def matches(self, offer: GpuOffer) -> bool:
        return self.identity_mismatch(offer) is None and not self.problems(offer)

    def price(self, offer: GpuOffer) -> float | None:
        """Hourly price of a pod with this query's resources on ``offer``."""
        return offer.estimate(disk_size=self.disk_size, vcpus=self.vcpus, memory=self.memory)

    def sort_key(self, offer: GpuOffer) -> tuple[float, int, str, str]:
        price = self.price(offer)
        return (
            math.inf if price is None else price,
            _STOCK_RANK.get(offer.stock_status, 2),
            offer.data_center or "",
            offer.cloud_id,
        )

    def candidates(self, offers: Sequence[GpuOffer], *, available: bool = True) -> list[GpuOffer]:
        """The matching offers, cheapest first (only those in stock when ``available``)."""
        found = [o for o in offers if self.matches(o) and (o.available or not available)]
        return sorted(found, key=self.sort_key)

    def search(self, client: PrimeClient, *, available: bool = True) -> list[GpuOffer]:
        """Ask the API (all pages) and return :meth:`candidates`."""
        offers = client.gpu_availability(**self.api_filters())
        return self.candidates(offers, available=available)

    def describe(self) -> str:
        shown = self.model_dump(exclude_none=True, exclude_defaults=True)
        return ", ".join(f"{k}={v!r}" for k, v in shown.items()) or "any offer"


@lookup
def get_availability(
    *,
    gpu_type: GpuType | None = None,
    gpu_count: int | None = None,
    socket: Socket | None = None,
    provider: ProviderType | None = None,
    data_center_id: str | None = None,
    country: str | None = None,
    region: Region | None = None,
    security: Security | None = None,
    max_price_per_hour: float | None = None,
    image: Image | None = None,
    cloud_id: str | None = None,
    is_spot: bool | None = None,
    include_unavailable: bool = False,
) -> list[GpuOffer]:
    """GPU offers now, cheapest first, filtered like a ``primeintellect.Pod``'s offer fields.

    Each offer carries what a pod is created from (``cloud_id``, ``gpu_type``,
    ``socket``, ``provider``, ``data_center``), its ``price_per_hour``, the ``images``
    it runs and its ``disk``/``vcpu``/``memory`` ranges. ``is_spot``: only spot offers
    (True) or only the others (False); both when unset. Offers out of stock are left
    out unless ``include_unavailable``. Credentials come from ``pulumi-gpu:primeApiKey``
    / ``PRIME_API_KEY`` (endpoint ``pulumi-gpu:primeEndpoint`` / ``PRIME_API_URL``).

    Example::

        cheapest = primeintellect.get_availability(gpu_type="H100_80GB", gpu_count=8)[0]
        pulumi.export("h100x8", f"{cheapest.provider} {cheapest.data_center} "
                                f"${cheapest.price_per_hour}/h")
    """
    offer_query = OfferQuery.model_validate(
        {
            "gpu_type": gpu_type,
            "gpu_count": gpu_count,
            "socket": socket,
            "provider": provider,
            "data_center_id": data_center_id,
            "country": country,
            "region": region,
            "security": security,
            "max_price_per_hour": max_price_per_hour,
            "image": image,
            "cloud_id": cloud_id,
            "is_spot": is_spot,
        }
    )
    return offer_query.search(prime_client(), available=not include_unavailable)


@lookup
def get_disk_availability(
    *,
    provider: ProviderType | None = None,
    data_center_id: str | None = None,
    country: str | None = None,
    region: Region | None = None,
) -> list[DiskOffer]:
    """Where ``primeintellect.Disk``s can be created, cheapest per GB first.

    Each location has a ``provider``, ``data_center`` and ``spec`` (sizes in GB and
    the price per GB-hour); a pod can attach a disk of the same provider and data
    center.
    """
    offers = prime_client().disk_availability(
        data_center_id=data_center_id, regions=[region] if region else None
    )
    found = [
        o
        for o in offers
        if (provider is None or o.provider == provider)
        and (country is None or (o.country or "").upper() == country.upper())
    ]
    return sorted(
        found,
        key=lambda o: (
            math.inf if o.spec.price_per_unit is None else o.spec.price_per_unit,
            o.data_center or "",
        ),
    )


@lookup
def get_pod_logs(pod_id: str, *, tail: int = 100) -> list[str]:
    """The last ``tail`` lines of a pod's log (its installation and start).

    Example::

        print("\\n".join(primeintellect.get_pod_logs(pod_id, tail=20)))
    """
    return prime_client().pod_logs(pod_id, tail=tail)


@lookup
def get_pods() -> list[AccountPod]:
    """Every pod of the account now, whoever made it, oldest first.

    Example::

        pulumi.export("prime_pods", [f"{p.name} {p.status}" for p in primeintellect.get_pods()])
    """
    found = [
        AccountPod(
            cloud="primeintellect",
            id=pod.id,
            name=pod.name,
            status=pod.status,
            gpu=gpu_label(pod.gpu_count, pod.gpu_name),
            cost_per_hour=pod.price_hr,
            created_at=pod.created_at,
        )
        for pod in prime_client().list_pods()
    ]
    return oldest_first(found)


@lookup
def get_pod_history(*, limit: int = 100) -> list[HistoryEntry]:
    """The account's terminated pods, the most recently ended first, at most ``limit``:
    each with its ``gpu_name``, ``gpu_count``, ``price_hr``, ``created_at``,
    ``terminated_at`` and ``total_billed_price`` (USD).

    Example::

        spent = sum(e.total_billed_price for e in primeintellect.get_pod_history(limit=500))
    """
    if limit < 1:
        raise GpuCloudError(f"limit must be at least 1, got {limit}")
    client = prime_client()
    found: list[HistoryEntry] = []
    while len(found) < limit:
        wanted = min(PAGE_SIZE, limit - len(found))
        page, total = client.pod_history(offset=len(found), limit=wanted)
        found.extend(page)
        if not page or len(found) >= total:
            break
    return found
