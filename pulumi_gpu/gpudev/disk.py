"""``gpudev.Disk``: a named persistent disk that follows its owner from job to job."""

from __future__ import annotations

from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.core.errors import (
    ApiError,
    ConflictError,
    GpuCloudError,
    NotFoundError,
    ResourceFailed,
    TransportError,
    WaitTimeout,
)
from pulumi_gpu.core.lifecycle import cleanup_on_failure
from pulumi_gpu.core.log import report
from pulumi_gpu.core.provider import DESTROYS_DATA, GpuProvider, ResourceInputs
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.core.waiting import wait_for
from pulumi_gpu.gpudev.client import GpuDevClient, gpudev_client
from pulumi_gpu.gpudev.models import Disk as ApiDisk
from pulumi_gpu.gpudev.models import DiskOperation, DiskOperationStatus, iso

__all__ = ["Disk", "DiskInputs"]

LOST_CREATE_TIMEOUT = 60.0
"""Seconds to look for the disk a create whose answer was lost may have made."""


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
    )
    wait_timeout: float = Field(
        600, gt=0, description="Seconds to wait for the disk's create or delete to complete."
    )


def _outputs(disk: ApiDisk) -> dict[str, Any]:
    return {
        "recorded_size_gb": disk.size_gb,
        "in_use": disk.in_use,
        "reservation_id": disk.reservation_id,
        "snapshot_count": disk.snapshot_count,
        "created_at": iso(disk.created_at),
        "last_used": iso(disk.last_used),
    }


def _live(client: GpuDevClient, name: str) -> ApiDisk | None:
    """The disk named ``name``, unless it does not exist or is marked for deletion."""
    try:
        disk = client.get_disk(name)
    except NotFoundError:
        return None
    return None if disk.is_deleted else disk


def _wait_operation(
    client: GpuDevClient, op: DiskOperation, what: str, timeout: float
) -> DiskOperationStatus | None:
    def fetch() -> DiskOperationStatus | None:
        try:
            return client.get_disk_operation(op.disk_name, op.operation_id)
        except NotFoundError:
            return None  # the service has not taken the operation up yet

    return wait_for(
        what,
        fetch,
        status=lambda s: s.status if s else "queued",
        ready=lambda s: s is not None and s.succeeded,
        failure=lambda s: s.failure_reason() if s else None,
        timeout=timeout,
    )


def _in_use_message(name: str, disk: ApiDisk, doing: str) -> str:
    return (
        f"gpudev disk {name} cannot be {doing} while job {disk.reservation_id} uses it. "
        "Cancel that job first - remove it from the program (or `pulumi destroy --target` "
        f"it), or `gpu-dev cancel {disk.reservation_id}` if Pulumi does not manage it - "
        "then run `pulumi up` again"
    )


def _delete_and_wait(client: GpuDevClient, name: str, timeout: float) -> None:
    """Soft-delete the disk and wait for the operation; a disk already gone is success."""
    disk = _live(client, name)
    if disk is None:
        return
    if disk.in_use:
        raise GpuCloudError(_in_use_message(name, disk, "deleted"))
    op = client.delete_disk(name)
    _wait_operation(client, op, f"gpudev disk {name} deletion", timeout)


