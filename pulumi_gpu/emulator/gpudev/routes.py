"""The GPU Dev API's HTTP shape: the real paths, bodies and errors, over :class:`GpuDevBackend`."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from pydantic import BaseModel, Field

from pulumi_gpu.emulator.gpudev.model import GPU_TYPES, ApiUser
from pulumi_gpu.emulator.state import CloudError

if TYPE_CHECKING:
    from pulumi_gpu.emulator.gpudev.backend import GpuDevBackend


class AWSLoginRequest(BaseModel):
    aws_access_key_id: str = Field(min_length=16, max_length=128)
    aws_secret_access_key: str = Field(min_length=40, max_length=128)
    aws_session_token: str | None = Field(None, min_length=100, max_length=2048)


class OIDCLoginRequest(BaseModel):
    id_token: str


class JobSubmissionRequest(BaseModel):
    image: str | None = None
    instance_type: str
    duration_hours: int = Field(1, ge=1, le=72)
    disk_name: str | None = None
    disk_size_gb: int | None = Field(None, ge=10, le=10000)
    env_vars: dict[str, str] = Field(default_factory=dict)
    command: str | None = None


class ExtendRequest(BaseModel):
    extension_hours: int = Field(ge=1, le=72)


class AddUserRequest(BaseModel):
    github_username: str


class DiskCreateRequest(BaseModel):
    disk_name: str
    size_gb: int | None = None


class DiskRenameRequest(BaseModel):
    new_name: str


class SettingsBody(BaseModel):
    key_ttl_seconds: float | None = Field(None, gt=0)
    action_500_quirk: bool | None = None
    strict_job_detail: bool | None = None
    extend_version_gate_bug: bool | None = None


class CapacityBody(BaseModel):
    total_gpus: int = Field(ge=0)


def build_router(backend: "GpuDevBackend") -> APIRouter:
    router = APIRouter()

    def caller(authorization: Annotated[str | None, Header()] = None) -> ApiUser:
        """FastAPI ``HTTPBearer`` (0.109: 403 "Not authenticated"), then ``verify_api_key``."""
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise CloudError(403, "Not authenticated")
        return backend.verify_key(key.strip())

    User = Annotated[ApiUser, Depends(caller)]

    @router.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "healthy",
            "database": "healthy",
            "queue": "healthy",
            "timestamp": backend.clock.iso(),
        }

    @router.get("/")
    async def info() -> dict[str, Any]:
        return {
            "service": "GPU Dev API",
            "version": "1.0.0",
            "docs": "/docs",
            "health": "/health",
            "auth": {
                "aws_login": "/v1/auth/aws-login",
                "description": "Use AWS credentials to obtain an API key",
            },
            "endpoints": {
                "jobs": "/v1/jobs",
                "disks": "/v1/disks",
                "disk_operations": "/v1/disks/{disk_name}/operations/{operation_id}",
                "disk_content": "/v1/disks/{disk_name}/content",
                "disk_rename": "/v1/disks/{disk_name}/rename",
                "gpu_availability": "/v1/gpu/availability",
                "cluster_status": "/v1/cluster/status",
            },
        }

    @router.post("/v1/auth/aws-login")
    async def aws_login(body: AWSLoginRequest) -> dict[str, Any]:
        return backend.aws_login(
            body.aws_access_key_id, body.aws_secret_access_key, body.aws_session_token
        )

    @router.post("/v1/auth/oidc-login")
    async def oidc_login(body: OIDCLoginRequest) -> dict[str, Any]:
        raise CloudError(404, "OIDC authentication is not enabled")  # AUTH_METHOD=aws

    @router.post("/v1/keys/rotate")
    async def rotate(user: User) -> dict[str, Any]:
        return backend.rotate_key(user)

    @router.post("/v1/jobs/submit")
    async def submit(user: User, body: JobSubmissionRequest) -> dict[str, Any]:
        return backend.submit(user, body.model_dump())

    @router.get("/v1/jobs")
    async def list_jobs(
        user: User,
        status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        statuses = [s.strip() for s in status.split(",") if s.strip()] if status else None
        return backend.list_jobs(user, statuses, limit, offset)

    @router.get("/v1/jobs/{job_id}")
    async def get_job(user: User, job_id: str) -> dict[str, Any]:
        return backend.get_job(user, job_id)

    @router.post("/v1/jobs/{job_id}/cancel")
    async def cancel(user: User, job_id: str) -> dict[str, Any]:
        return backend.job_action(user, job_id, "cancel")

    @router.post("/v1/jobs/{job_id}/extend")
    async def extend(user: User, job_id: str, body: ExtendRequest) -> dict[str, Any]:
        return backend.job_action(user, job_id, "extend", {"extension_hours": body.extension_hours})

    @router.post("/v1/jobs/{job_id}/jupyter/enable")
    async def enable_jupyter(user: User, job_id: str) -> dict[str, Any]:
        return backend.job_action(user, job_id, "enable_jupyter")

    @router.post("/v1/jobs/{job_id}/jupyter/disable")
    async def disable_jupyter(user: User, job_id: str) -> dict[str, Any]:
        return backend.job_action(user, job_id, "disable_jupyter")

    @router.post("/v1/jobs/{job_id}/users")
    async def add_user(user: User, job_id: str, body: AddUserRequest) -> dict[str, Any]:
        return backend.job_action(
            user, job_id, "add_user", {"github_username": body.github_username}
        )

    @router.get("/v1/gpu/availability")
    async def availability(user: User) -> dict[str, Any]:
        return backend.availability()

    @router.get("/v1/cluster/status")
    async def cluster_status(user: User) -> dict[str, Any]:
        return backend.cluster_status()

    @router.post("/v1/disks")
    async def create_disk(user: User, body: DiskCreateRequest) -> dict[str, Any]:
        return backend.create_disk(user, body.disk_name, body.size_gb)

    @router.get("/v1/disks")
    async def list_disks(user: User) -> dict[str, Any]:
        return backend.list_disks(user)

    @router.get("/v1/disks/{disk_name}")
    async def get_disk(user: User, disk_name: str) -> dict[str, Any]:
        return backend.get_disk(user, disk_name)

    @router.delete("/v1/disks/{disk_name}")
    async def delete_disk(user: User, disk_name: str) -> dict[str, Any]:
        return backend.delete_disk(user, disk_name)

    @router.get("/v1/disks/{disk_name}/operations/{operation_id}")
    async def disk_operation(user: User, disk_name: str, operation_id: str) -> dict[str, Any]:
        return backend.disk_operation(user, disk_name, operation_id)

    @router.get("/v1/disks/{disk_name}/content")
    async def disk_content(user: User, disk_name: str) -> dict[str, Any]:
        return backend.disk_content(user, disk_name)

    @router.post("/v1/disks/{disk_name}/rename")
    async def rename_disk(user: User, disk_name: str, body: DiskRenameRequest) -> dict[str, Any]:
        return backend.rename_disk(user, disk_name, body.new_name)

    return router


def build_admin_router(backend: "GpuDevBackend") -> APIRouter:
    """GPU Dev's own controls under ``/_emulator/gpudev`` (those of every cloud: ``app.py``)."""
    router = APIRouter(tags=["gpudev controls"])

    @router.patch("/settings")
    async def settings(body: SettingsBody) -> dict[str, Any]:
        with backend.lock:
            for key, value in body.model_dump(exclude_none=True).items():
                setattr(backend.settings, key, value)
            return vars(backend.settings)

    @router.post("/keys/expire")
    async def expire_keys() -> dict[str, int]:
        return {"expired": backend.expire_keys()}

    @router.put("/capacity/{gpu_type}")
    async def capacity(gpu_type: str, body: CapacityBody) -> dict[str, int]:
        backend.set_capacity(gpu_type, body.total_gpus)
        return {gpu_type: body.total_gpus}

    @router.put("/users/{username}/active")
    async def user_active(username: str, active: bool) -> dict[str, bool]:
        backend.set_user_active(username, active)
        return {username: active}

    @router.get("/gpu-types")
    async def gpu_types() -> dict[str, Any]:
        return {name: vars(t) for name, t in GPU_TYPES.items()}

    return router
