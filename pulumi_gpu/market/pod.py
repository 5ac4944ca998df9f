"""``pulumi_gpu.Pod``: a pod that names what it needs, not where it runs.

At create, the cheapest offer that satisfies the requirements (:mod:`.offers`) is rented
on its cloud through that cloud's own pod provider, so creating once, waiting, cleaning
up a failed start and every later read, update and delete are that kind's. A capacity
refusal or a failed start moves on to the next offer (``max_attempts`` in all); the
choice is recorded (``cloud``, ``offer``, ``price_per_hour``). Before choosing, every
cloud is searched for this resource's pod that an interrupted run left (it bears the
resource's mark): one that still satisfies the requirements is adopted, so a killed
``pulumi up`` never rents a second pod on another cloud; one that no longer does is
deleted first.

Afterwards the placement is stable: a changed requirement that the running pod still
satisfies is recorded without touching it; one it no longer satisfies replaces it.
Container inputs are diffed by the hosting cloud's own rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.errors import ConfigurationError, ForeignObject, GpuCloudError
from pulumi_gpu.core.identity import OWNER_KEY, NameRule, Owner
from pulumi_gpu.core.inputs import (
    ADOPT_ID,
    SCHEMA_VERSION_KEY,
    contains_unknown,
    model_values,
    without_provider,
)
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.core.pricing import PriceCap, Quote
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import Machine
from pulumi_gpu.market.offers import Offer, load_markets, search
from pulumi_gpu.market.placement import (
    PLACEABLE,
    Host,
    PlaceableCloud,
    host,
    worth_another_offer,
)
from pulumi_gpu.market.pod_inputs import GpuRequirement, GpuRequirementArgs, PodInputs

__all__ = ["GpuRequirement", "GpuRequirementArgs", "PlaceableCloud", "Pod", "PodInputs"]

load_markets()  # the provider's calls, in threads, then import none (see load_markets)

SCHEMA_VERSION = 1
"""The version of a placed pod's state (placed pods came after 0.1.0: none to migrate)."""

PLACEMENT_FIELDS = ("gpu", "clouds", "region", "country")
"""Inputs that choose the offer: a change the running pod still satisfies is recorded."""
CONTAINER_FIELDS = ("image", "env", "exposed_ports", "ssh_public_keys", "disk_gb")
"""Inputs the hosting cloud applies: its own pod kind decides update or replace."""
MACHINE_OUTPUTS = (
    "ssh_command",
    "ssh_host",
    "ssh_port",
    "ssh_user",
    "public_ip",
    "ports",
    "cost_per_hour",
    "status",
    "cloud_status",
    "account",
)


