"""RunPod container registry credentials: write-only secrets that pods and templates name
in ``registry`` to pull private images."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.model import Registry
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.state import CloudError


class Registries(RunPodTables):
    """``/v2/registries``: the caller's registry credentials (never their secrets)."""

    def list_registries(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [_registry_json(r) for r in self.registries.values() if r.owner == owner]

    def get_registry(self, owner: str, registry_id: str) -> dict[str, Any]:
        with self.lock:
            return _registry_json(self._registry(registry_id, owner))

    def create_registry(self, owner: str, body: dict[str, str]) -> dict[str, Any]:
        """Names need not be unique (guess: the spec states no such rule)."""
        with self.lock:
            registry = Registry(
                self._token(8), owner, body["name"], body["username"], body["password"]
            )
            self.registries[registry.id] = registry
            return _registry_json(registry)

    def delete_registry(self, owner: str, registry_id: str) -> None:
        """Refused while a pod uses the credential; templates naming it lose the reference."""
        with self.lock:
            self._registry(registry_id, owner)
            self._purge()
            users = [p.id for p in self._live_pods() if p.container["registry"] == registry_id]
            if users:
                raise CloudError(
                    400,
                    "Registry credential is in use by a pod and cannot be deleted "
                    f"(pods: {', '.join(users)})",
                )
            for template in self.templates.values():
                if template.fields.get("registry") == registry_id:
                    template.fields["registry"] = None
            del self.registries[registry_id]


def _registry_json(registry: Registry) -> dict[str, Any]:
    return {"id": registry.id, "name": registry.name}