class DiskProvider(GpuProvider[DiskInputs]):
    inputs_model = DiskInputs
    kind = "gpudev Disk"
    delete_before_replace = True
    """Names are unique per user: the old disk must go before a new one takes its name."""

    def create_resource(self, inputs: DiskInputs) -> tuple[str, dict[str, Any]]:
        client = gpudev_client()
        name = inputs.name
        what = f"gpudev disk {name}"
        existing = _live(client, name)
        if existing is not None:
            raise GpuCloudError(
                f"{what}: you already have a disk named {name} (created "
                f"{iso(existing.created_at)}); give this resource another name, or delete "
                "that disk first"
            )
        try:
            op = client.create_disk(name, inputs.size_gb)
        except (ApiError, TransportError) as failure:
            if not failure.outcome_unknown:
                raise
            return name, _outputs(self._adopt(client, name, what, failure))
        report(f"{what}: creation queued (operation {op.operation_id})")

        def wait() -> ResourceFailed | None:
            try:
                _wait_operation(client, op, f"{what} creation", inputs.wait_timeout)
            except ResourceFailed as refused:
                return refused  # the service made nothing: nothing to clean up
            return None

        # A timeout or a lost connection may leave a disk: it is deleted before raising.
        refused = cleanup_on_failure(
            what, name, wait=wait, delete=lambda: self._delete_made(client, op, inputs.wait_timeout)
        )
        if refused is not None:
            raise refused
        disk = _live(client, name)
        if disk is None:
            raise GpuCloudError(f"{what}: the creation completed but the disk is not listed")
        return name, _outputs(disk)

    @staticmethod
    def _adopt(client: GpuDevClient, name: str, what: str, failure: GpuCloudError) -> ApiDisk:
        """A create whose answer was lost: the name is unique, so the disk that appears is ours."""
        report(f"{what}: the answer to the create was lost ({failure}); looking for the disk")
        try:
            disk = wait_for(
                f"{what} (after a lost answer)",
                lambda: _live(client, name),
                status=lambda d: "listed" if d else "not listed",
                ready=lambda d: d is not None,
                timeout=LOST_CREATE_TIMEOUT,
            )
        except WaitTimeout:
            raise GpuCloudError(
                f"{what}: the create's answer was lost ({failure}) and no disk named {name} "
                f"appeared within {LOST_CREATE_TIMEOUT:.0f} s; if it appears later, delete it "
                "(`gpu-dev disk delete`) before running `pulumi up` again"
            ) from None
        assert disk is not None
        return disk

    @staticmethod
    def _delete_made(client: GpuDevClient, op: DiskOperation, timeout: float) -> None:
        """Delete the disk this create made, if it made one."""
        try:
            status = client.get_disk_operation(op.disk_name, op.operation_id)
        except NotFoundError:
            raise GpuCloudError(
                f"the creation of disk {op.disk_name} is still queued at the service"
            ) from None
        if status.failure_reason() is None:
            _delete_and_wait(client, op.disk_name, timeout)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        disk = _live(gpudev_client(), str(state.get("name") or id_))
        if disk is None:
            return None
        return {"name": disk.disk_name, **_outputs(disk)}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: DiskInputs, changed: set[str]
    ) -> dict[str, Any]:
        client = gpudev_client()
        old = str(state.get("name") or id_)
        if "name" in changed and inputs.name != old:
            self._rename(client, old, inputs.name)
        disk = _live(client, inputs.name)
        if disk is None:
            raise GpuCloudError(f"gpudev disk {inputs.name} is gone; run `pulumi refresh`")
        return _outputs(disk)

    @staticmethod
    def _rename(client: GpuDevClient, old: str, new: str) -> None:
        what = f"gpudev disk {old}"
        try:
            client.rename_disk(old, new)
        except ConflictError:
            disk = _live(client, old)
            if disk is not None and disk.in_use:
                raise GpuCloudError(_in_use_message(old, disk, f"renamed to {new}")) from None
            raise GpuCloudError(
                f"{what} cannot be renamed to {new}: you already have a disk named {new}; "
                "choose another name"
            ) from None
        except NotFoundError:
            if _live(client, new) is None:
                raise GpuCloudError(f"{what} is gone; run `pulumi refresh`") from None
            # renamed already (by a rename whose answer was lost)
        except ApiError as failure:
            if failure.status == 410:
                raise GpuCloudError(
                    f"{what} is marked for deletion (the service keeps deleted disks 30 "
                    "days) and cannot be renamed; run `pulumi refresh`"
                ) from None
            if not failure.outcome_unknown or _live(client, new) is None:
                raise
        except TransportError:
            if _live(client, new) is None:
                raise
        report(f"{what}: renamed to {new}")

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        _delete_and_wait(
            gpudev_client(), str(state.get("name") or id_), float(state.get("wait_timeout") or 600)
        )


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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a disk; see :class:`DiskInputs`."""
        self._register(
            DiskProvider(),
            resource_name,
            {
                "name": name or default_name(resource_name),
                "size_gb": size_gb,
                "allow_replacement": allow_replacement,
                "wait_timeout": wait_timeout,
            },
            opts,
        )
