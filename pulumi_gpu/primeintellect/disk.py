"""``primeintellect.Disk``: a network disk that outlives the pods it is attached to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import Field

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import (
    DESTROYS_DATA,
    LOCAL,
    UPDATES,
    ResourceInputs,
    contains_unknown,
    wait_timeout_field,
)
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.primeintellect.client import PrimeClient, prime_client, team
from pulumi_gpu.primeintellect.models import DISK_PHASES, ProviderType
from pulumi_gpu.primeintellect.models import Disk as ApiDisk

__all__ = ["Disk", "DiskInputs"]

LOCATION_FIELDS = ("provider", "data_center_id", "cloud_id")


class DiskInputs(ResourceInputs):
    """Inputs of a Prime Intellect disk.

    The name updates in place. Prime Intellect cannot resize or move a disk: a new
    size, provider, data center or cloud id means a new, empty disk. Such a change is
    refused at preview unless ``allow_replacement`` is true for that update.
    """

    name: str = Field(
        min_length=1,
        max_length=255,
        description="Disk name; updates in place.",
        json_schema_extra=UPDATES,
    )
    size: int = Field(
        gt=0,
        description="Size in GB. Disks cannot be resized: a new size replaces (empties) the disk.",
        json_schema_extra=DESTROYS_DATA,
    )
    provider: ProviderType = Field(
        description="Provider the disk lives at, e.g. 'hyperstack' (see get_disk_availability()).",
        json_schema_extra=DESTROYS_DATA,
    )
    data_center_id: str = Field(
        min_length=1,
        description="Data center, e.g. 'CANADA-1'; pods attaching the disk run there.",
        json_schema_extra=DESTROYS_DATA,
    )
    cloud_id: str | None = Field(
        None,
        min_length=1,
        description="The disk product's cloudId from get_disk_availability(), when it has one.",
        json_schema_extra=DESTROYS_DATA,
    )
    allow_replacement: bool = Field(
        False,
        description=(
            "Confirms, for one update, a change that replaces the disk and deletes its data."
        ),
        json_schema_extra=LOCAL,
    )
    wait_timeout: float = wait_timeout_field(600, "until the disk is ACTIVE (and for deletion)")


def _outputs(disk: ApiDisk) -> dict[str, Any]:
    return {
        "cost_per_hour": disk.price_hr,
        "country": disk.country,
        "attached_pods": list(disk.pods),
    }


def _body(inputs: DiskInputs) -> dict[str, Any]:
    disk = {
        "size": inputs.size,
        "name": inputs.name,
        "dataCenterId": inputs.data_center_id,
        "cloudId": inputs.cloud_id,
    }
    body: dict[str, Any] = {
        "disk": {k: v for k, v in disk.items() if v is not None},
        "provider": {"type": inputs.provider},
    }
    if team():
        body["team"] = team()
    return body


class DiskProvider(GpuProvider[DiskInputs, ApiDisk]):
    inputs_model = DiskInputs
    kind = "primeintellect Disk"

    def client(self) -> PrimeClient:
        return prime_client()

    def check_inputs(
        self, olds: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[CheckFailure]:
        """The location is known at preview: check that it sells disks of this size."""
        judged = ("size", *LOCATION_FIELDS)
        chosen = {f: values.get(f) for f in judged}
        if contains_unknown(chosen) or (olds and {f: olds.get(f) for f in judged} == chosen):
            return []
        inputs = DiskInputs.model_validate(
            {
                **chosen,
                "name": values.get("name") if isinstance(values.get("name"), str) else "disk",
            }
        )
        try:
            offers = self.client().disk_availability()
        except GpuCloudError as exc:
            report(f"primeintellect disk {inputs.name}: could not check the location: {exc}")
            return []
        mine = [o for o in offers if o.provider == inputs.provider]
        here = [
            o
            for o in mine
            if o.data_center == inputs.data_center_id and inputs.cloud_id in (None, o.cloud_id)
        ]
        if not here:
            places = ", ".join(
                sorted(
                    f"{o.data_center}" + (f" ({o.cloud_id})" if o.cloud_id else "") for o in mine
                )
            )
            field = "data_center_id" if inputs.cloud_id is None else "cloud_id"
            allowed = f"allowed: {places}" if places else f"{inputs.provider} sells no disks"
            return [
                CheckFailure(
                    field,
                    f"{inputs.provider} has no disks in {inputs.data_center_id}"
                    + (f" with cloud_id {inputs.cloud_id}" if inputs.cloud_id else "")
                    + f"; {allowed}",
                )
            ]
        if any(o.spec.admits(inputs.size) for o in here):
            return []
        return [
            CheckFailure(
                "size",
                f"{inputs.size} GB is outside what {inputs.provider} {inputs.data_center_id} "
                f"allows: {here[0].spec.describe(' GB')}",
            )
        ]

    def find(self, inputs: DiskInputs) -> list[ApiDisk]:
        return [d for d in self.client().list_disks() if d.name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [
            Inventoried(d.id, d.name, None, d.created_at, d.price_hr)
            for d in self.client().list_disks()
        ]

    def create_object(self, inputs: DiskInputs, token: str) -> ApiDisk:
        return self.client().create_disk(_body(inputs))

    def object_id(self, obj: ApiDisk) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiDisk:
        return self.client().get_disk(id_)

    def observe(self, obj: ApiDisk) -> Observed[ApiDisk]:
        phase = DISK_PHASES(obj.status)
        reason = f"Prime Intellect reports the disk {obj.status}" if phase is Phase.FAILED else None
        return Observed(phase, obj.status, reason, obj)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_disk(id_)

    def outputs(self, obj: ApiDisk, state: Mapping[str, Any]) -> dict[str, Any]:
        return _outputs(obj)

    def reflect(self, obj: ApiDisk, state: Mapping[str, Any]) -> dict[str, Any]:
        live: dict[str, Any] = {
            "name": obj.name or state.get("name"),
            "size": obj.size or state.get("size"),
            "provider": obj.provider_type or state.get("provider"),
            "data_center_id": obj.data_center_id or state.get("data_center_id"),
        }
        if state.get("cloud_id") is not None and obj.cloud_id:
            live["cloud_id"] = obj.cloud_id
        return live

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: DiskInputs, changed: set[str]
    ) -> set[str]:
        if "name" in changed:
            self.client().rename_disk(id_, inputs.name)
        return changed & {"name"}


class Disk(GpuResource, module="primeintellect", name="Disk"):
    """A Prime Intellect network disk, attached to pods with ``Pod(disks=[disk.id])``.

    Its data survives the pods that use it: replacing or deleting a pod never touches
    the disk. The name updates in place; a new size or location would replace the
    disk and lose its data, so preview refuses it unless ``allow_replacement=True``.
    Pods attaching the disk run in its provider and data center.

    Example::

        import pulumi_gpu.primeintellect as primeintellect

        where = primeintellect.get_disk_availability(provider="hyperstack")[0]
        data = primeintellect.Disk(
            "datasets", size=1000, provider=where.provider, data_center_id=where.data_center
        )
    """

    name: pulumi.Output[str]
    cost_per_hour: pulumi.Output[float]
    """USD per hour for the disk (billed whether or not a pod uses it)."""
    country: pulumi.Output[str]
    attached_pods: pulumi.Output[list[str]]
    """Ids of the pods the disk is attached to, as last read."""

    def __init__(
        self,
        resource_name: str,
        *,
        size: pulumi.Input[int],
        provider: pulumi.Input[ProviderType],
        data_center_id: pulumi.Input[str],
        cloud_id: pulumi.Input[str] | None = None,
        allow_replacement: pulumi.Input[bool] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a disk; see :class:`DiskInputs` for every input's rules."""
        self._register(
            DiskProvider(),
            resource_name,
            {
                "name": name,
                "size": size,
                "provider": provider,
                "data_center_id": data_center_id,
                "cloud_id": cloud_id,
                "allow_replacement": allow_replacement,
                "wait_timeout": wait_timeout,
                "adopt_id": adopt_id,
            },
            opts,
        )
