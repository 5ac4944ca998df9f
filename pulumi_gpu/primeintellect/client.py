"""Prime Intellect compute API client: one method per endpoint, no lifecycle logic.

Contract: ``https://api.primeintellect.ai/api/v1``, ``Authorization: Bearer <key>``.
Collections are paginated two ways: pods, disks and history by ``offset``/``limit``
(``{total_count, data}``), availability by 1-indexed ``page``/``page_size``
(``{items, totalCount}``); the ``list_*`` and ``*_availability`` methods walk every
page. Collection paths carry the trailing slash the OpenAPI document declares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pulumi_gpu.core.config import Setting, fingerprint, key_identity, shared_client
from pulumi_gpu.core.http import ApiClient, HeaderAuth
from pulumi_gpu.primeintellect.models import (
    Disk,
    DiskOffer,
    GpuOffer,
    HistoryEntry,
    Pod,
    PodStatus,
    SshKey,
)

DEFAULT_ENDPOINT = "https://api.primeintellect.ai/api/v1"
API_KEY = Setting(
    "primeApiKey", ("PRIME_API_KEY",), secret=True, description="Prime Intellect API key."
)
ENDPOINT = Setting(
    "primeEndpoint",
    ("PRIME_API_URL",),
    DEFAULT_ENDPOINT,
    description="Prime Intellect API endpoint.",
)
TEAM_ID = Setting(
    "primeTeamId", ("PRIME_TEAM_ID",), description="Prime Intellect team the pods are billed to."
)
"""Create pods and disks for this team (the official CLI's ``PRIME_TEAM_ID``)."""

T = TypeVar("T")

PAGE_SIZE = 100
"""Largest page the API serves (availability ``page_size`` <= 100; offset ``limit``)."""


def api_base(endpoint: str) -> str:
    """The API root: ``https://host`` and ``https://host/api/v1`` both mean ``.../api/v1``."""
    base = endpoint.rstrip("/")
    return base if base.endswith("/api/v1") else f"{base}/api/v1"


def query(**values: Any) -> list[tuple[str, Any]]:
    """Query parameters without the unset ones; a list repeats its key (``pod_ids=a&pod_ids=b``)."""
    params: list[tuple[str, Any]] = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            params += [(key, item) for item in value]
        else:
            params.append((key, value))
    return params


class PrimeClient(ApiClient):
    cloud = "primeintellect"

    def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
        auth = HeaderAuth("Authorization", api_key, prefix="Bearer ")
        super().__init__(api_base(base_url), auth=auth, **kwargs)

    # availability
    def gpu_availability_page(
        self, page: int = 1, page_size: int = PAGE_SIZE, **filters: Any
    ) -> tuple[list[GpuOffer], int]:
        """One page of ``/availability/gpus``: (offers, total count)."""
        params = query(page=page, page_size=page_size, **filters)
        body = self.request("GET", "/availability/gpus", params=params)
        return self.decode_list(GpuOffer, body, "items"), int(body.get("totalCount") or 0)

    def gpu_availability(
        self,
        *,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
        socket: str | None = None,
        security: str | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        regions: Sequence[str] | None = None,
        disks: Sequence[str] | None = None,
    ) -> list[GpuOffer]:
        """Every offer matching the server-side filters, all pages."""
        filters = {
            "gpu_type": gpu_type,
            "gpu_count": gpu_count,
            "socket": socket,
            "security": security,
            "data_center_id": data_center_id,
            "cloud_id": cloud_id,
            "regions": list(regions) if regions else None,
            "disks": list(disks) if disks else None,
        }
        offers: list[GpuOffer] = []
        page = 1
        while True:
            items, total = self.gpu_availability_page(page, PAGE_SIZE, **filters)
            offers += items
            if not items or len(offers) >= total:
                return offers
            page += 1

    def disk_availability(
        self,
        *,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        regions: Sequence[str] | None = None,
    ) -> list[DiskOffer]:
        """Every location where disks can be created, all pages."""
        offers: list[DiskOffer] = []
        page = 1
        while True:
            params = query(
                page=page,
                page_size=PAGE_SIZE,
                data_center_id=data_center_id,
                cloud_id=cloud_id,
                regions=list(regions) if regions else None,
            )
            body = self.request("GET", "/availability/disks", params=params)
            items = self.decode_list(DiskOffer, body, "items")
            offers += items
            if not items or len(offers) >= int(body.get("totalCount") or 0):
                return offers
            page += 1

    # pods
    def list_pods_page(self, offset: int = 0, limit: int = PAGE_SIZE) -> tuple[list[Pod], int]:
        body = self.request("GET", "/pods/", params=query(offset=offset, limit=limit))
        return self.decode_list(Pod, body, "data"), int(body.get("total_count") or 0)

    def list_pods(self) -> list[Pod]:
        """Every pod of the key's account (terminated pods are not listed)."""
        return _all_pages(self.list_pods_page)

    def get_pod(self, pod_id: str) -> Pod:
        return self.decode(Pod, self.request("GET", f"/pods/{pod_id}"))

    def create_pod(self, body: dict[str, Any]) -> Pod:
        """``POST /pods/``; never retried blindly (a lost answer may have made a pod)."""
        return self.decode(Pod, self.request("POST", "/pods/", json=body))

    def delete_pod(self, pod_id: str) -> str:
        """Start deleting; returns the status the API reports (e.g. DELETING)."""
        body = self.request("DELETE", f"/pods/{pod_id}")
        return str((body or {}).get("status") or "")

    def pod_statuses(self, pod_ids: Sequence[str]) -> dict[str, PodStatus]:
        """``/pods/status`` for many pods in one request; unknown ids are absent."""
        body = self.request("GET", "/pods/status", params=query(pod_ids=list(pod_ids)))
        statuses = self.decode_list(PodStatus, body or {"data": []}, "data")
        return {s.pod_id: s for s in statuses}

    def pod_history(
        self,
        *,
        sort_by: str = "terminatedAt",
        sort_order: str = "desc",
        offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> tuple[list[HistoryEntry], int]:
        """One page of terminated pods: (entries, total count)."""
        params = query(sort_by=sort_by, sort_order=sort_order, offset=offset, limit=limit)
        body = self.request("GET", "/pods/history", params=params)
        entries = self.decode_list(HistoryEntry, body, "data")
        return entries, int(body.get("total_count") or 0)

    def pod_logs(self, pod_id: str, tail: int | None = None) -> list[str]:
        """The pod's latest log lines. The spec leaves the shape open: ``{"logs": "<text>"}``
        (how the official SDK reads the API's logs), or a list of lines, or bare text."""
        body = self.request("GET", f"/pods/{pod_id}/log", params=query(tail=tail))
        if isinstance(body, dict):
            body = body.get("logs") or body.get("data") or []
        if isinstance(body, str):
            return body.splitlines()
        return [str(line) for line in body or []]

    # SSH keys
    def list_ssh_keys_page(
        self, offset: int = 0, limit: int = PAGE_SIZE
    ) -> tuple[list[SshKey], int]:
        body = self.request("GET", "/ssh_keys/", params=query(offset=offset, limit=limit))
        return self.decode_list(SshKey, body, "data"), int(body.get("total_count") or 0)

    def list_ssh_keys(self) -> list[SshKey]:
        return _all_pages(self.list_ssh_keys_page)

    def create_ssh_key(self, name: str, public_key: str) -> SshKey:
        body = {"name": name, "publicKey": public_key}
        return self.decode(SshKey, self.request("POST", "/ssh_keys/", json=body))

    def delete_ssh_key(self, key_id: str) -> None:
        self.request("DELETE", f"/ssh_keys/{key_id}")

    # disks
    def list_disks_page(self, offset: int = 0, limit: int = PAGE_SIZE) -> tuple[list[Disk], int]:
        body = self.request("GET", "/disks/", params=query(offset=offset, limit=limit))
        return self.decode_list(Disk, body, "data"), int(body.get("total_count") or 0)

    def list_disks(self) -> list[Disk]:
        return _all_pages(self.list_disks_page)

    def get_disk(self, disk_id: str) -> Disk:
        return self.decode(Disk, self.request("GET", f"/disks/{disk_id}"))

    def create_disk(self, body: dict[str, Any]) -> Disk:
        return self.decode(Disk, self.request("POST", "/disks/", json=body))

    def rename_disk(self, disk_id: str, name: str) -> None:
        """``PATCH /disks/{id}`` (the answer's shape is unspecified; read the disk after)."""
        self.request("PATCH", f"/disks/{disk_id}", json={"name": name}, idempotent=True)

    def delete_disk(self, disk_id: str) -> None:
        self.request("DELETE", f"/disks/{disk_id}")


def _all_pages(fetch: Callable[[int, int], tuple[list[T], int]]) -> list[T]:
    """Every item of an offset/limit collection, page by page."""
    found: list[T] = []
    while True:
        items, total = fetch(len(found), PAGE_SIZE)
        found += items
        if not items or len(found) >= total:
            return found


def prime_client() -> PrimeClient:
    """The process's client for the configured endpoint and key."""
    endpoint = api_base(ENDPOINT.value() or DEFAULT_ENDPOINT)
    key = API_KEY.require("the Prime Intellect API key")
    digest = fingerprint(key)
    return shared_client(
        ("primeintellect", endpoint, digest),
        lambda: PrimeClient(endpoint, key, identity=key_identity(digest)),
    )


def team() -> dict[str, str] | None:
    """The ``team`` member of create bodies when ``primeTeamId`` is configured."""
    team_id = TEAM_ID.value()
    return {"teamId": team_id} if team_id else None
