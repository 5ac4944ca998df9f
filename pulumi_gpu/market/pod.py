"""``pulumi_gpu.Pod``: a pod that names what it needs, not where it runs.

At create, the cheapest offer that satisfies the requirements (:mod:`.offers`) is rented
on its cloud through that cloud's own pod provider, so creating once, waiting, cleaning
up a failed start and every later read, update and delete are that kind's. A capacity
refusal or a failed start moves on to the next offer (``max_attempts`` in all); the
choice is recorded (``cloud``, ``offer``, ``price_per_hour``). Before choosing, every
allowed cloud is searched for a pod of this name that an interrupted run left, which is
adopted: a killed ``pulumi up`` never rents a second pod on another cloud.

Afterwards the placement is stable: a changed requirement that the running pod still
satisfies is recorded without touching it; one it no longer satisfies replaces it.
Container inputs are diffed by the hosting cloud's own rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.inputs import (
    ADOPT_ID,
    LOCAL,
    REPLACES,
    UPDATES,
    EnvVars,
    MachineInputs,
    contains_unknown,
    wait_timeout_field,
)
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.core.provider import GpuProvider, without_provider
from pulumi_gpu.core.resource import Machine, default_name
from pulumi_gpu.market.offers import Offer, OfferRequest, search
from pulumi_gpu.market.placement import PLACEABLE, Host, host, worth_another_offer

__all__ = ["GpuRequirement", "Pod", "PodInputs"]

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
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


class GpuRequirement(BaseModel):
    """The GPUs a placed pod needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(
        min_length=1,
        description=(
            "GPU model in any cloud's spelling: 'H100', 'H100 80GB', 'A100 80GB SXM', "
            "'RTX 4090' (memory and form factor count only where given)."
        ),
        examples=["H100"],
    )
    count: int = Field(1, ge=1, le=16, description="GPUs in the machine.")
    max_price_per_hour: float | None = Field(
        None, gt=0, description="Highest price of the whole machine, USD per hour."
    )
    min_memory_gb: int | None = Field(None, ge=1, description="Least memory per GPU, GB.")
    allow_spot: bool = Field(
        False,
        description=(
            "Also place it on spot machines (cheaper; the cloud may take one back, ending "
            "the pod). By default never."
        ),
    )


