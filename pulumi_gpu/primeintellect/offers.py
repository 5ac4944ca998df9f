"""Choosing a Prime Intellect offer for a pod: at create, at preview, and for a replacement.

An offer is a row of ``/availability/gpus``. :class:`OfferQuery` (lookups) says whether
one fits; this module turns a pod's inputs into the create request on the cheapest
fitting offer, moves on when an offer runs out meanwhile, records the chosen offer, and
checks at preview that an offer exists where that is knowable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from pulumi_gpu.core.errors import ApiError, GpuCloudError, NoCapacity
from pulumi_gpu.core.inputs import contains_unknown
from pulumi_gpu.core.log import report
from pulumi_gpu.core.pricing import PriceCap, Quote
from pulumi_gpu.primeintellect.client import PrimeClient, team
from pulumi_gpu.primeintellect.lookups import OfferQuery
from pulumi_gpu.primeintellect.models import GpuOffer, is_capacity_error
from pulumi_gpu.primeintellect.models import Pod as ApiPod
from pulumi_gpu.primeintellect.pod_inputs import OFFER_FIELDS, SIZING_FIELDS, PodInputs

OFFER_ATTEMPTS = 8
"""Offers tried, cheapest first, when the cheapest ones run out of capacity meanwhile."""


def offer_record(offer: GpuOffer, price: float | None) -> dict[str, Any]:
    """The chosen offer as recorded in the ``offer`` output."""
    return {
        "cloud_id": offer.cloud_id,
        "gpu_type": offer.gpu_type,
        "socket": offer.socket,
        "gpu_count": offer.gpu_count,
        "provider": offer.provider,
        "data_center_id": offer.data_center,
        "country": offer.country,
        "region": offer.region,
        "security": offer.security,
        "is_spot": bool(offer.is_spot),
        "price_per_hour": price,
    }


def recorded_offer(record: Mapping[str, Any]) -> GpuOffer:
    return GpuOffer(
        cloud_id=record.get("cloud_id") or "",
        gpu_type=record.get("gpu_type") or "",
        socket=record.get("socket") or "",
        provider=record.get("provider") or "",
        data_center=record.get("data_center_id"),
        country=record.get("country"),
        region=record.get("region"),
        gpu_count=int(record.get("gpu_count") or 0),
        security=record.get("security") or "",
        is_spot=record.get("is_spot"),
    )


def still_fits(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
    """True if the new offer fields are all satisfied by the offer the pod runs on."""
    record = olds.get("offer")
    if not isinstance(record, Mapping) or not record.get("cloud_id"):
        return False
    fields = PodInputs.model_fields
    values = {f: news.get(f, fields[f].get_default()) for f in OFFER_FIELDS}
    if contains_unknown(values):
        return False
    values["gpu_count"] = values["gpu_count"] or 1
    try:
        wanted = OfferQuery.model_validate(values)
    except ValidationError:
        return False
    if wanted.identity_mismatch(recorded_offer(record)) is not None:
        return False
    price = record.get("price_per_hour")
    limit = wanted.max_price_per_hour
    return limit is None or (price is not None and float(price) <= limit + 1e-9)


def _max_price(inputs: PodInputs, query: OfferQuery, offer: GpuOffer) -> float | None:
    """The maxPrice to send: the user's, else the offer's current price (fixed prices)."""
    if inputs.max_price_per_hour is not None:
        return inputs.max_price_per_hour
    price = query.price(offer)
    if price is None or offer.prices.is_variable:
        return None
    return math.ceil(price * 100 - 1e-6) / 100


def create_body(inputs: PodInputs, query: OfferQuery, offer: GpuOffer) -> dict[str, Any]:
    pod = {
        "name": inputs.name,
        "cloudId": offer.cloud_id,
        "gpuType": offer.gpu_type,
        "socket": offer.socket,
        "gpuCount": offer.gpu_count,
        "diskSize": inputs.disk_size,
        "vcpus": inputs.vcpus,
        "memory": inputs.memory,
        "maxPrice": _max_price(inputs, query, offer),
        "image": inputs.effective_image,
        "customTemplateId": inputs.custom_template_id,
        "dataCenterId": offer.data_center,
        "country": inputs.country,
        "security": offer.security,
        "envVars": [{"key": k, "value": v} for k, v in inputs.env_vars.items()] or None,
        "jupyterPassword": inputs.jupyter_password,
        "sshKeyId": inputs.ssh_key_id,
        "autoRestart": inputs.auto_restart,
    }
    body: dict[str, Any] = {
        "pod": {k: v for k, v in pod.items() if v is not None},
        "provider": {"type": offer.provider},
    }
    if inputs.disk_ids:
        body["disks"] = list(inputs.disk_ids)
    if team():
        body["team"] = team()
    return body


def create_on_offers(client: PrimeClient, inputs: PodInputs, what: str) -> tuple[ApiPod, GpuOffer]:
    """Create on the cheapest matching offer; move on while offers run out meanwhile.

    Only a definite "no capacity" moves on: an answer that may hide a made pod raises,
    so the lifecycle looks for it before anything is created again.
    """
    query = inputs.offer_query()
    offers = query.search(client)
    if not offers:
        raise NoCapacity(
            f"no Prime Intellect offer in stock matches {query.describe()}"
            + cheapest_hint(client, query)
        )
    tried: list[str] = []
    refusal: ApiError | None = None
    for offer in offers[:OFFER_ATTEMPTS]:
        try:
            pod = client.create_pod(create_body(inputs, query, offer))
        except ApiError as exc:
            if not is_capacity_error(exc):
                raise
            refusal = exc
            tried.append(f"{offer.provider} {offer.data_center} {offer.cloud_id}")
            report(f"{what}: {offer.cloud_id} in {offer.data_center} is full; next offer")
            continue
        return pod, offer
    raise NoCapacity(
        f"{what}: every offer tried was out of capacity ({'; '.join(tried)}); "
        "try again later or widen the offer fields"
    ) from refusal


def pinned_offer_failures(client: PrimeClient, inputs: PodInputs) -> list[CheckFailure]:
    """With ``cloud_id`` the offer is known at preview: check sizes, image and price."""
    query = inputs.offer_query()
    offers = client.gpu_availability(**{**query.api_filters(), "disks": None})
    same = [o for o in offers if query.identity_mismatch(o) is None]
    if not same:
        try:
            near = client.gpu_availability(cloud_id=query.cloud_id)
        except GpuCloudError:
            near = []
        return [CheckFailure("cloud_id", no_offer(query, near))]
    if any(not query.problems(o) for o in same):
        return []
    best = min(same, key=query.sort_key)
    return [CheckFailure(field, reason) for field, reason in query.problems(best).items()]


def price_cap(client: Callable[[], PrimeClient], inputs: PodInputs) -> PriceCap | None:
    """``max_price_per_hour``, held against the offers in stock that fit the rest of the
    inputs, each priced for the pod's disk, vCPUs and memory (see ``pricing``)."""
    if inputs.max_price_per_hour is None:
        return None
    query = inputs.offer_query().model_copy(update={"max_price_per_hour": None})

    def quotes() -> list[Quote]:
        found = []
        for o in query.search(client()):
            price = query.price(o)
            if price is not None:
                where = f"{o.provider} {o.data_center or o.region or ''}".strip()
                found.append(Quote(price, f"{o.gpu_count}x {o.gpu_type} {o.socket} from {where}"))
        return found

    return PriceCap("max_price_per_hour", inputs.max_price_per_hour, quotes)


