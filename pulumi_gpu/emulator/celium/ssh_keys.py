"""Celium SSH keys: public keys an account registers (the SDK registers the keys it rents
with; a rent still names its keys in ``user_public_key``)."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.celium.model import SshKey
from pulumi_gpu.emulator.celium.tables import CeliumTables


class SshKeys(CeliumTables):
    """``/ssh-keys``: the caller's SSH keys. Any text is accepted as a key and names need
    not be unique (guess: nothing documented)."""

    def list_ssh_keys(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [self._ssh_key_json(k) for k in self.ssh_keys.values() if k.owner == owner]

    def create_ssh_key(self, owner: str, name: str, public_key: str) -> dict[str, Any]:
        with self.lock:
            key = SshKey(self._new_id(), owner, name, public_key, self.clock.now())
            self.ssh_keys[key.id] = key
            return self._ssh_key_json(key)

    def update_ssh_key(self, owner: str, key_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """``PUT``: the given ``name`` / ``public_key`` replace the key's (pods keep theirs)."""
        with self.lock:
            key = self._ssh_key(key_id, owner)
            for field in ("name", "public_key"):
                if changes.get(field) is not None:
                    setattr(key, field, changes[field])
            return self._ssh_key_json(key)

    def delete_ssh_key(self, owner: str, key_id: str) -> dict[str, Any]:
        with self.lock:
            del self.ssh_keys[self._ssh_key(key_id, owner).id]
            return {"detail": "SSH key deleted successfully"}  # guess: as templates answer

    def _ssh_key_json(self, key: SshKey) -> dict[str, Any]:
        return {
            "id": key.id,
            "name": key.name,
            "public_key": key.public_key,
            "created_at": self.clock.iso(key.created_at, naive=True),
        }
