"""``runpod.NetworkVolume``: network storage that outlives the pods it is mounted in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import Field

from pulumi_gpu.core.checking import Choices
from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import DESTROYS_DATA, LOCAL, UPDATES, ResourceInputs
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.lookups import catalog_choices
from pulumi_gpu.runpod.models import NetworkVolume as ApiVolume

__all__ = ["NetworkVolume", "NetworkVolumeInputs", "VolumeType"]

VolumeType = Literal["STANDARD", "HIGH_PERFORMANCE"]
"""A network volume's storage, fixed at create."""


class NetworkVolumeInputs(ResourceInputs):
    """Inputs of a RunPod network volume.

    The name updates in place and the size grows in place; a smaller size is refused at
    preview (RunPod cannot shrink a volume). The data center and the storage type are
    fixed at create: changing them replaces the volume, which deletes its data, so
    ``pulumi preview`` refuses such a change unless ``allow_replacement`` is set.
    """

    name: str = Field(
        min_length=1,
        max_length=191,
        description="Volume name; updates in place.",
        json_schema_extra=UPDATES,
    )
    size_gb: int = Field(
        ge=10,
        le=4096,
        description="Size in GB (10 to 4096); grows in place, never shrinks.",
        json_schema_extra=UPDATES,
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
        json_schema_extra=LOCAL,
    )


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


class NetworkVolumeProvider(GpuProvider[NetworkVolumeInputs, ApiVolume]):
    inputs_model = NetworkVolumeInputs
    kind = "runpod NetworkVolume"

    def client(self) -> RunPodClient:
        return runpod_client()

    def choices(self, field: str) -> Choices | None:
        return catalog_choices(self.client(), field)

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

    def find(self, inputs: NetworkVolumeInputs) -> list[ApiVolume]:
        return [v for v in self.client().list_network_volumes() if v.name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [Inventoried(v.id, v.name) for v in self.client().list_network_volumes()]

    def create_object(self, inputs: NetworkVolumeInputs, token: str) -> ApiVolume:
        body = {
            "name": inputs.name,
            "size": inputs.size_gb,
            "dataCenter": inputs.data_center_id,
            "type": inputs.type,
        }
        return self.client().create_network_volume(body)

    def object_id(self, obj: ApiVolume) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiVolume:
        return self.client().get_network_volume(id_)

    def observe(self, obj: ApiVolume) -> Observed[ApiVolume]:
        return Observed(Phase.READY, "available", obj=obj)  # volumes have no status

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        client = self.client()
        try:
            client.delete_network_volume(id_)
        except InvalidRequestError as exc:
            raise _in_use_error(client, id_, exc) from exc

    def outputs(self, obj: ApiVolume, state: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "name": obj.name,
            "size_gb": obj.size,
            "data_center_id": obj.data_center,
            "type": obj.type,
        }

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: NetworkVolumeInputs, changed: set[str]
    ) -> set[str]:
        client = self.client()
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
        if changes:
            client.update_network_volume(id_, changes)
        return changed & {"name", "size_gb"}


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
        type: pulumi.Input[VolumeType] | None = None,
        allow_replacement: pulumi.Input[bool] | None = None,
        name: pulumi.Input[str] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a network volume; see :class:`NetworkVolumeInputs`."""
        self._register(
            NetworkVolumeProvider(),
            resource_name,
            {
                "name": name,
                "size_gb": size_gb,
                "data_center_id": data_center_id,
                "type": type,
                "allow_replacement": allow_replacement,
                "adopt_id": adopt_id,
            },
            opts,
        )
