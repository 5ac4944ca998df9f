"""Prime Intellect SSH keys: an account's public keys, one of them primary (the key a pod
created without ``sshKeyId`` gets)."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.primeintellect.model import SshKey, page, user_id
from pulumi_gpu.emulator.primeintellect.tables import PrimeIntellectTables


class SshKeys(PrimeIntellectTables):
    """``/ssh_keys``: the caller's SSH keys. An account starts with none (guess: the
    dashboard can generate one; the emulator has no dashboard)."""

    def list_ssh_keys(self, owner: str, offset: int, limit: int) -> dict[str, Any]:
        with self.lock:
            keys = [k for k in self.ssh_keys.values() if k.owner == owner]
            shown = [self._ssh_key_json(k) for k in keys[offset : offset + limit]]
            return page(shown, len(keys), offset, limit)

    def upload_ssh_key(self, owner: str, name: str, public_key: str) -> dict[str, Any]:
        """Any text is accepted as a key (guess: the spec states no format)."""
        with self.lock:
            now = self.clock.now()
            first = not any(k.owner == owner for k in self.ssh_keys.values())
            # guess: an account's first key becomes its primary key
            key = SshKey(self._new_id(), owner, name, public_key, now, now, is_primary=first)
            self.ssh_keys[key.id] = key
            return self._ssh_key_json(key)

    def delete_ssh_key(self, owner: str, key_id: str) -> dict[str, Any]:
        """Pods keep the keys they were created with; deleting the primary key leaves the
        account without one (guess)."""
        with self.lock:
            del self.ssh_keys[self._ssh_key(key_id, owner).id]
            return {"status": "success"}  # guess: the spec's schema is empty

    def set_primary_key(self, owner: str, key_id: str, primary: bool | None) -> dict[str, Any]:
        """``isPrimary: true`` makes the key the account's only primary key; absent, nothing
        changes."""
        with self.lock:
            key = self._ssh_key(key_id, owner)
            if not primary:  # guess: the messages' wording
                return {"message": "Nothing to update", "updated_fields": {}}
            now = self.clock.now()
            for other in self.ssh_keys.values():
                if other.owner == owner and other.is_primary and other is not key:
                    other.is_primary, other.updated_at = False, now
            key.is_primary, key.updated_at = True, now
            return {"message": "SSH key updated", "updated_fields": {"isPrimary": True}}

    def pod_keys(self, pod_id: str) -> dict[str, Any]:
        """The SSH keys a pod was created with, for tests (the API does not show them):
        ``{"sshKeyId": <id or None>, "publicKeys": [...]}``."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            return {"sshKeyId": pod.ssh_key_id, "publicKeys": list(pod.public_keys)}

    def _ssh_key_json(self, key: SshKey) -> dict[str, Any]:
        return {
            "id": key.id,
            "userId": user_id(key.owner),
            "name": key.name,
            "publicKey": key.public_key,
            "isPrimary": key.is_primary,
            "isUserKey": True,  # uploaded through the API
            "createdAt": self.clock.iso(key.created_at),
            "updatedAt": self.clock.iso(key.updated_at),
        }