def judged(values: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that choose or size the offer."""
    return {f: values.get(f) for f in (*OFFER_FIELDS, *SIZING_FIELDS, "custom_template_id")}


def replacement_blocker(client: Callable[[], PrimeClient], news: Mapping[str, Any]) -> str | None:
    """Why a pod that must be deleted before its replacement is made should not be: no
    offer in stock fits the new inputs, so nothing would run afterwards."""
    if contains_unknown(news):
        return None
    try:
        inputs = PodInputs.model_validate(news)
    except ValidationError:
        return None
    query = inputs.offer_query()
    try:
        if query.search(client()):
            return None
        hint = cheapest_hint(client(), query)
    except GpuCloudError as exc:
        report(f"warning: could not check Prime Intellect's offers at preview: {exc}")
        return None
    return (
        f"no Prime Intellect offer in stock matches {query.describe()}, and the running pod "
        "would be deleted first (it holds disks the new one needs), leaving nothing running" + hint
    )


def no_offer(query: OfferQuery, offers: Sequence[GpuOffer]) -> str:
    described = query.model_copy(
        update={"image": None, "disk_size": None, "vcpus": None, "memory": None, "disks": ()}
    ).describe()
    close = [o for o in offers if o.cloud_id == query.cloud_id]
    if close:
        shown = "; ".join(
            f"{o.gpu_count}x {o.gpu_type} {o.socket} from {o.provider} in {o.data_center}"
            for o in close[:5]
        )
        return f"no offer matches {described}; offers with that cloud_id: {shown}"
    return f"no offer matches {described}; see primeintellect.get_availability()"


def cheapest_hint(client: PrimeClient, query: OfferQuery) -> str:
    loose = OfferQuery(gpu_type=query.gpu_type, gpu_count=query.gpu_count)
    similar = loose.search(client)[:3]
    if not similar:
        return f"; no {query.gpu_count or ''}x {query.gpu_type or 'GPU'} offer is in stock now"
    shown = ", ".join(
        f"{o.provider} {o.data_center} {o.socket} at ${o.price_per_hour or 0:.2f}/h"
        for o in similar
    )
    return f"; cheapest {query.gpu_count}x {query.gpu_type} in stock now: {shown}"
