"""``celium.Volume``: persistent storage that outlives the pods it is mounted in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import Volume as ApiVolume
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import UPDATES, ResourceInputs
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource

__all__ = ["Volume", "VolumeInputs"]


class VolumeInputs(ResourceInputs):
    """Inputs of a Celium volume; both update in place (Celium volumes have no size to set)."""

    name: str = Field(
        min_length=1,
        max_length=128,
        description="Volume name; updates in place.",
        json_schema_extra=UPDATES,
    )
    description: str = Field(
        "", max_length=2000, description="Free text; updates in place.", json_schema_extra=UPDATES
    )


class VolumeProvider(GpuProvider[VolumeInputs, ApiVolume]):
    inputs_model = VolumeInputs
    kind = "celium Volume"

    def client(self) -> CeliumClient:
        return celium_client()

    def find(self, inputs: VolumeInputs) -> list[ApiVolume]:
        return [v for v in self.client().list_volumes() if v.name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [Inventoried(v.id, v.name) for v in self.client().list_volumes()]

    def create_object(self, inputs: VolumeInputs, token: str) -> ApiVolume:
        return self.client().create_volume(inputs.name, inputs.description)

    def object_id(self, obj: ApiVolume) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiVolume:
        return self.client().get_volume(id_)

    def observe(self, obj: ApiVolume) -> Observed[ApiVolume]:
        return Observed(Phase.READY, "available", obj=obj)  # volumes have no status

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_volume(id_)

    def outputs(self, obj: ApiVolume, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"size_bytes": obj.current_size_bytes, "size_gb": obj.current_size_gb}

    def reflect(self, obj: ApiVolume, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": obj.name, "description": obj.description}

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: VolumeInputs, changed: set[str]
    ) -> set[str]:
        self.client().update_volume(id_, inputs.name, inputs.description)
        return changed & {"name", "description"}


class Volume(GpuResource, module="celium", name="Volume"):
    """A Celium volume, mounted into pods with ``celium.Pod(volume_id=volume.id)``.

    Its data survives the pods that use it: replacing or deleting a pod never deletes
    the volume. Name and description update in place.

    Example::

        import pulumi_gpu.celium as celium

        data = celium.Volume("datasets", description="tokenized corpora")
    """

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    size_bytes: pulumi.Output[int]
    """Bytes stored, as last measured by Celium."""
    size_gb: pulumi.Output[float]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a volume; see :class:`VolumeInputs`."""
        self._register(
            VolumeProvider(),
            resource_name,
            {
                "name": name,
                "description": description,
                "adopt_id": adopt_id,
            },
            opts,
        )
