"""The GPU Dev disk worker, simulated: it takes up queued disk operations (a create makes
the disk row at once; a delete checks the disk is there and free), then completes them
``timings.disk_create`` / ``timings.disk_delete`` later.

Guess: nothing consumes the ``disk_operations`` queue on the branch the contract reads
(see gpudev.md, "Gaps found"); this is the obvious behaviour.
"""

from __future__ import annotations

from pulumi_gpu.emulator.gpudev.model import (
    DEFAULT_DISK_GB,
    OP_COMPLETED,
    OP_FAILED,
    OP_IN_PROGRESS,
    Disk,
    DiskOperation,
)
from pulumi_gpu.emulator.gpudev.tables import GpuDevTables


class DiskWorker(GpuDevTables):
    """Disk operations, from taken up to completed or failed."""

    def _start_op(self, op: DiskOperation, at: float) -> None:
        op.last_updated = at
        key = (op.owner, op.disk_name)
        disk = self.disks.get(key)
        if op.action == "create":
            if disk is not None and not disk.is_deleted:
                op.status, op.error = OP_FAILED, f"Disk '{op.disk_name}' already exists"
                return
            # guess: a name held by a soft-deleted disk is reused by a new disk
            size = op.size_gb or DEFAULT_DISK_GB
            self.disks[key] = Disk(op.disk_name, op.owner, size, at)
            op.status, op.done_at = OP_IN_PROGRESS, at + self.timings.disk_create
            return
        if disk is None or disk.is_deleted:
            op.status, op.error = OP_FAILED, f"Disk '{op.disk_name}' not found"  # guess
        elif disk.in_use:
            op.status = OP_FAILED
            op.error = f"Disk '{op.disk_name}' is in use by reservation {disk.reservation_id}"
        else:
            op.status, op.done_at = OP_IN_PROGRESS, at + self.timings.disk_delete

    def _finish_op(self, op: DiskOperation, at: float) -> None:
        op.last_updated = at
        if op.planned_error is not None:  # injected: the create fails, no disk is left
            op.status, op.error = OP_FAILED, op.planned_error
            self.disks.pop((op.owner, op.disk_name), None)
            return
        op.status = OP_COMPLETED
        if op.action == "delete":
            disk = self.disks.get((op.owner, op.disk_name))
            if disk is not None:
                disk.is_deleted = True
                disk.delete_date = op.delete_date
