"""Celium (Lium) compute API client: one method per endpoint, no lifecycle logic.

Contract: ``https://lium.io/api``, key in the ``X-API-KEY`` header, FastAPI errors.
"""

from __future__ import annotations

from typing import Any

from pulumi_gpu.celium.models import DockerImage, Executor, Pod, SshKey, Template, User, Volume
from pulumi_gpu.core.config import Setting, fingerprint, key_identity, shared_client
from pulumi_gpu.core.http import ApiClient, HeaderAuth

API_KEY = Setting(
    "celiumApiKey", ("CELIUM_API_KEY", "LIUM_API_KEY"), secret=True, description="Celium API key."
)
ENDPOINT = Setting(
    "celiumEndpoint",
    ("CELIUM_API_URL", "LIUM_BASE_URL"),
    "https://lium.io/api",
    description="Celium API endpoint.",
)


class CeliumClient(ApiClient):
    cloud = "celium"

    def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
        super().__init__(base_url, auth=HeaderAuth("X-API-KEY", api_key), **kwargs)
        self._user: str | None = None

    def user_id(self) -> str:
        """The id of the Celium user the key belongs to (``GET /users/me``, asked once)."""
        if self._user is None:
            self._user = str(self.decode(User, self.request("GET", "/users/me")).id)
        return self._user

    def account(self) -> str:
        """The Celium user, as ``/users/me`` names it."""
        return f"celium user {self.user_id()}"

    # executors
    def list_executors(self, **filters: Any) -> list[Executor]:
        params = {k: v for k, v in filters.items() if v is not None}
        params.setdefault("size", 1000)
        return self.decode_list(Executor, self.request("GET", "/executors", params=params))

    def default_images(
        self, *, gpu_model: str | None = None, driver_version: str | None = None
    ) -> list[DockerImage]:
        params = {"gpu_model": gpu_model, "driver_version": driver_version}
        found = self.request(
            "GET",
            "/executors/default-docker-image",
            params={k: v for k, v in params.items() if v is not None},
        )
        return self.decode_list(DockerImage, found)

    # templates
    def list_templates(self) -> list[Template]:
        """The caller's templates and everyone's public ones."""
        return self.decode_list(Template, self.request("GET", "/templates"))

    def own_templates(self) -> list[Template]:
        """The caller's templates only. Without a ``user_id``, a public template is one of
        Celium's own (its catalog: ``user_id`` is null for public ones), never the
        caller's; a private one can only be the caller's, as no other key sees it."""
        me = self.user_id()
        return [
            t
            for t in self.list_templates()
            if t.user_id == me or (t.user_id is None and t.is_private is not False)
        ]

    def get_template(self, template_id: str) -> Template:
        return self.decode(Template, self.request("GET", f"/templates/{template_id}"))

    def create_template(self, body: dict[str, Any]) -> Template:
        return self.decode(Template, self.request("POST", "/templates", json=body))

    def replace_template(self, template_id: str, body: dict[str, Any]) -> Template:
        return self.decode(Template, self.request("PUT", f"/templates/{template_id}", json=body))

    def delete_template(self, template_id: str) -> None:
        self.request("DELETE", f"/templates/{template_id}")

    # pods
    def rent(self, executor_id: str, body: dict[str, Any]) -> Pod:
        return self.decode(Pod, self.request("POST", f"/executors/{executor_id}/rent", json=body))

    def list_pods(self) -> list[Pod]:
        return self.decode_list(Pod, self.request("GET", "/pods"))

    def get_pod(self, pod_id: str) -> Pod:
        return self.decode(Pod, self.request("GET", f"/pods/{pod_id}"))

    def rename_pod(self, pod_id: str, pod_name: str) -> Pod:
        body = {"pod_name": pod_name}
        return self.decode(
            Pod, self.request("PATCH", f"/pods/{pod_id}", json=body, idempotent=True)
        )

    def delete_pod(self, pod_id: str) -> None:
        self.request("DELETE", f"/pods/{pod_id}")

    def schedule_removal(self, pod_id: str, at: str) -> None:
        """``POST /pods/{id}/schedule-removal``: Celium removes the pod at ``at`` (ISO 8601,
        UTC) by itself; an absolute time, so sending it again is safe."""
        body = {"removal_scheduled_at": at}
        self.request("POST", f"/pods/{pod_id}/schedule-removal", json=body, idempotent=True)

    def cancel_removal(self, pod_id: str) -> None:
        """``DELETE /pods/{id}/schedule-removal``: the pod stays until deleted."""
        self.request("DELETE", f"/pods/{pod_id}/schedule-removal", idempotent=True)

    def pod_logs(self, pod_id: str, *, tail: int = 100) -> list[str]:
        """``GET /pods/{id}/logs``: the container's last ``tail`` lines."""
        params = {"tail": tail, "follow": "false"}
        body = self.request("GET", f"/pods/{pod_id}/logs", params=params, text=True)
        return str(body or "").splitlines()

    # SSH keys
    def list_ssh_keys(self) -> list[SshKey]:
        return self.decode_list(SshKey, self.request("GET", "/ssh-keys"))

    def create_ssh_key(self, name: str, public_key: str) -> SshKey:
        body = {"name": name, "public_key": public_key}
        return self.decode(SshKey, self.request("POST", "/ssh-keys", json=body))

    def update_ssh_key(self, key_id: str, name: str, public_key: str) -> SshKey:
        body = {"name": name, "public_key": public_key}
        return self.decode(SshKey, self.request("PUT", f"/ssh-keys/{key_id}", json=body))

    def delete_ssh_key(self, key_id: str) -> None:
        self.request("DELETE", f"/ssh-keys/{key_id}")

    # volumes
    def list_volumes(self) -> list[Volume]:
        return self.decode_list(Volume, self.request("GET", "/volumes"))

    def get_volume(self, volume_id: str) -> Volume:
        return self.decode(Volume, self.request("GET", f"/volumes/{volume_id}"))

    def create_volume(self, name: str, description: str) -> Volume:
        body = {"name": name, "description": description}
        return self.decode(Volume, self.request("POST", "/volumes", json=body))

    def update_volume(self, volume_id: str, name: str, description: str) -> Volume:
        body = {"name": name, "description": description}
        return self.decode(Volume, self.request("PUT", f"/volumes/{volume_id}", json=body))

    def delete_volume(self, volume_id: str) -> None:
        self.request("DELETE", f"/volumes/{volume_id}")


def celium_client() -> CeliumClient:
    """The process's client for the configured endpoint and key."""
    endpoint = ENDPOINT.value() or "https://lium.io/api"
    key = API_KEY.require("the Celium API key")
    digest = fingerprint(key)
    return shared_client(
        ("celium", endpoint, digest),
        lambda: CeliumClient(endpoint, key, identity=key_identity(digest)),
    )
