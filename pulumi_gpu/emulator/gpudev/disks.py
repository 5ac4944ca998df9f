"""GPU Dev disks as the API sees them: named per user, created and deleted by queued
operations (soft delete, 30-day retention) that a client follows by operation id,
renamed at once when not in use."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.gpudev.model import (
    DISK_RETENTION_DAYS,
    OP_COMPLETED,
    OP_FAILED,
    OP_QUEUED,
    ApiUser,
    Disk,
    DiskOperation,
)
from pulumi_gpu.emulator.gpudev.processor import Processor, calendar_day
from pulumi_gpu.emulator.state import CloudError


class Disks(Processor):
    """``/v1/disks``: the caller's disks."""

    def disk(self, owner: str, name: str) -> Disk:
        """The disk row, brought up to date (for assertions)."""
        with self.lock:
            self._advance()
            return self._owned_disk(owner, name)

    def create_disk(self, user: ApiUser, name: str, size_gb: int | None) -> dict[str, Any]:
        _check_disk_name(name)
        with self.lock:
            self._advance()
            op = self._disk_operation(user, name, "create", size_gb=size_gb)
            if self.fail_next_disks:
                op.planned_error = self.fail_next_disks.pop(0)
            return {
                "operation_id": op.id,
                "disk_name": name,
                "action": "create",
                "message": "Disk creation request queued successfully",
                "requested_at": self.clock.iso(op.requested_at),
            }

    def delete_disk(self, user: ApiUser, name: str) -> dict[str, Any]:
        """Soft delete, queued; the API checks nothing (the processor does)."""
        with self.lock:
            self._advance()
            op = self._disk_operation(user, name, "delete")
            return {
                "operation_id": op.id,
                "disk_name": name,
                "action": "delete",
                "message": (
                    "Disk deletion request queued successfully. "
                    f"Will be deleted on {op.delete_date}"
                ),
                "requested_at": self.clock.iso(op.requested_at),
            }

    def list_disks(self, user: ApiUser) -> dict[str, Any]:
        with self.lock:
            self._advance()
            mine = [d for d in self.disks.values() if d.owner == user.username and not d.is_deleted]
            mine.sort(key=lambda d: d.created_at, reverse=True)
            return {"disks": [self._disk_json(d) for d in mine], "total": len(mine)}

    def get_disk(self, user: ApiUser, name: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            return self._disk_json(self._owned_disk(user.username, name))

    def disk_operation(self, user: ApiUser, name: str, operation_id: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            op = self.operations.get(operation_id)
            # Real: 404 until a disk row carries the operation id, i.e. until the
            # processor took the operation up.
            if op is None or op.owner != user.username or op.status == OP_QUEUED:
                raise CloudError(404, f"Operation {operation_id} not found for disk '{name}'")
            if op.disk_name != name:
                raise CloudError(404, f"Operation {operation_id} not found for disk '{name}'")
            disk = self.disks.get((op.owner, op.disk_name))
            return {
                "operation_id": op.id,
                "disk_name": op.disk_name,
                "status": op.status,
                "error": op.error,
                "is_deleted": bool(disk and disk.is_deleted),
                "delete_date": disk.delete_date if disk else None,
                "created_at": self.clock.iso(op.requested_at),
                "last_updated": self.clock.iso(op.last_updated),
                "completed": op.status in (OP_COMPLETED, OP_FAILED),
            }

    def disk_content(self, user: ApiUser, name: str) -> dict[str, Any]:
        with self.lock:
            self._advance()
            disk = self._owned_disk(user.username, name)
            if disk.is_deleted:
                raise CloudError(410, f"Disk '{name}' is marked for deletion")
            if disk.snapshot_count == 0 or disk.last_snapshot_at is None:
                return {
                    "disk_name": name,
                    "content": None,
                    "s3_path": None,
                    "snapshot_date": None,
                    "message": "No snapshot contents available yet for this disk",  # guess
                }
            return {
                "disk_name": name,
                "content": f"/home/dev:\n.bashrc\nprojects\n\n/home/dev/projects:\n{name}\n",
                "s3_path": (
                    f"s3://gpu-dev-disk-contents/{disk.owner}/{name}/"
                    f"snapshot-{disk.snapshot_count}.txt"
                ),
                "snapshot_date": self.clock.iso(disk.last_snapshot_at),
                "message": None,
            }

    def rename_disk(self, user: ApiUser, name: str, new_name: str) -> dict[str, Any]:
        _check_disk_name(new_name)
        with self.lock:
            self._advance()
            disk = self._owned_disk(user.username, name)
            if disk.is_deleted:
                raise CloudError(410, f"Disk '{name}' is marked for deletion")
            if disk.in_use:
                raise CloudError(
                    409,
                    f"Cannot rename disk '{name}' - it is currently in use by reservation "
                    f"{disk.reservation_id}",
                )
            if (user.username, new_name) in self.disks:
                raise CloudError(409, f"Disk '{new_name}' already exists")
            del self.disks[(user.username, name)]
            disk.name = new_name
            self.disks[(user.username, new_name)] = disk
            for op in self.operations.values():
                if op.owner == user.username and op.disk_name == name:
                    op.disk_name = new_name
            snapshots = disk.snapshot_count
            detail = f"{snapshots} snapshots updated" if snapshots else "no snapshots found"
            return {
                "message": f"Disk renamed from '{name}' to '{new_name}' ({detail})",
                "old_name": name,
                "new_name": new_name,
                "snapshots_updated": snapshots,
            }

    def _disk_operation(
        self, user: ApiUser, name: str, action: str, *, size_gb: int | None = None
    ) -> DiskOperation:
        now = self.clock.now()
        op = DiskOperation(
            id=self._new_id(),
            owner=user.username,
            disk_name=name,
            action=action,
            requested_at=now,
            process_at=now + self.timings.pickup,
            size_gb=size_gb,
            last_updated=now,
        )
        if action == "delete":
            op.delete_date = calendar_day(now + DISK_RETENTION_DAYS * 86400)
        self.operations[op.id] = op
        self._send("disk_operations", {"action": f"{action}_disk", "operation_id": op.id})
        return op

    def _disk_json(self, d: Disk) -> dict[str, Any]:
        return {
            "disk_name": d.name,
            "user_id": d.owner,
            "size_gb": d.size_gb,
            "created_at": self.clock.iso(d.created_at),
            "last_used": self.clock.iso(d.last_used) if d.last_used is not None else None,
            "in_use": d.in_use,
            "reservation_id": d.reservation_id,
            "is_backing_up": d.is_backing_up,
            "is_deleted": d.is_deleted,
            "snapshot_count": d.snapshot_count,
        }


def _check_disk_name(name: str) -> None:
    if not name or not all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
        raise CloudError(
            400, "Disk name must contain only letters, numbers, hyphens, and underscores"
        )
