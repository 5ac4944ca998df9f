"""``pulumi_gpu.Pod`` inputs: the requirements a placed pod names, its container, and how
hard to try."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.inputs import (
    LOCAL,
    REPLACES,
    UPDATES,
    EnvVars,
    MachineInputs,
    wait_timeout_field,
    with_exception,
)
from pulumi_gpu.market.offers import OfferRequest, search
from pulumi_gpu.market.placement import PLACEABLE, Host, PlaceableCloud, host

__all__ = ["GpuRequirement", "GpuRequirementArgs", "PodInputs"]

_PLACEMENT = with_exception(REPLACES, "a change the running pod still satisfies is only recorded")
"""The policy of the requirements (``PodProvider.diff``: they choose the offer)."""
_CONTAINER = with_exception(
    UPDATES, "where the cloud it runs on cannot change it in place, it replaces it"
)
"""The policy of the container inputs, which the hosting cloud's pod kind applies."""

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


class _GpuModelArgs(TypedDict):
    model: pulumi.Input[str]


class GpuRequirementArgs(_GpuModelArgs, total=False):
    """Keyword form of :class:`GpuRequirement` for Python programs: ``model`` is required."""

    count: pulumi.Input[int]
    max_price_per_hour: pulumi.Input[float] | None
    min_memory_gb: pulumi.Input[int] | None
    allow_spot: pulumi.Input[bool]


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
        description="What the machine must have.",
        json_schema_extra=_PLACEMENT,
    )
    clouds: list[PlaceableCloud] = Field(
        default_factory=lambda: list(PLACEABLE),
        min_length=1,
        description=f"Clouds it may land on, any of: {', '.join(PLACEABLE)}.",
        json_schema_extra=_PLACEMENT,
    )
    region: str | None = Field(
        None,
        min_length=1,
        description="Part of the data center or region name it must be in, any case.",
        json_schema_extra=_PLACEMENT,
    )
    country: str | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="ISO code of the country it must be in, e.g. 'US'.",
        json_schema_extra=_PLACEMENT,
    )
    image: str | None = Field(
        None,
        min_length=1,
        description=(
            "Container image; unset, each cloud's stock CUDA image. A Docker image rules "
            "out Prime Intellect, which runs only its own images (e.g. 'ubuntu_22_cuda_12')."
        ),
        json_schema_extra=_CONTAINER,
    )
    env: EnvVars = Field(
        default_factory=dict,
        description="Environment variables (kept secret in the state).",
        json_schema_extra=_CONTAINER,
    )
    exposed_ports: list[int] = Field(
        default_factory=list,
        description="Container TCP ports to expose besides SSH (22, always exposed).",
        json_schema_extra=_CONTAINER,
    )
    ssh_public_keys: list[str] = Field(
        default_factory=list,
        description="Public keys allowed to log in (unset: the account's keys).",
        json_schema_extra=_CONTAINER,
    )
    disk_gb: int | None = Field(
        None, ge=1, le=10000, description="Container disk, GB.", json_schema_extra=_CONTAINER
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

    @field_validator("clouds", mode="before")
    @classmethod
    def _clouds(cls, value: Any) -> Any:
        """An unknown cloud is named with the clouds allowed (before the type check,
        which would only say what a valid value is); each cloud is kept once."""
        if not isinstance(value, list):
            return value
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
