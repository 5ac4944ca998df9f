"""``gpudev.Disk``: a named persistent disk that follows its owner from job to job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.core.errors import (
    ApiError,
    ConflictError,
    GpuCloudError,
    NotFoundError,
    TransportError,
)
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import DESTROYS_DATA, LOCAL, UPDATES, ResourceInputs, wait_timeout_field
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.gpudev.client import GpuDevClient, gpudev_client
from pulumi_gpu.gpudev.models import Disk as ApiDisk
from pulumi_gpu.gpudev.models import DiskOperationStatus, iso

__all__ = ["Disk", "DiskInputs"]


class DiskInputs(ResourceInputs):
    """Inputs of a GPU Dev disk.

    The name updates in place (a rename, refused while a job uses the disk). A new size
    replaces the disk, which deletes its data: that needs ``allow_replacement=True``.
    """

    name: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9_-]+$",
        description=(
            "Disk name, unique among your disks: letters, digits, '-' and '_'. Jobs mount "
            "the disk by this name. Renames in place while no job uses the disk."
        ),
        json_schema_extra=UPDATES,
    )
    size_gb: int | None = Field(
        None,
        ge=10,
        le=10000,
        description=(
            "Size in GB; unset, the service's default (1024). A disk cannot be resized: "
            "a new size replaces it, deleting its data."
        ),
        json_schema_extra=DESTROYS_DATA,
    )
    allow_replacement: bool = Field(
        False,
        description="Confirm an update that replaces the disk (and deletes its data).",
        json_schema_extra=LOCAL,
    )
    wait_timeout: float = wait_timeout_field(600, "for the disk's create or delete to complete")


def _outputs(disk: ApiDisk) -> dict[str, Any]:
    return {
        "recorded_size_gb": disk.size_gb,
        "in_use": disk.in_use,
        "reservation_id": disk.reservation_id,
        "snapshot_count": disk.snapshot_count,
        "created_at": iso(disk.created_at),
        "last_used": iso(disk.last_used),
    }


def live_disk(client: GpuDevClient, name: str) -> ApiDisk | None:
    """The disk named ``name``, unless it does not exist or is marked for deletion."""
    try:
        disk = client.get_disk(name)
    except NotFoundError:
        return None
    return None if disk.is_deleted else disk


def _in_use_message(name: str, disk: ApiDisk, doing: str) -> str:
    return (
        f"gpudev disk {name} cannot be {doing} while job {disk.reservation_id} uses it. "
        "Cancel that job first - remove it from the program (or `pulumi destroy --target` "
        f"it), or `gpu-dev cancel {disk.reservation_id}` if Pulumi does not manage it - "
        "then run `pulumi up` again"
    )


class DiskProvider(GpuProvider[DiskInputs, ApiDisk]):
    inputs_model = DiskInputs
    kind = "gpudev Disk"
    delete_before_replace = True
    """Names are unique per user: the old disk must go before a new one takes its name."""
    visible_after = 60.0
    """A disk is listed once the service has run its (queued) create operation."""
    look_for_lost = 30.0
    """A second create of the name would fail: look until the first one shows (the
    service takes queued operations up every few seconds)."""

    def client(self) -> GpuDevClient:
        return gpudev_client()

    def find(self, inputs: DiskInputs) -> list[ApiDisk]:
        disk = live_disk(self.client(), inputs.name)
        return [disk] if disk is not None else []

    def inventory(self) -> list[Inventoried]:
        return [
            Inventoried(d.disk_name, d.disk_name, None, iso(d.created_at))
            for d in self.client().list_disks()
            if not d.is_deleted
        ]

    def create_object(self, inputs: DiskInputs, token: str) -> ApiDisk:
        op = self.client().create_disk(inputs.name, inputs.size_gb)
        report(
            f"{self.describe(inputs.model_dump())}: creation queued (operation {op.operation_id})"
        )
        pending = DiskOperationStatus(operation_id=op.operation_id, disk_name=inputs.name)
        return ApiDisk(disk_name=inputs.name, creating=pending)

    def object_id(self, obj: ApiDisk) -> str:
        return obj.disk_name

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiDisk:
        """By its current name (the id is the name it was created with)."""
        return self.client().get_disk(str(state.get("name") or id_))

    def watch(self, made: ApiDisk, state: Mapping[str, Any]) -> ApiDisk | None:
        """While the create operation runs, its status; then the disk."""
        creating = made.creating
        if creating is None or creating.succeeded:
            return self.fetch(made.disk_name, state)
        try:
            status = self.client().get_disk_operation(made.disk_name, creating.operation_id)
        except NotFoundError:
            return None  # not taken up yet (or lost: the wait tells after visible_after)
        if status.succeeded:
            return self.fetch(made.disk_name, state)
        return made.model_copy(update={"creating": status})

    def observe(self, obj: ApiDisk) -> Observed[ApiDisk]:
        if obj.creating is not None:
            reason = obj.creating.failure_reason()
            phase = Phase.FAILED if reason else Phase.PENDING
            return Observed(phase, "creating", reason, obj, f"operation {obj.creating.status}")
        if obj.is_deleted:
            return Observed(Phase.GONE, "marked for deletion", obj=obj)
        return Observed(Phase.READY, "in use" if obj.in_use else "available", obj=obj)

    def made(self, obj: ApiDisk) -> bool | None:
        if obj.creating is None:
            return True
        return False if obj.creating.failure_reason() else None

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        """Soft delete: the service keeps the disk 30 days, but it is gone for us."""
        name = str(state.get("name") or id_)
        client = self.client()
        disk = live_disk(client, name)
        if disk is None:
            raise NotFoundError("gpudev", "GET", f"/v1/disks/{name}", 404, "not found")
        if disk.in_use:
            raise GpuCloudError(_in_use_message(name, disk, "deleted"))
        client.delete_disk(name)

    def outputs(self, obj: ApiDisk, state: Mapping[str, Any]) -> dict[str, Any]:
        return _outputs(obj)

    def reflect(self, obj: ApiDisk, state: Mapping[str, Any]) -> dict[str, Any]:
        """Not ``size_gb``: the service records 1024 GB whatever was asked (contract)."""
        return {"name": obj.disk_name}

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: DiskInputs, changed: set[str]
    ) -> set[str]:
        old = str(state.get("name") or id_)
        if "name" in changed and inputs.name != old:
            self._rename(self.client(), old, inputs.name)
        return changed & {"name"}

    @staticmethod
    def _rename(client: GpuDevClient, old: str, new: str) -> None:
        what = f"gpudev disk {old}"
        try:
            client.rename_disk(old, new)
        except ConflictError:
            disk = live_disk(client, old)
            if disk is not None and disk.in_use:
                raise GpuCloudError(_in_use_message(old, disk, f"renamed to {new}")) from None
            raise GpuCloudError(
                f"{what} cannot be renamed to {new}: you already have a disk named {new}; "
                "choose another name"
            ) from None
        except NotFoundError:
            if live_disk(client, new) is None:
                raise GpuCloudError(f"{what} is gone; run `pulumi refresh`") from None
            # renamed already (by a rename whose answer was lost)
        except ApiError as failure:
            if failure.status == 410:
                raise GpuCloudError(
                    f"{what} is marked for deletion (the service keeps deleted disks 30 "
                    "days) and cannot be renamed; run `pulumi refresh`"
                ) from None
            if not failure.outcome_unknown or live_disk(client, new) is None:
                raise
        except TransportError:
            if live_disk(client, new) is None:
                raise
        report(f"{what}: renamed to {new}")


class Disk(GpuResource, module="gpudev", name="Disk"):
    """A GPU Dev persistent disk: mount it into jobs with ``gpudev.Job(disk_name=disk.name)``.

    Its data follows you from job to job: replacing or deleting a job never deletes the
    disk. ``pulumi up`` queues the creation and waits for the operation to complete. The
    name updates in place, but only while no job uses the disk (the service refuses with
    409 otherwise; cancel the job first). A new size replaces the disk and needs
    ``allow_replacement=True``.

    Deleting is soft: the service marks the disk for deletion and keeps it (and its
    snapshots) for 30 days before removing it for good; it is no longer listed or
    mountable meanwhile, and the name is free again for a new disk.

    The resource id is the name the disk was created with; ``name`` is its current name.

    Example::

        import pulumi_gpu.gpudev as gpudev

        data = gpudev.Disk("datasets", name="datasets", size_gb=500)
        gpudev.Job("dev", gpu_type="a100", disk_name=data.name, duration_hours=4)
    """

    name: pulumi.Output[str]
    """Current name of the disk."""
    recorded_size_gb: pulumi.Output[int | None]
    """Size the service recorded for the disk."""
    in_use: pulumi.Output[bool]
    """Whether a job has the disk mounted (when last read)."""
    reservation_id: pulumi.Output[str | None]
    """The job using the disk, if any."""
    snapshot_count: pulumi.Output[int]
    """Snapshots taken (one each time a job that used the disk ends)."""
    created_at: pulumi.Output[str]
    last_used: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str] | None = None,
        size_gb: pulumi.Input[int] | None = None,
        allow_replacement: pulumi.Input[bool] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a disk; see :class:`DiskInputs`."""
        self._register(
            DiskProvider(),
            resource_name,
            {
                "name": name,
                "size_gb": size_gb,
                "allow_replacement": allow_replacement,
                "wait_timeout": wait_timeout,
                "adopt_id": adopt_id,
            },
            opts,
        )
