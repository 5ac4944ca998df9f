"""RunPod network volumes: in one data center, of a tier it offers; they grow, never shrink."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.inventory import DATA_CENTER_BY_ID
from pulumi_gpu.emulator.runpod.model import NetworkVolume
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.state import CloudError


class Volumes(RunPodTables):
    """``/v2/network-volumes``: the caller's network volumes."""

    def list_volumes(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [_volume_json(v) for v in self.volumes.values() if v.owner == owner]

    def get_volume(self, owner: str, volume_id: str) -> dict[str, Any]:
        with self.lock:
            return _volume_json(self._volume(volume_id, owner))

    def create_volume(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            dc = DATA_CENTER_BY_ID.get(body["dataCenter"])
            if dc is None:  # guess: the wording is undocumented
                raise CloudError(400, f"unknown data center {body['dataCenter']!r}")
            if not dc.volume_types:
                raise CloudError(400, f"data center {dc.id} does not offer network volumes")
            kind = body.get("type") or dc.volume_types[0]
            if kind not in dc.volume_types:
                offered = ", ".join(dc.volume_types)
                raise CloudError(400, f"data center {dc.id} offers {offered} volumes, not {kind}")
            volume = NetworkVolume(self._token(10), owner, body["name"], body["size"], dc.id, kind)
            self.volumes[volume.id] = volume
            return _volume_json(volume)

    def update_volume(self, owner: str, volume_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            volume = self._volume(volume_id, owner)
            size = changes.get("size")
            if size is not None and size < volume.size:
                raise CloudError(
                    400,
                    f"network volume storage cannot be reduced: {volume.id} has {volume.size} GB, "
                    f"asked for {size} GB",
                )
            if size is not None:
                volume.size = size
            if changes.get("name") is not None:
                volume.name = changes["name"]
            return _volume_json(volume)

    def delete_volume(self, owner: str, volume_id: str) -> None:
        with self.lock:
            self._volume(volume_id, owner)
            self._purge()
            users = [
                p.id
                for p in self._live_pods()
                if any(m["volumeId"] == volume_id for m in p.mounts.get("network", []))
            ]
            if users:  # guess: the console refuses to delete an attached volume
                raise CloudError(
                    400, f"network volume {volume_id} is attached to pods: {', '.join(users)}"
                )
            del self.volumes[volume_id]


def _volume_json(v: NetworkVolume) -> dict[str, Any]:
    return {"id": v.id, "name": v.name, "size": v.size, "dataCenter": v.data_center, "type": v.type}