class PodInputs(MachineInputs):
    """Inputs of a placed pod: requirements, the container, and how hard to try."""

    name: str = Field(
        min_length=1,
        max_length=63,
        description=(
            "Name of the pod on whichever cloud it lands: lower-case letters, digits and "
            "dashes. It is found by it on every allowed cloud, so an interrupted run is "
            "adopted, never rented twice."
        ),
        json_schema_extra=REPLACES,
    )
    gpu: GpuRequirement = Field(
        description="What the machine must have; a change it no longer satisfies replaces it.",
        json_schema_extra=UPDATES,
    )
    clouds: list[str] = Field(
        default_factory=lambda: list(PLACEABLE),
        min_length=1,
        description=f"Clouds it may land on, any of: {', '.join(PLACEABLE)}.",
        json_schema_extra=UPDATES,
    )
    region: str | None = Field(
        None,
        min_length=1,
        description="Part of the data center or region name it must be in, any case.",
        json_schema_extra=UPDATES,
    )
    country: str | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="ISO code of the country it must be in, e.g. 'US'.",
        json_schema_extra=UPDATES,
    )
    image: str | None = Field(
        None,
        min_length=1,
        description=(
            "Container image; unset, each cloud's stock CUDA image. A Docker image rules "
            "out Prime Intellect, which runs only its own images (e.g. 'ubuntu_22_cuda_12')."
        ),
        json_schema_extra=UPDATES,
    )
    env: EnvVars = Field(
        default_factory=dict,
        description="Environment variables (kept secret in the state).",
        json_schema_extra=UPDATES,
    )
    exposed_ports: list[int] = Field(
        default_factory=list,
        description="Container TCP ports to expose besides SSH (22, always exposed).",
        json_schema_extra=UPDATES,
    )
    ssh_public_keys: list[str] = Field(
        default_factory=list,
        description="Public keys allowed to log in (unset: the account's keys).",
        json_schema_extra=UPDATES,
    )
    disk_gb: int | None = Field(
        None, ge=1, le=10000, description="Container disk, GB.", json_schema_extra=UPDATES
    )
    max_attempts: int = Field(
        3,
        ge=1,
        le=10,
        description="Offers to try, cheapest first, when a cloud has no capacity or a start fails.",
        json_schema_extra=LOCAL,
    )
    wait_timeout: float = wait_timeout_field(1800, "for one try to run")
    adopt_id: str | None = Field(
        None,
        description=(
            "Take over this existing pod instead of renting one: '<cloud>/<pod id>', e.g. "
            "'runpod/3x7mzwq1abcd'. It must satisfy gpu; its cloud's pod kind adopts it. "
            "Used only when the resource is created."
        ),
        examples=["runpod/3x7mzwq1abcd"],
        json_schema_extra=LOCAL,
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a name every cloud takes: lower-case letters, digits and "
                "dashes, starting and ending with a letter or digit"
            )
        return value

    @field_validator("adopt_id")
    @classmethod
    def _adopt_id(cls, value: str | None) -> str | None:
        if value is not None:
            cloud, _, inner = value.partition("/")
            if cloud not in PLACEABLE or not inner:
                raise ValueError(
                    f"{value!r} is not '<cloud>/<pod id>' (the form of a placed pod's id), "
                    f"with <cloud> one of {', '.join(PLACEABLE)}"
                )
        return value

    def adopted(self) -> tuple[Host, str] | None:
        """The cloud and pod id that ``adopt_id`` names, if any."""
        if self.adopt_id is None:
            return None
        cloud, _, inner = self.adopt_id.partition("/")
        return host(cloud), inner

    @field_validator("clouds")
    @classmethod
    def _clouds(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in PLACEABLE]
        if unknown:
            raise ValueError(
                f"{', '.join(map(repr, unknown))} cannot host placed pods; allowed: "
                f"{', '.join(PLACEABLE)}"
            )
        return list(dict.fromkeys(value))

    @field_validator("exposed_ports")
    @classmethod
    def _ports(cls, value: list[int]) -> list[int]:
        bad = [p for p in value if not 1 <= p <= 65535 or p == 22]
        if bad:
            raise ValueError(f"ports must be 1-65535 and not 22 (always exposed), got {bad}")
        if len(set(value)) != len(value):
            raise ValueError(f"ports must be unique, got {value}")
        return value

    def hourly_price(self) -> Price:
        if self.gpu.max_price_per_hour is not None:
            return Price(self.gpu.max_price_per_hour, "ceiling gpu.max_price_per_hour")
        usable, _ = self.hosts()
        tries = search(self.request(list(usable)))[: self.max_attempts]
        prices = [o.price_per_hour for o in tries if o.price_per_hour is not None]
        if not prices:
            return Price(None, "no priced offer satisfies it now", bounded=False)
        return Price(max(prices), f"catalog now: the dearest of the {len(tries)} offers it may try")

    def request(self, clouds: Sequence[str] | None = None) -> OfferRequest:
        """The offers this pod can be placed on (on ``clouds``, default its own)."""
        return OfferRequest.model_validate(
            {
                "gpu": self.gpu.model,
                "count": self.gpu.count,
                "max_price_per_hour": self.gpu.max_price_per_hour,
                "min_memory_gb": self.gpu.min_memory_gb,
                "clouds": tuple(clouds or self.clouds),
                "region": self.region,
                "country": self.country,
                "spot": None if self.gpu.allow_spot else False,
            }
        )

    def hosts(self) -> tuple[dict[str, Host], dict[str, dict[str, str]]]:
        """(the allowed clouds that can honour every input, cloud -> field -> why not)."""
        usable: dict[str, Host] = {}
        ruled_out: dict[str, dict[str, str]] = {}
        for cloud in self.clouds:
            place = host(cloud)
            reasons = place.unsupported(self)
            if reasons:
                ruled_out[cloud] = reasons
            else:
                usable[cloud] = place
        return usable, ruled_out


class PodProvider(GpuProvider[Any, Any]):
    """Places a pod on the cheapest satisfying offer; the hosting cloud's provider runs it."""

    inputs_model = PodInputs
    kind = "pod"

    # -- preview --------------------------------------------------------------------

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
        new = PodInputs.model_validate(news)
        changed = [f for f in PodInputs.model_fields if getattr(old, f) != getattr(new, f)]
        replaces = [f for f in changed if f in PodInputs.replace_fields()]
        moves = self._no_longer_fits(olds, new) is not None
        if moves:
            replaces += [f for f in changed if f in PLACEMENT_FIELDS]
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
        spec = PodInputs.model_validate(without_provider(props))
        what = f"pod {spec.name}"
        tried: list[str] = []
        adopted = spec.adopted()
        if adopted is not None and self._adopting(spec.adopt_id):
            place, inner_id = adopted
            offer = _offer_of(place, inner_id)
            return self._rent(spec, place, offer, props, tried, adopt_id=inner_id)
        usable, _ = spec.hosts()
        left = self._left_behind(spec, usable, what)
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
        spec = PodInputs.model_validate(news)
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
        inputs = place.inputs(spec, offer.rent)
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
        spec = PodInputs.model_validate(news)
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
        inputs = {**place.inputs(spec, offer.rent), ADOPT_ID: inner_id}
        return place.provider.adoptable(inner_id, inputs)

    def _left_behind(
        self, spec: PodInputs, usable: Mapping[str, Host], what: str
    ) -> tuple[Host, Offer] | None:
        """A live pod of this name an interrupted run left on any allowed cloud, and the
        offer it runs on."""
        for place in usable.values():
            model: Any = place.provider.inputs_model  # find() reads only the name
            probe = model.model_construct(name=spec.name)
            left = lifecycle.leftover(place.provider, probe, what)
            if left is not None:
                return place, place.offer_of(left)
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
    return {k: inner.get(k) for k in MACHINE_OUTPUTS}


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

    _secret_outputs: ClassVar[tuple[str, ...]] = ("placement",)

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
        gpu: pulumi.Input[Mapping[str, Any]],
        clouds: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
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
                "name": name or default_name(resource_name).lower(),
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
