"""Inputs of Celium pods (and of what rents like them: jobs): the executor selector, the
container, the SSH keys, the time limit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pulumi_gpu.celium.one_time import check_image, split_image
from pulumi_gpu.celium.template import TemplateInputs
from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.inputs import (
    REPLACES,
    UPDATES,
    EnvVars,
    MachineInputs,
    ResourceInputs,
    references,
    wait_timeout_field,
    with_exception,
)
from pulumi_gpu.core.jobs import Duration, epoch, iso
from pulumi_gpu.core.ssh import check_public_keys

__all__ = ["ExecutorSelector", "ExecutorSelectorArgs", "PodInputs", "RentInputs", "Tier"]

Tier = Literal["secure", "spot"]
"""An executor's tier: 'secure' machines are not reclaimed; 'spot' ones may be."""


class ExecutorSelector(BaseModel):
    """Which executor to rent: the cheapest one matching every given criterion."""

    model_config = ConfigDict(extra="forbid")

    gpu_model: str | None = Field(
        None,
        min_length=1,
        description="Part of the GPU model name, case-insensitive: 'A100', 'H100', 'RTX 4090'.",
        examples=["A100"],
    )
    gpu_count: int | None = Field(None, ge=1, le=16, description="Exact number of GPUs.")
    max_price_per_hour: float | None = Field(
        None, gt=0, description="Highest price of the whole machine, USD per hour."
    )
    location: str | None = Field(
        None,
        min_length=1,
        description="Country code, country or city of the machine, case-insensitive: 'US'.",
    )
    tier: Tier | None = Field(
        None,
        description=(
            "'secure': machines that are not reclaimed; 'spot': cheaper, but the machine's "
            "owner may reclaim it (the pod then ends). Either when unset."
        ),
    )

    def matches(
        self, machine: str, gpus: int, price: float, where: dict[str, str], tier: str | None = None
    ) -> bool:
        """True if a machine with these properties satisfies every criterion."""
        places = {str(v).lower() for v in where.values() if v}
        return (
            (self.gpu_model is None or self.gpu_model.lower() in machine.lower())
            and (self.gpu_count is None or self.gpu_count == gpus)
            and (self.max_price_per_hour is None or price <= self.max_price_per_hour + 1e-9)
            and (self.location is None or self.location.lower() in places)
            and (self.tier is None or self.tier == tier)
        )

    def describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.model_dump(exclude_none=True).items())


class ExecutorSelectorArgs(TypedDict, total=False):
    """Keyword form of :class:`ExecutorSelector` for Python programs (None: any)."""

    gpu_model: pulumi.Input[str] | None
    gpu_count: pulumi.Input[int] | None
    max_price_per_hour: pulumi.Input[float] | None
    location: pulumi.Input[str] | None
    tier: pulumi.Input[Tier] | None


class RentInputs(ResourceInputs):
    """What every rented Celium executor takes, a Pod's or a Job's: the machine (by id
    or by selector), who may log in, and the volume mounted."""

    ssh_public_keys: list[str] = Field(
        min_length=1,
        description="OpenSSH public keys allowed to log in, e.g. 'ssh-ed25519 AAAA... me'.",
        json_schema_extra=REPLACES,
    )
    executor_id: str | None = Field(
        None,
        min_length=1,
        description="Rent this executor (mutually exclusive with selector).",
        json_schema_extra=with_exception(
            REPLACES,
            "naming the executor the pod runs on changes nothing; the old pod is deleted "
            "first when it holds the executor named",
        ),
    )
    selector: ExecutorSelector | None = Field(
        None,
        description="Rent the cheapest executor matching these criteria.",
        json_schema_extra=with_exception(
            REPLACES, "a change the rented machine still satisfies changes nothing"
        ),
    )
    volume_id: str | None = Field(
        None,
        min_length=1,
        description="Id of a celium.Volume to mount; the volume outlives the pod.",
        json_schema_extra=references("disks"),
    )

    @field_validator("ssh_public_keys")
    @classmethod
    def _keys(cls, keys: list[str]) -> list[str]:
        return check_public_keys(keys)

    @model_validator(mode="after")
    def _one_executor(self) -> RentInputs:
        if (self.executor_id is None) == (self.selector is None):
            raise ValueError("give exactly one of executor_id and selector")
        return self

    def hourly_price(self) -> Price:
        if self.selector is not None and self.selector.max_price_per_hour is not None:
            return Price(self.selector.max_price_per_hour, "ceiling selector.max_price_per_hour")
        from pulumi_gpu.celium.client import celium_client
        from pulumi_gpu.celium.pod import rent_price  # the market, which needs the inputs

        return rent_price(celium_client(), self)


