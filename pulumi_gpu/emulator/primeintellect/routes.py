"""Prime Intellect's HTTP shape over :class:`PrimeIntellectBackend`: the real paths
(under ``/api/v1``, each served with and without its trailing slash), bodies, Bearer
auth, and errors as ``{"detail": ...}`` (the official CLI's reading; 422 also carries
the spec's ``{"errors": [...]}``)."""

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulumi_gpu.emulator.primeintellect.enums import (
    GpuType,
    Image,
    ProviderType,
    Region,
    Security,
    Socket,
)
from pulumi_gpu.emulator.primeintellect.model import PodFailure
from pulumi_gpu.emulator.state import CloudError

if TYPE_CHECKING:
    from pulumi_gpu.emulator.primeintellect.backend import PrimeIntellectBackend

API = "/api/v1"
_POD_NAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9-]+$")


class ProviderConfig(BaseModel):
    type: ProviderType


class TeamConfig(BaseModel):
    teamId: str


class EnvVar(BaseModel):
    key: str
    value: str


class PodRequestConfig(BaseModel):
    """``PodRequestConfig`` (``additionalProperties: false`` in the spec)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    cloudId: str
    gpuType: GpuType
    socket: Socket | None = None  # guess: required in the spec; omitted matches any
    gpuCount: int = Field(gt=0)
    diskSize: int | None = Field(None, gt=0)
    vcpus: int | None = Field(None, gt=0)
    memory: int | None = Field(None, gt=0)
    maxPrice: float | None = None
    image: Image = "ubuntu_22_cuda_12"
    customTemplateId: str | None = None
    dataCenterId: str | None = None
    country: str | None = None
    security: Security | None = None
    envVars: list[EnvVar] | None = None
    jupyterPassword: str | None = None
    sshKeyId: str | None = None
    autoRestart: bool | None = False
    prepaidForHr: float | None = Field(None, gt=0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        # guess: the rule the official CLI prompts with, enforced by the API too
        if value is not None and not _POD_NAME.match(value):
            raise ValueError("alphanumeric and dashes only, must contain at least 1 letter")
        return value


class CreatePodBody(BaseModel):
    """``Body_create_pod_api_v1_pods__post``; unknown top-level keys are ignored."""

    pod: PodRequestConfig
    provider: ProviderConfig
    disks: list[str] | None = None
    team: TeamConfig | None = None
    team_member_ids: list[str] | None = None
    shared_with_team: bool = False


class DiskCreateRequest(BaseModel):
    """``APIDiskCreateRequest`` (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(gt=0)
    name: str | None = Field(None, max_length=255)
    country: str | None = None
    cloudId: str | None = None
    dataCenterId: str | None = None


class CreateDiskBody(BaseModel):
    disk: DiskCreateRequest
    provider: ProviderConfig
    team: TeamConfig | None = None


class DiskUpdate(BaseModel):
    name: str = Field(min_length=1, max_length=255)


class SshKeyUpload(BaseModel):
    """``APISSHKeyUploadRequestConfig``."""

    name: str
    publicKey: str


class SshKeyUpdate(BaseModel):
    """``APISSHKeyUpdateRequestConfig``: ``isPrimary`` "must be true when provided"."""

    isPrimary: bool | None = None

    @field_validator("isPrimary")
    @classmethod
    def _only_true(cls, value: bool | None) -> bool | None:
        if value is False:
            raise ValueError("isPrimary must be true when provided")
        return value


class FailureBody(BaseModel):
    reason: str = "image installation failed: exit status 1"
    stage: Literal["installation", "provisioning"] = "installation"


class CapacityBody(BaseModel):
    capacity: int = Field(ge=0)
    gpu_type: str | None = None
    gpu_count: int | None = None
    socket: str | None = None
    provider: str | None = None
    data_center_id: str | None = None
    cloud_id: str | None = None


class BalanceBody(BaseModel):
    api_key: str
    balance: float


Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=100)]
LegacyPageSize = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=0)]


