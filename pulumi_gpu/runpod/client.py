"""RunPod REST v2 client: one method per endpoint, no lifecycle logic.

Contract: ``https://api.runpod.io/v2`` (REST v1 retires 2026-11-15, GraphQL early
2027), ``Authorization: Bearer <key>`` (the key never goes into a URL), errors as
``application/problem+json`` (``{title, status, detail, errors?}``), ``RateLimit`` /
``RateLimit-Policy`` headers on every answer and ``Retry-After`` on 429, all handled
by the shared request choke point.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pulumi_gpu.core.config import Setting, fingerprint, key_identity, shared_client
from pulumi_gpu.core.http import ApiClient, HeaderAuth
from pulumi_gpu.runpod.models import (
    DataCenter,
    GpuType,
    LogSource,
    NetworkVolume,
    Pod,
    Registry,
    Template,
)

DEFAULT_ENDPOINT = "https://api.runpod.io/v2"
API_KEY = Setting("runpodApiKey", ("RUNPOD_API_KEY",), secret=True, description="RunPod API key.")
ENDPOINT = Setting(
    "runpodEndpoint", ("RUNPOD_API_URL",), DEFAULT_ENDPOINT, description="RunPod API endpoint."
)

POD_ACTIONS = ("start", "stop", "restart", "terminate")
LOG_TAIL_LIMIT = 5000
"""The most lines ``GET /pods/{id}/logs`` returns (its ``tail`` range is 0-5000)."""


class RunPodClient(ApiClient):
    cloud = "runpod"

    def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
        auth = HeaderAuth("Authorization", api_key, prefix="Bearer ")
        super().__init__(base_url, auth=auth, **kwargs)

    # pods
    def list_pods(self) -> list[Pod]:
        return self.decode_list(Pod, self.request("GET", "/pods"), "pods")

    def get_pod(self, pod_id: str) -> Pod:
        return self.decode(Pod, self.request("GET", f"/pods/{pod_id}"))

    def create_pod(self, body: dict[str, Any]) -> Pod:
        """``POST /pods``: never retried blindly (a lost answer may still have made a pod)."""
        return self.decode(Pod, self.request("POST", "/pods", json=body))

    def update_pod(self, pod_id: str, changes: dict[str, Any]) -> Pod:
        """``PATCH /pods/{id}`` with absolute values only, so retrying it is safe."""
        return self.decode(
            Pod, self.request("PATCH", f"/pods/{pod_id}", json=changes, idempotent=True)
        )

    def pod_action(self, pod_id: str, action: str) -> Pod | None:
        """``POST /pods/{id}/action``: the pod after start/stop/restart, None after terminate."""
        if action not in POD_ACTIONS:
            raise ValueError(f"unknown pod action {action!r}; allowed: {', '.join(POD_ACTIONS)}")
        body = self.request("POST", f"/pods/{pod_id}/action", json={"action": action})
        return self.decode(Pod, body) if body else None

    def delete_pod(self, pod_id: str) -> None:
        self.request("DELETE", f"/pods/{pod_id}")

    def pod_logs(
        self, pod_id: str, *, tail: int = 100, source: LogSource = "container"
    ) -> list[tuple[str, str]]:
        """``GET /pods/{id}/logs``: the last ``tail`` lines of one source, as (time, line)
        (server-sent events, one ``data: {"source", "line", "ts"}`` per line)."""
        params = {"tail": max(0, min(tail, LOG_TAIL_LIMIT)), "source": source}
        body = self.request("GET", f"/pods/{pod_id}/logs", params=params, text=True)
        lines = []
        for raw in str(body or "").splitlines():
            if not raw.startswith("data:"):
                continue
            try:
                event = json.loads(raw[len("data:") :])
            except ValueError:
                continue  # a keep-alive or a line cut short: not a log line
            if isinstance(event, dict) and isinstance(event.get("line"), str):
                lines.append((str(event.get("ts") or ""), event["line"]))
        return lines

    # templates
    def list_templates(self) -> list[Template]:
        return self.decode_list(Template, self.request("GET", "/templates"), "templates")

    def get_template(self, template_id: str) -> Template:
        return self.decode(Template, self.request("GET", f"/templates/{template_id}"))

    def create_template(self, body: dict[str, Any]) -> Template:
        return self.decode(Template, self.request("POST", "/templates", json=body))

    def update_template(self, template_id: str, changes: dict[str, Any]) -> Template:
        path = f"/templates/{template_id}"
        return self.decode(Template, self.request("PATCH", path, json=changes, idempotent=True))

    def delete_template(self, template_id: str) -> None:
        self.request("DELETE", f"/templates/{template_id}")

    # network volumes
    def list_network_volumes(self) -> list[NetworkVolume]:
        answer = self.request("GET", "/network-volumes")
        return self.decode_list(NetworkVolume, answer, "networkVolumes")

    def get_network_volume(self, volume_id: str) -> NetworkVolume:
        return self.decode(NetworkVolume, self.request("GET", f"/network-volumes/{volume_id}"))

    def create_network_volume(self, body: dict[str, Any]) -> NetworkVolume:
        return self.decode(NetworkVolume, self.request("POST", "/network-volumes", json=body))

    def update_network_volume(self, volume_id: str, changes: dict[str, Any]) -> NetworkVolume:
        path = f"/network-volumes/{volume_id}"
        return self.decode(
            NetworkVolume, self.request("PATCH", path, json=changes, idempotent=True)
        )

    def delete_network_volume(self, volume_id: str) -> None:
        self.request("DELETE", f"/network-volumes/{volume_id}")

    # catalog
    def list_gpu_types(
        self,
        *,
        availability: bool = False,
        count: int | None = None,
        cloud: str | None = None,
        country_codes: Sequence[str] | None = None,
        min_cuda_version: str | None = None,
    ) -> list[GpuType]:
        """The GPU catalog; with ``availability``, stock for pods (the filters need it)."""
        params: dict[str, Any] = {}
        if availability:
            params = {"include": "AVAILABILITY", "product": "POD"}
            if count is not None:
                params["count"] = count
            if cloud is not None:
                params["cloud"] = cloud
            if country_codes:
                params["countryCodes"] = ",".join(country_codes)
            if min_cuda_version is not None:
                params["minCudaVersion"] = min_cuda_version
        return self.decode_list(
            GpuType, self.request("GET", "/catalog/gpus", params=params), "gpus"
        )

    def list_data_centers(self, *, regions: Sequence[str] | None = None) -> list[DataCenter]:
        """The data centers, with the GPU stock of each."""
        params: dict[str, Any] = {"include": "GPU_AVAILABILITY"}
        if regions:
            params["regions"] = ",".join(regions)
        body = self.request("GET", "/catalog/datacenters", params=params)
        return self.decode_list(DataCenter, body, "dataCenters")

    # registries
    def list_registries(self) -> list[Registry]:
        return self.decode_list(Registry, self.request("GET", "/registries"), "registries")

    def get_registry(self, registry_id: str) -> Registry:
        return self.decode(Registry, self.request("GET", f"/registries/{registry_id}"))

    def create_registry(self, body: dict[str, Any]) -> Registry:
        return self.decode(Registry, self.request("POST", "/registries", json=body))

    def delete_registry(self, registry_id: str) -> None:
        self.request("DELETE", f"/registries/{registry_id}")

    # account
    def list_ssh_keys(self) -> list[str]:
        return [str(k) for k in self.request("GET", "/account/ssh-keys").get("keys") or []]

    def put_ssh_keys(self, keys: list[str]) -> None:
        """``PUT /account/ssh-keys``: the account's whole list (a full replacement, so
        sending it again is safe)."""
        self.request("PUT", "/account/ssh-keys", json={"keys": keys}, idempotent=True)


def runpod_client() -> RunPodClient:
    """The process's client for the configured endpoint and key."""
    endpoint = ENDPOINT.value() or DEFAULT_ENDPOINT
    key = API_KEY.require("the RunPod API key")
    digest = fingerprint(key)
    return shared_client(
        ("runpod", endpoint, digest),
        lambda: RunPodClient(endpoint, key, identity=key_identity(digest)),
    )
