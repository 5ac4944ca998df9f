"""``runpod.NetworkVolume``: network storage that outlives the pods it is mounted in."""

from __future__ import annotations

from typing import Any, Literal

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import Field

from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError, NotFoundError
from pulumi_gpu.core.lifecycle import create_once
from pulumi_gpu.core.provider import (
    ALLOW_REPLACEMENT,
    DESTROYS_DATA,
    Change,
    GpuProvider,
    ResourceInputs,
)
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.models import NetworkVolume as ApiVolume

__all__ = ["NetworkVolume", "NetworkVolumeInputs"]

VolumeType = Literal["STANDARD", "HIGH_PERFORMANCE"]


class NetworkVolumeInputs(ResourceInputs):
    """Inputs of a RunPod network volume.

    The name updates in place and the size grows in place; a smaller size is refused at
    preview (RunPod cannot shrink a volume). The data center and the storage type are
    fixed at create: changing them replaces the volume, which deletes its data, so
    ``pulumi preview`` refuses such a change unless ``allow_replacement`` is set.
    """

    name: str = Field(min_length=1, max_length=191, description="Volume name; updates in place.")
    size_gb: int = Field(
        ge=10, le=4096, description="Size in GB (10 to 4096); grows in place, never shrinks."
    )
    data_center_id: str = Field(
        min_length=1,
        description=(
            "Data center of the volume, e.g. 'US-KS-2'; pods that mount it run there. "
            "Changing it replaces the volume and deletes its data (see allow_replacement)."
        ),
        examples=["US-KS-2", "EU-RO-1"],
        json_schema_extra=DESTROYS_DATA,
    )
    type: VolumeType = Field(
        "STANDARD",
        description=(
            "Storage tier: STANDARD or HIGH_PERFORMANCE (not offered everywhere). Changing "
            "it replaces the volume and deletes its data (see allow_replacement)."
        ),
        json_schema_extra=DESTROYS_DATA,
    )
    allow_replacement: bool = Field(
        False,
        description=(
            "Confirms that a change of data_center_id or type may replace the volume, "
            "deleting the data on it. Without it such a change fails at preview."
        ),
    )


def _outputs(volume: ApiVolume) -> dict[str, Any]:
    return {
        "name": volume.name,
        "size_gb": volume.size,
        "data_center_id": volume.data_center,
        "type": volume.type,
    }


def _in_use_error(client: RunPodClient, volume_id: str, exc: InvalidRequestError) -> Exception:
    try:
        users = [
            f"{p.name} ({p.id})"
            for p in client.list_pods()
            if any(m.volume_id == volume_id for m in p.mounts.network)
        ]
    except GpuCloudError:
        users = []
    if not users:
        return exc
    return GpuCloudError(
        f"runpod network volume {volume_id} cannot be deleted while pods mount it: "
        f"{', '.join(users)}. Terminate them first (RunPod said: {exc.message})"
    )


class NetworkVolumeProvider(GpuProvider[NetworkVolumeInputs]):
    inputs_model = NetworkVolumeInputs
    kind = "runpod NetworkVolume"

    def check_change(
        self, old: NetworkVolumeInputs, new: NetworkVolumeInputs
    ) -> list[CheckFailure]:
        if new.size_gb >= old.size_gb:
            return []
        return [
            CheckFailure(
                "size_gb",
                f"a network volume cannot shrink: it has {old.size_gb} GB and {new.size_gb} GB "
                f"was asked; keep size_gb >= {old.size_gb} (to start over smaller, create a "
                "new volume and move the data)",
            )
        ]

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field == ALLOW_REPLACEMENT:
            return Change.NONE  # a confirmation, not a property of the volume
        return super().change_kind(field, olds, news)

    def create_resource(self, inputs: NetworkVolumeInputs) -> tuple[str, dict[str, Any]]:
        client = runpod_client()
        body = {
            "name": inputs.name,
            "size": inputs.size_gb,
            "dataCenter": inputs.data_center_id,
            "type": inputs.type,
        }
        volume = create_once(
            f"runpod network volume {inputs.name}",
            lambda: client.create_network_volume(body),
            existing=lambda: [v for v in client.list_network_volumes() if v.name == inputs.name],
            ident=lambda v: v.id,
        )
        return volume.id, _outputs(volume)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            volume = runpod_client().get_network_volume(id_)
        except NotFoundError:
            return None
        return _outputs(volume)

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: NetworkVolumeInputs, changed: set[str]
    ) -> dict[str, Any]:
        client = runpod_client()
        live = client.get_network_volume(id_)
        if inputs.size_gb < live.size:
            raise GpuCloudError(
                f"runpod network volume {id_} has grown to {live.size} GB outside Pulumi and "
                f"cannot shrink to {inputs.size_gb} GB: set size_gb to at least {live.size}"
            )
        changes: dict[str, Any] = {}
        if inputs.name != live.name:
            changes["name"] = inputs.name
        if inputs.size_gb != live.size:
            changes["size"] = inputs.size_gb
        volume = client.update_network_volume(id_, changes) if changes else live
        return _outputs(volume)

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        client = runpod_client()
        try:
            client.delete_network_volume(id_)
        except NotFoundError:
            return
        except InvalidRequestError as exc:
            raise _in_use_error(client, id_, exc) from exc


class NetworkVolume(GpuResource, module="runpod", name="NetworkVolume"):
    """A RunPod network volume, mounted with ``runpod.Pod(network_volume_id=volume.id)``.

    Its data survives the pods that use it: stopping, replacing or deleting a pod never
    deletes the volume. The name updates and the size grows in place; a shrink is refused
    at preview. Moving it to another data center or storage type replaces it, which
    deletes the data, so that needs ``allow_replacement=True``.

    Example::

        import pulumi_gpu.runpod as runpod

        data = runpod.NetworkVolume("datasets", size_gb=200, data_center_id="EU-RO-1")
    """

    name: pulumi.Output[str]
    size_gb: pulumi.Output[int]
    """Size in GB, as RunPod reports it."""
    data_center_id: pulumi.Output[str]
    type: pulumi.Output[str]
    """STANDARD or HIGH_PERFORMANCE."""

    def __init__(
        self,
        resource_name: str,
        *,
        size_gb: pulumi.Input[int],
        data_center_id: pulumi.Input[str],
        type: pulumi.Input[str] | None = None,
        allow_replacement: pulumi.Input[bool] | None = None,
        name: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a network volume; see :class:`NetworkVolumeInputs`."""
        self._register(
            NetworkVolumeProvider(),
            resource_name,
            {
                "name": name or default_name(resource_name),
                "size_gb": size_gb,
                "data_center_id": data_center_id,
                "type": type,
                "allow_replacement": allow_replacement,
            },
            opts,
        )