def build_router(backend: "PrimeIntellectBackend") -> APIRouter:
    router = APIRouter()

    def route(method: str, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Serve ``path`` with and without its trailing slash (the CLI omits it)."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            full = API + path
            other = full[:-1] if full.endswith("/") else full + "/"
            for form in (full, other):
                router.add_api_route(form, handler, methods=[method])
            return handler

        return register

    def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise CloudError(401, "Not authenticated")
        if key.strip() not in backend.balances:
            raise CloudError(401, "Invalid API key")  # guess: the real wording is unknown
        return key.strip()

    Owner = Annotated[str, Depends(bearer)]
    Regions = Annotated[list[Region] | None, Query()]

    def offer_filters(
        regions: Regions = None,
        gpu_count: int | None = None,
        gpu_type: GpuType | None = None,
        socket: Socket | None = None,
        security: Security | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        disks: Annotated[list[str] | None, Query()] = None,
    ) -> dict[str, Any]:
        """The filters of every GPU availability listing."""
        return {
            "regions": regions,
            "gpu_count": gpu_count,
            "gpu_type": gpu_type,
            "socket": socket,
            "security": security,
            "data_center_id": data_center_id,
            "cloud_id": cloud_id,
            "disks": disks,
        }

    Filters = Annotated[dict[str, Any], Depends(offer_filters)]

    # -- availability -------------------------------------------------------------------

    @route("GET", "/availability/gpus")
    async def gpu_availability(
        owner: Owner, filters: Filters, page: Page = 1, page_size: PageSize = 100
    ) -> dict[str, Any]:
        return backend.gpu_availability(owner, filters, page, page_size)

    @route("GET", "/availability/multi-node")
    async def multinode_availability(
        owner: Owner, filters: Filters, page: Page = 1, page_size: PageSize = 100
    ) -> dict[str, Any]:
        return backend.gpu_availability(owner, filters, page, page_size, clusters=True)

    @route("GET", "/availability/")
    async def legacy_availability(
        owner: Owner, filters: Filters, page: Page = 1, page_size: LegacyPageSize = 500
    ) -> dict[str, Any]:
        return backend.legacy_availability(owner, filters, page, page_size)

    @route("GET", "/availability/clusters")
    async def legacy_clusters(
        owner: Owner, filters: Filters, page: Page = 1, page_size: LegacyPageSize = 500
    ) -> dict[str, Any]:
        return backend.legacy_availability(owner, filters, page, page_size, clusters=True)

    @route("GET", "/availability/gpu-summary")
    async def gpu_summary(owner: Owner) -> dict[str, Any]:
        return backend.price_summary(owner)

    @route("GET", "/availability/multi-node-summary")
    async def multinode_summary(owner: Owner) -> dict[str, Any]:
        return backend.price_summary(owner, clusters=True)

    @route("GET", "/availability/disks")
    async def disk_availability(
        owner: Owner,
        page: Page = 1,
        page_size: PageSize = 100,
        regions: Regions = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
    ) -> dict[str, Any]:
        filters = {"regions": regions, "data_center_id": data_center_id, "cloud_id": cloud_id}
        return backend.disk_availability(filters, page, page_size)

    # -- pods (fixed paths before /pods/{pod_id}) -----------------------------------------

    @route("GET", "/pods/")
    async def list_pods(owner: Owner, offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
        return backend.list_pods(owner, offset, limit)

    @route("POST", "/pods/")
    async def create_pod(owner: Owner, body: CreatePodBody) -> dict[str, Any]:
        return backend.create_pod(owner, body.model_dump(mode="json"))

    @route("GET", "/pods/status")
    async def pod_statuses(
        owner: Owner,
        pod_ids: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies
    ) -> dict[str, Any]:
        return backend.pod_statuses(owner, pod_ids)

    @route("GET", "/pods/history")
    async def pod_history(
        owner: Owner,
        sort_by: Literal["terminatedAt", "createdAt"] = "terminatedAt",
        sort_order: Literal["asc", "desc"] = "desc",
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        return backend.pod_history(owner, sort_by, sort_order, offset, limit)

    @route("GET", "/pods/{pod_id}")
    async def get_pod(owner: Owner, pod_id: str) -> dict[str, Any]:
        return backend.get_pod(owner, pod_id)

    @route("DELETE", "/pods/{pod_id}")
    async def delete_pod(owner: Owner, pod_id: str) -> dict[str, Any]:
        return backend.delete_pod(owner, pod_id)

    @route("GET", "/pods/{pod_id}/log")
    async def pod_logs(owner: Owner, pod_id: str, tail: int | None = None) -> dict[str, str]:
        return backend.pod_logs(owner, pod_id, tail)

    # -- disks ----------------------------------------------------------------------------

    @route("GET", "/disks/")
    async def list_disks(owner: Owner, offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
        return backend.list_disks(owner, offset, limit)

    @route("POST", "/disks/")
    async def create_disk(owner: Owner, body: CreateDiskBody) -> dict[str, Any]:
        return backend.create_disk(owner, body.model_dump(mode="json"))

    @route("GET", "/disks/{disk_id}")
    async def get_disk(owner: Owner, disk_id: str) -> dict[str, Any]:
        return backend.get_disk(owner, disk_id)

    @route("PATCH", "/disks/{disk_id}")
    async def rename_disk(owner: Owner, disk_id: str, body: DiskUpdate) -> dict[str, Any]:
        return backend.rename_disk(owner, disk_id, body.name)

    @route("DELETE", "/disks/{disk_id}")
    async def delete_disk(owner: Owner, disk_id: str) -> dict[str, Any]:
        return backend.delete_disk(owner, disk_id)

    # -- SSH keys -------------------------------------------------------------------------

    @route("GET", "/ssh_keys/")
    async def list_ssh_keys(owner: Owner, offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
        return backend.list_ssh_keys(owner, offset, limit)

    @route("POST", "/ssh_keys/")
    async def upload_ssh_key(owner: Owner, body: SshKeyUpload) -> dict[str, Any]:
        return backend.upload_ssh_key(owner, body.name, body.publicKey)

    @route("DELETE", "/ssh_keys/{key_id}")
    async def delete_ssh_key(owner: Owner, key_id: str) -> dict[str, Any]:
        return backend.delete_ssh_key(owner, key_id)

    @route("PATCH", "/ssh_keys/{key_id}")
    async def set_primary_key(owner: Owner, key_id: str, body: SshKeyUpdate) -> dict[str, Any]:
        return backend.set_primary_key(owner, key_id, body.isPrimary)

    return router


def build_admin_router(backend: "PrimeIntellectBackend") -> APIRouter:
    """Prime Intellect's own controls under ``/_emulator/primeintellect`` (those of every
    cloud: ``app.py``; this ``fail-next-pods`` also takes the failure's ``stage``), and
    ``GET /pods/{id}/ssh-keys``: the keys a pod was created with."""
    router = APIRouter(tags=["primeintellect controls"])

    @router.post("/fail-next-pods")
    async def fail_next(
        body: FailureBody, count: Annotated[int, Query(ge=1)] = 1
    ) -> dict[str, int]:
        with backend.lock:
            backend.fail_next_pods.extend(PodFailure(body.reason, body.stage) for _ in range(count))
            return {"pending_failures": len(backend.fail_next_pods)}

    @router.put("/capacity")
    async def capacity(body: CapacityBody) -> dict[str, list[str]]:
        match = body.model_dump(exclude={"capacity"})
        return {"offers": backend.set_capacity(body.capacity, **match)}

    @router.get("/pods/{pod_id}/ssh-keys")
    async def pod_keys(pod_id: str) -> dict[str, Any]:
        """The SSH keys a pod was created with (the API does not show them)."""
        return backend.pod_keys(pod_id)

    @router.put("/balance")
    async def balance(body: BalanceBody) -> dict[str, float]:
        with backend.lock:
            backend.balances[body.api_key] = body.balance
        return {"balance": body.balance}

    return router
