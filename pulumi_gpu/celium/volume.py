"""``celium.Volume``: persistent storage that outlives the pods it is mounted in."""

from __future__ import annotations

import contextlib
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.celium.client import celium_client
from pulumi_gpu.celium.models import Volume as ApiVolume
from pulumi_gpu.core.errors import NotFoundError
from pulumi_gpu.core.lifecycle import create_once
from pulumi_gpu.core.provider import GpuProvider, ResourceInputs
from pulumi_gpu.core.resource import GpuResource, default_name

__all__ = ["Volume", "VolumeInputs"]


class VolumeInputs(ResourceInputs):
    """Inputs of a Celium volume; both update in place (Celium volumes have no size to set)."""

    name: str = Field(min_length=1, max_length=128, description="Volume name; updates in place.")
    description: str = Field("", max_length=2000, description="Free text; updates in place.")


def _outputs(volume: ApiVolume) -> dict[str, Any]:
    return {"size_bytes": volume.current_size_bytes, "size_gb": volume.current_size_gb}


class VolumeProvider(GpuProvider[VolumeInputs]):
    inputs_model = VolumeInputs
    kind = "celium Volume"

    def create_resource(self, inputs: VolumeInputs) -> tuple[str, dict[str, Any]]:
        client = celium_client()
        volume = create_once(
            f"celium volume {inputs.name}",
            lambda: client.create_volume(inputs.name, inputs.description),
            existing=lambda: [v for v in client.list_volumes() if v.name == inputs.name],
            ident=lambda v: v.id,
        )
        return volume.id, _outputs(volume)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            volume = celium_client().get_volume(id_)
        except NotFoundError:
            return None
        return {"name": volume.name, "description": volume.description, **_outputs(volume)}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: VolumeInputs, changed: set[str]
    ) -> dict[str, Any]:
        volume = celium_client().update_volume(id_, inputs.name, inputs.description)
        return _outputs(volume)

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        with contextlib.suppress(NotFoundError):
            celium_client().delete_volume(id_)


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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a volume; see :class:`VolumeInputs`."""
        self._register(
            VolumeProvider(),
            resource_name,
            {"name": name or default_name(resource_name), "description": description},
            opts,
        )