class PodInputs(RentInputs, MachineInputs):
    """Inputs of a Celium pod.

    The pod runs a verified template (``template_id``), or an ``image`` for which it
    makes a one-time template of its own (Celium deletes it with the pod). The executor
    is given by id or chosen by ``selector`` at create time (the cheapest match, recorded
    in the outputs). A changed selector that the rented executor still satisfies changes
    nothing; otherwise, like a new template, image, SSH keys or volume, it replaces the
    pod. The name updates in place.
    """

    name: str = Field(
        min_length=1,
        max_length=128,
        description="Pod name; updates in place.",
        json_schema_extra=UPDATES,
    )
    template_id: str | None = Field(
        None,
        min_length=1,
        description="Id of a verified template (e.g. a celium.Template's id), or give image.",
        json_schema_extra=references("templates"),
    )
    image: str | None = Field(
        None,
        min_length=1,
        description=(
            "Image as 'repository:tag', Debian/Ubuntu based, instead of template_id: the pod "
            "gets a one-time template of its own, verified before the rent."
        ),
        examples=["pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"],
        json_schema_extra=REPLACES,
    )
    env: EnvVars = Field(
        default_factory=dict,
        description="Environment variables of an image's container (kept secret in the state).",
        json_schema_extra=REPLACES,
    )
    internal_ports: list[int] = Field(
        default_factory=lambda: [22],
        description="Container ports an image's pod exposes, each with a public port.",
        json_schema_extra=REPLACES,
    )
    max_duration: Duration | None = Field(
        None,
        ge=60,
        description=(
            "Celium removes the pod by itself this long after it was rented (e.g. '8h'), "
            "whether or not Pulumi runs then: a safety net against a forgotten pod. "
            "Changes in place; removing it cancels the removal."
        ),
        json_schema_extra=UPDATES,
    )
    remove_at: str | None = Field(
        None,
        description=(
            "Celium removes the pod by itself at this time (ISO 8601 with a zone, e.g. "
            "'2026-12-24T18:00:00Z'), instead of max_duration. Changes in place."
        ),
        examples=["2026-12-24T18:00:00Z"],
        json_schema_extra=UPDATES,
    )
    wait_timeout: float = wait_timeout_field(900, "for RUNNING (and for deletion)")

    @field_validator("remove_at")
    @classmethod
    def _remove_at(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("a time like '2026-12-24T18:00:00Z' (ISO 8601)") from None
        if moment.tzinfo is None:
            raise ValueError("give the time zone, e.g. '2026-12-24T18:00:00Z' for UTC")
        return iso(moment.timestamp())

    @field_validator("image")
    @classmethod
    def _image(cls, value: str | None) -> str | None:
        return None if value is None else check_image(value)

    @model_validator(mode="after")
    def _template_or_image(self) -> PodInputs:
        if (self.template_id is None) == (self.image is None):
            raise ValueError("give exactly one of template_id and image")
        if self.image is None and (self.env or self.internal_ports != [22]):
            raise ValueError("env and internal_ports go with image (a template has its own)")
        if self.max_duration is not None and self.remove_at is not None:
            raise ValueError("give max_duration or remove_at, not both")
        return self

    def removal_at(self, rented: float) -> float | None:
        """When Celium should remove the pod (epoch seconds), for a pod rented at ``rented``."""
        if self.max_duration is not None:
            return rented + self.max_duration
        return epoch(self.remove_at)

    def template(self) -> TemplateInputs:
        """The one-time template of a pod given an image."""
        assert self.image is not None
        repository, tag = split_image(self.image)
        return TemplateInputs(
            name=self.name,
            docker_image=repository,
            docker_image_tag=tag,
            internal_ports=self.internal_ports,
            environment=self.env,
            description="pulumi-gpu pod (deleted with it)",
            wait_timeout=self.wait_timeout,
        ).owned_by(self.owner)
