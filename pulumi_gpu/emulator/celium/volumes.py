"""Celium volumes: named storage with no status and no size to ask for, attached at rent."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.celium.model import Volume
from pulumi_gpu.emulator.celium.tables import CeliumTables
from pulumi_gpu.emulator.state import CloudError


class Volumes(CeliumTables):
    """``/volumes``: the caller's volumes."""

    def list_volumes(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            return [self._volume_json(v) for v in self.volumes.values() if v.owner == owner]

    def get_volume(self, owner: str, volume_id: str) -> dict[str, Any]:
        with self.lock:
            return self._volume_json(self._volume(volume_id, owner))

    def create_volume(self, owner: str, name: str, description: str) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            volume = Volume(self._new_id(), owner, name, description, now, now)
            self.volumes[volume.id] = volume
            return self._volume_json(volume)

    def update_volume(self, owner: str, volume_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            volume = self._volume(volume_id, owner)
            for key in ("name", "description"):
                if changes.get(key) is not None:
                    setattr(volume, key, changes[key])
            volume.updated_at = self.clock.now()
            return self._volume_json(volume)

    def delete_volume(self, owner: str, volume_id: str) -> dict[str, Any]:
        with self.lock:
            self._volume(volume_id, owner)
            users = [p.id for p in self.pods.values() if p.volume_id == volume_id]
            if users:  # guess: the real API's answer is not documented
                raise CloudError(400, f"Volume is attached to pods: {', '.join(users)}")
            del self.volumes[volume_id]
            return {"detail": "Volume deleted successfully"}

    def _volume_json(self, v: Volume) -> dict[str, Any]:
        size = 4096 * sum(1 for p in self.pods.values() if p.volume_id == v.id)
        return {
            "id": v.id,
            "name": v.name,
            "description": v.description,
            "created_at": self.clock.iso(v.created_at, naive=True),
            "updated_at": self.clock.iso(v.updated_at, naive=True),
            "current_size_bytes": size,
            "current_file_count": 0,
            "current_size_gb": round(size / 1024**3, 3),
            "current_size_mb": round(size / 1024**2, 3),
            "last_metrics_update": None,
        }
