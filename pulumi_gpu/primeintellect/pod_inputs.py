"""``primeintellect.Pod`` inputs: which offer a pod is made from, and what it runs."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.inputs import (
    REPLACES,
    EnvVars,
    MachineInputs,
    Secret,
    references,
    wait_timeout_field,
    with_exception,
)
from pulumi_gpu.primeintellect.client import prime_client
from pulumi_gpu.primeintellect.lookups import OfferQuery
from pulumi_gpu.primeintellect.models import (
    CUSTOM_TEMPLATE,
    DEFAULT_IMAGE,
    GpuType,
    Image,
    ProviderType,
    Region,
    Security,
    Socket,
)

__all__ = ["OFFER_FIELDS", "SIZING_FIELDS", "PodInputs"]

OFFER_FIELDS = (
    "gpu_type",
    "gpu_count",
    "socket",
    "cloud_id",
    "provider",
    "data_center_id",
    "country",
    "region",
    "security",
    "is_spot",
    "max_price_per_hour",
)
"""Inputs that choose the offer: a change replaces the pod unless it still fits its offer."""
_OFFER = with_exception(REPLACES, "a change the pod's offer still satisfies changes nothing")
"""The policy of the :data:`OFFER_FIELDS` (``PodProvider.change_kind``)."""
SIZING_FIELDS = ("image", "disk_size", "vcpus", "memory")

_POD_NAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9-]+$")


class PodInputs(MachineInputs):
    """Inputs of a Prime Intellect pod.

    The offer (``/availability/gpus`` row) is chosen by the offer fields: give
    ``cloud_id`` (with ``provider``, ``socket``, ``data_center_id`` as the listing shows
    them) to pin one offer, checked at preview; or give only some of them, and the
    cheapest offer in stock that matches every given field (and fits image, disk,
    vCPUs, memory, disks and max price) is chosen at create time and recorded in the
    ``offer`` output. Prime Intellect cannot change a running pod: any change of what
    it runs replaces it, and so does an offer field change the recorded offer no longer
    satisfies (a change it still satisfies changes nothing).
    """

    name: str = Field(
        min_length=1,
        max_length=128,
        description=(
            "Pod name: letters, digits and dashes, at least one letter. Pods cannot be "
            "renamed: a new name replaces the pod."
        ),
        json_schema_extra=REPLACES,
    )
    gpu_type: GpuType = Field(
        description="GPU model, e.g. 'H100_80GB', 'A100_80GB', 'RTX4090_24GB'.",
        examples=["H100_80GB"],
        json_schema_extra=_OFFER,
    )
    gpu_count: int = Field(
        1, ge=1, le=256, description="Number of GPUs of the pod.", json_schema_extra=_OFFER
    )
    socket: Socket | None = Field(
        None,
        description="GPU socket, e.g. 'SXM5' or 'PCIe' (any when not given).",
        json_schema_extra=_OFFER,
    )
    cloud_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "The offer's cloudId from get_availability(); pins the offer (checked at "
            "preview). Without it the cheapest matching offer is chosen."
        ),
        json_schema_extra=_OFFER,
    )
    provider: ProviderType | None = Field(
        None,
        description="Provider behind the offer, e.g. 'hyperstack', 'runpod'.",
        json_schema_extra=_OFFER,
    )
    data_center_id: str | None = Field(
        None,
        min_length=1,
        description="Data center of the offer, e.g. 'CANADA-1'.",
        json_schema_extra=_OFFER,
    )
    country: str | None = Field(
        None,
        min_length=2,
        description="Country code of the data center, e.g. 'US'.",
        json_schema_extra=_OFFER,
    )
    region: Region | None = Field(
        None, description="Region of the offer, e.g. 'eu_north'.", json_schema_extra=_OFFER
    )
    security: Security | None = Field(
        None,
        description="'secure_cloud' (data centers) or 'community_cloud' (any when unset).",
        json_schema_extra=_OFFER,
    )
    is_spot: bool = Field(
        False,
        description=(
            "Rent a spot offer: cheaper, but Prime Intellect may take the machine back "
            "(the pod then ends). By default only offers that are not spot."
        ),
        json_schema_extra=_OFFER,
    )
    max_price_per_hour: float | None = Field(
        None,
        gt=0,
        description=(
            "Highest price for the whole pod, USD per hour: offers above it are not "
            "chosen, and it is sent as the pod's maxPrice (without it, the chosen "
            "offer's current price is sent, as some providers require one)."
        ),
        json_schema_extra=_OFFER,
    )
    image: Image | None = Field(
        None,
        description=(
            "Built-in environment, e.g. 'cuda_12_4_pytorch_2_5' (default "
            "'ubuntu_22_cuda_12', or 'custom_template' with custom_template_id)."
        ),
        json_schema_extra=REPLACES,
    )
    custom_template_id: str | None = Field(
        None,
        min_length=1,
        description="Id of a custom template made in the Prime Intellect dashboard.",
        json_schema_extra=REPLACES,
    )
    disk_size: int | None = Field(
        None,
        gt=0,
        description="Local disk in GB (the offer's default when unset).",
        json_schema_extra=REPLACES,
    )
    vcpus: int | None = Field(
        None,
        gt=0,
        description="vCPUs (the offer's default when unset).",
        json_schema_extra=REPLACES,
    )
    memory: int | None = Field(
        None,
        gt=0,
        description="Memory in GB (the offer's default when unset).",
        json_schema_extra=REPLACES,
    )
    env_vars: EnvVars = Field(
        default_factory=dict,
        description="Environment variables of the pod (kept secret in the state).",
        json_schema_extra=REPLACES,
    )
    jupyter_password: Secret | None = Field(
        None,
        min_length=1,
        description="Password of the pod's Jupyter server (kept encrypted in state).",
        json_schema_extra=REPLACES,
    )
    disk_ids: list[str] = Field(
        default_factory=list,
        description=(
            "Ids of primeintellect.Disks to attach (same provider and data center; the "
            "offer is chosen there). The disks outlive the pod."
        ),
        json_schema_extra=references("disks"),
    )
    ssh_key_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "Id of the primeintellect.SshKey to log in with (default: the account's primary key)."
        ),
        json_schema_extra=references("ssh_keys"),
    )
    auto_restart: bool = Field(
        False, description="Restart the pod when it stops.", json_schema_extra=REPLACES
    )
    wait_timeout: float = wait_timeout_field(1800, "until the pod is ready (and for deletion)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _POD_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a pod name: letters, digits and dashes only, "
                "with at least one letter"
            )
        return value

    @field_validator("disk_ids")
    @classmethod
    def _disks(cls, value: list[str]) -> list[str]:
        if any(not d for d in value):
            raise ValueError("disk ids must not be empty")
        if len(set(value)) != len(value):
            raise ValueError(f"disk ids must be unique, got {value}")
        return value

    @model_validator(mode="after")
    def _template(self) -> PodInputs:
        if self.custom_template_id and self.image not in (None, CUSTOM_TEMPLATE):
            raise ValueError(
                f"custom_template_id runs the template's image: leave image unset or "
                f"'{CUSTOM_TEMPLATE}', not {self.image!r}"
            )
        if self.image == CUSTOM_TEMPLATE and not self.custom_template_id:
            raise ValueError(f"image '{CUSTOM_TEMPLATE}' needs custom_template_id")
        return self

    @property
    def effective_image(self) -> str:
        if self.image is not None:
            return self.image
        return CUSTOM_TEMPLATE if self.custom_template_id else DEFAULT_IMAGE

    def offer_query(self) -> OfferQuery:
        """What an offer must satisfy for this pod."""
        return OfferQuery.model_validate(
            {
                **{f: getattr(self, f) for f in OFFER_FIELDS},
                "image": self.effective_image,
                "disk_size": self.disk_size,
                "vcpus": self.vcpus,
                "memory": self.memory,
                "disks": tuple(self.disk_ids),
            }
        )

    def hourly_price(self) -> Price:
        if self.max_price_per_hour is not None:
            return Price(self.max_price_per_hour, "ceiling max_price_per_hour")
        query = self.offer_query()
        found = query.search(prime_client())
        price = query.price(found[0]) if found else None
        if price is None:
            return Price(None, f"no priced offer matches {query.describe()} now", bounded=False)
        return Price(price, f"catalog now: cheapest offer, {found[0].cloud_id}")