class PodProvider(GpuProvider[Any, Any]):
    """Places a pod on the cheapest satisfying offer; the hosting cloud's provider runs it."""

    inputs_model = PodInputs
    kind = "pod"
    schema_version = SCHEMA_VERSION
    name_rule = NameRule(lower=True, underscores=False)
    secret_outputs = frozenset({"placement"})

    def inventory(self) -> list[Any]:
        return []  # its pods are listed by the kind of the cloud each landed on

    # -- preview --------------------------------------------------------------------

    def price_cap(self, inputs: PodInputs) -> PriceCap | None:
        """``gpu.max_price_per_hour``, held against the priced offers that fit the rest of
        the requirements on the clouds that can host the pod."""
        ceiling = inputs.gpu.max_price_per_hour
        if ceiling is None:
            return None

        def quotes() -> list[Quote]:
            usable, _ = inputs.hosts()
            if not usable:
                return []
            rest = inputs.request(list(usable)).model_copy(update={"max_price_per_hour": None})
            return [
                Quote(o.price_per_hour, f"{o.gpu_count}x {o.gpu} on {o.cloud} in {o.region or '?'}")
                for o in search(rest)
                if o.price_per_hour is not None
            ]

        return PriceCap("gpu.max_price_per_hour", ceiling, quotes)

    def planned(self, props: dict[str, Any]) -> dict[str, Any]:
        """The offer a create would rent now (the cheapest that fits) and its price; the
        create itself looks again, and first for a pod an interrupted run left."""
        values = model_values(without_provider(props))
        if contains_unknown(values) or values.get("adopt_id") is not None:
            return {}
        spec = PodInputs.model_validate(values)
        usable, _ = spec.hosts()
        found = search(spec.request(list(usable))) if usable else []
        if not found:
            return {}
        offer = found[0]
        report(f"pod {spec.name}: would rent {_where(offer)}")
        price = offer.price_per_hour
        return {"cloud": offer.cloud, "offer": offer.model_dump(), "price_per_hour": price}

    def check_inputs(
        self, olds: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[CheckFailure]:
        if contains_unknown(values):
            return []
        spec = PodInputs.model_validate(values)
        usable, ruled_out = spec.hosts()
        if "clouds" in values and ruled_out:
            return [
                CheckFailure("clouds", f"{cloud} cannot honour {why}")
                for cloud, why in _ruled_out_lines(ruled_out)
            ]
        if not usable:
            lines = "; ".join(
                f"{cloud} cannot honour {why}" for cloud, why in _ruled_out_lines(ruled_out)
            )
            return [CheckFailure("clouds", f"no cloud can host this pod: {lines}")]
        if olds or spec.adopt_id is not None:
            return []  # placed already (or adopted): the market does not matter now
        found = search(spec.request(list(usable)))
        if not found:
            asked = ", ".join(usable)
            skipped = "".join(f"; {c} {why}" for c, why in found.skipped.items())
            return [
                CheckFailure("gpu", f"no offer on {asked} satisfies {_describe(spec)} now{skipped}")
            ]
        return []

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = without_provider(olds), without_provider(news)
        place, inner_id = host(olds["cloud"]), _inner_id(id_)
        lifecycle.claims.hold(place.provider.kind, inner_id)
        if contains_unknown(news):  # judged again at `up`, when the values are known
            return DiffResult(changes=True, replaces=[], stables=[], delete_before_replace=False)
        old = PodInputs.model_validate({k: olds[k] for k in PodInputs.model_fields if k in olds})
        new = PodInputs.model_validate(model_values(news))
        changed = [f for f in PodInputs.model_fields if getattr(old, f) != getattr(new, f)]
        moved = [f for f in changed if f in PLACEMENT_FIELDS]
        replaces = [f for f in changed if f in PodInputs.replace_fields() and f not in moved]
        moves = self._no_longer_fits(olds, new) is not None
        if moves:
            replaces += moved
            self._check_somewhere_to_go(new, olds["cloud"])
        inner = place.provider.diff(inner_id, olds["placement"], _inner_inputs(place, new, olds))
        if inner.replaces:  # a container change the cloud cannot apply, or a repair
            replaces += [f for f in changed if f in CONTAINER_FIELDS] or ["status"]
        if replaces and isinstance(olds.get(ADOPT_ID), str):
            lifecycle.claims.replacing_adopted(self.kind, olds[ADOPT_ID])
        return DiffResult(
            changes=bool(changed) or bool(inner.changes),
            replaces=sorted(set(replaces)),
            stables=[],
            delete_before_replace=bool(inner.delete_before_replace) and not moves,
        )

    # -- the lifecycle, through the hosting cloud's provider ---------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = PodInputs.model_validate(model_values(props))
        owner = props.get(OWNER_KEY)
        what = f"pod {spec.name}"
        tried: list[str] = []
        adopted = spec.adopted()
        if adopted is not None and self._adopting(spec.adopt_id):
            place, inner_id = adopted
            offer = _offer_of(place, inner_id)
            return self._rent(spec, place, offer, props, tried, adopt_id=inner_id)
        usable, _ = spec.hosts()
        left = self._left_behind(spec, Owner.parse(owner), usable, what)
        if left is not None:  # the cloud's own create adopts it
            place, offer = left
            return self._rent(spec, place, offer, props, tried)
        found = search(spec.request(list(usable)))
        if not found:
            raise GpuCloudError(f"{what}: no offer satisfies {_describe(spec)} now")
        for offer in found[: spec.max_attempts]:
            place = usable[offer.cloud]
            try:
                return self._rent(spec, place, offer, props, tried)
            except GpuCloudError as exc:
                reason = worth_another_offer(place, exc)
                if reason is None:
                    raise
                tried.append(f"{_where(offer)}: {reason} ({exc})")
                report(f"{what}: {_where(offer)}: {reason}; trying the next offer")
        raise GpuCloudError(
            f"{what}: no offer could be rented ({len(tried)} tried, cheapest first):\n- "
            + "\n- ".join(tried)
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        state = without_provider(props)
        place = host(state["cloud"])
        inner = place.provider.read(_inner_id(id_), state["placement"])
        if not inner.id:
            return ReadResult(None, {})
        return ReadResult(id_, {**state, **_outputs(inner.outs or {}), "placement": inner.outs})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        state, news = without_provider(olds), without_provider(news)
        spec = PodInputs.model_validate(model_values(news))
        place = host(state["cloud"])
        inner = place.provider.update(
            _inner_id(id_), state["placement"], _inner_inputs(place, spec, state)
        )
        kept = {k: state[k] for k in ("cloud", "offer", "price_per_hour", "attempts")}
        return UpdateResult({**news, **kept, **_outputs(inner.outs or {}), "placement": inner.outs})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        state = without_provider(props)
        host(state["cloud"]).provider.delete(_inner_id(id_), state["placement"])

    # -- helpers ----------------------------------------------------------------------

    def _rent(
        self,
        spec: PodInputs,
        place: Host,
        offer: Offer,
        props: Mapping[str, Any],
        tried: list[str],
        *,
        adopt_id: str | None = None,
    ) -> CreateResult:
        """Make (or with ``adopt_id``, take over) the pod of ``offer`` through its cloud's
        own provider, and record where it is."""
        inputs = {**place.inputs(spec, offer.rent), OWNER_KEY: props.get(OWNER_KEY)}
        if adopt_id is not None:
            inputs[ADOPT_ID] = adopt_id
        made = place.provider.create(inputs)
        outputs = {
            **without_provider(props),
            **_outputs(made.outs or {}),
            "cloud": place.cloud,
            "offer": offer.model_dump(),
            "price_per_hour": offer.price_per_hour or (made.outs or {}).get("cost_per_hour"),
            "attempts": tried,
            "placement": made.outs,
        }
        return CreateResult(f"{place.cloud}/{made.id}", outputs)

    def adoptable(self, adopt_id: str, news: Mapping[str, Any]) -> dict[str, Any]:
        """The pod ``adopt_id`` names satisfies the requirements, and its cloud's own kind
        can take it over as the container inputs declare it (checked at preview)."""
        spec = PodInputs.model_validate(model_values(news))
        adopted = spec.adopted()
        assert adopted is not None
        place, inner_id = adopted
        if place.cloud not in spec.clouds:
            raise GpuCloudError(
                f"adopt_id names a {place.cloud} pod, and {place.cloud} is not among clouds"
            )
        offer = _offer_of(place, inner_id)
        why = spec.request([place.cloud]).mismatch(offer)
        if why is not None:
            raise GpuCloudError(f"{place.cloud} pod {inner_id} does not satisfy gpu: {why}")
        inputs = {
            **place.inputs(spec, offer.rent),
            ADOPT_ID: inner_id,
            OWNER_KEY: news.get(OWNER_KEY),
        }
        return place.provider.adoptable(inner_id, inputs)

    def _left_behind(
        self, spec: PodInputs, owner: Owner | None, usable: Mapping[str, Host], what: str
    ) -> tuple[Host, Offer] | None:
        """A live pod of this resource that an interrupted run left, and the offer it runs
        on, if it still satisfies the requirements; one that does not (they changed since,
        or its cloud is no longer allowed) is deleted, and the pod placed anew."""
        for cloud in PLACEABLE:
            place = host(cloud)
            model: Any = place.provider.inputs_model  # find() reads only the name
            probe = model.model_construct(name=spec.name).owned_by(owner)
            try:
                left = lifecycle.leftover(place.provider, probe, what)
            except ConfigurationError:
                continue  # no credentials for it: nothing of ours is there
            except ForeignObject:
                if cloud in usable:
                    raise
                continue  # not ours, on a cloud this pod does not use
            if left is None:
                continue
            offer = place.offer_of(left)
            why = spec.request([cloud]).mismatch(offer) if cloud in usable else None
            if cloud in usable and why is None:
                return place, offer
            left_id = place.provider.object_id(left)
            report(
                f"{what}: deleting {cloud} pod {left_id}, made by an earlier run that did not "
                f"finish, which no longer satisfies it ({why or f'{cloud} is not allowed'}); "
                "placing it anew"
            )
            lifecycle.delete_and_wait(place.provider, left_id, {}, what)
        return None

    def _check_somewhere_to_go(self, new: PodInputs, cloud: str) -> None:
        """Refuse at preview a move for which no offer exists now (the new pod is made
        before the old one goes, so the old one would stay, but ``up`` would fail)."""
        usable, _ = new.hosts()
        found = search(new.request(list(usable)))
        if not found:
            raise GpuCloudError(
                f"pod {new.name} cannot move: no offer on {', '.join(usable) or 'any cloud'} "
                f"satisfies {_describe(new)} now; it stays on {cloud} until one does (or "
                "keep its requirements)"
            )

    def _no_longer_fits(self, olds: Mapping[str, Any], new: PodInputs) -> str | None:
        """Why the running pod does not satisfy ``new``'s requirements (None if it does)."""
        offer = Offer.model_validate(olds["offer"])
        if offer.cloud not in new.clouds:
            return f"{offer.cloud} is no longer among its clouds"
        return new.request().mismatch(offer)


def _inner_id(id_: str) -> str:
    return id_.split("/", 1)[1]


def _inner_inputs(place: Host, spec: PodInputs, state: Mapping[str, Any]) -> dict[str, Any]:
    """The hosting kind's inputs for a placed pod already made: those of its offer, with
    the ``adopt_id`` its state holds (so an adopted pod shows no change)."""
    inputs = place.inputs(spec, state["offer"]["rent"])
    adopted = (state.get("placement") or {}).get(ADOPT_ID)
    if adopted is not None:
        inputs[ADOPT_ID] = adopted
    return inputs


def _offer_of(place: Host, inner_id: str) -> Offer:
    """The offer a live pod of ``place`` runs on; refused when there is no such pod."""
    found = place.provider.fetch(inner_id, {})
    if found is None or place.provider.observe(found).phase in (Phase.GONE, Phase.DELETING):
        raise GpuCloudError(
            f"no {place.provider.kind} {inner_id} exists for the configured credentials "
            f"({place.provider.client().account()})"
        )
    return place.offer_of(found)


def _outputs(inner: Mapping[str, Any]) -> dict[str, Any]:
    """A placed pod's machine outputs, from its hosting kind's (and its state's version)."""
    return {**{k: inner.get(k) for k in MACHINE_OUTPUTS}, SCHEMA_VERSION_KEY: SCHEMA_VERSION}


def _where(offer: Offer) -> str:
    price = "unpriced" if offer.price_per_hour is None else f"${offer.price_per_hour:.2f}/h"
    return f"{offer.cloud} {offer.gpu_count}x {offer.gpu} in {offer.region or '?'} ({price})"


def _describe(spec: PodInputs) -> str:
    shown = spec.request().model_dump(exclude_none=True, exclude={"clouds"})
    return ", ".join(f"{k}={v!r}" for k, v in shown.items())


def _ruled_out_lines(ruled_out: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str]]:
    return [
        (cloud, f"{field} ({why})")
        for cloud, why_not in ruled_out.items()
        for field, why in why_not.items()
    ]


class Pod(Machine, module="market", name="Pod"):
    """A GPU pod placed on the cheapest cloud that satisfies its requirements.

    Example::

        pod = pulumi_gpu.Pod(
            "trainer",
            gpu={"model": "H100", "count": 1, "max_price_per_hour": 3.0},
            clouds=["runpod", "primeintellect"],
        )
        pulumi.export("ssh", pod.ssh_command)
    """

    cloud: pulumi.Output[str]
    """Where it landed."""
    offer: pulumi.Output[dict[str, Any]]
    """The offer rented (GPU, region, price, and what the cloud was asked for)."""
    price_per_hour: pulumi.Output[float | None]
    """The offer's price when it was rented, USD per hour."""
    attempts: pulumi.Output[list[str]]
    """Cheaper offers tried first, and why each did not take."""
    placement: pulumi.Output[dict[str, Any]]
    """The hosting cloud's own record of the pod (secret: it holds the environment)."""

    def __init__(
        self,
        resource_name: str,
        *,
        gpu: pulumi.Input[GpuRequirementArgs],
        clouds: pulumi.Input[Sequence[pulumi.Input[PlaceableCloud]]] | None = None,
        region: pulumi.Input[str] | None = None,
        country: pulumi.Input[str] | None = None,
        image: pulumi.Input[str] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        exposed_ports: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None,
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        disk_gb: pulumi.Input[int] | None = None,
        name: pulumi.Input[str] | None = None,
        max_attempts: pulumi.Input[int] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        wait_for_ssh: pulumi.Input[bool] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a placed pod; see :class:`PodInputs` for every input's rules."""
        self._register(
            PodProvider(),
            resource_name,
            {
                "name": name,
                "gpu": gpu,
                "clouds": clouds,
                "region": region,
                "country": country,
                "image": image,
                "env": env,
                "exposed_ports": exposed_ports,
                "ssh_public_keys": ssh_public_keys,
                "disk_gb": disk_gb,
                "max_attempts": max_attempts,
                "wait_timeout": wait_timeout,
                "wait_for_ssh": wait_for_ssh,
                "adopt_id": adopt_id,
            },
            opts,
        )
