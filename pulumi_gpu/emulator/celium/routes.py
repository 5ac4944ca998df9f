"""Celium's HTTP shape: the real paths, bodies and errors, over :class:`CeliumBackend`."""

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from pulumi_gpu.emulator.celium.executors import default_images
from pulumi_gpu.emulator.celium.model import GPU_MODELS
from pulumi_gpu.emulator.state import CloudError

if TYPE_CHECKING:
    from pulumi_gpu.emulator.celium.backend import CeliumBackend

Category = Literal["DOCKER", "PYTORCH", "NVIDIA", "TENSOR_FLOW", "OPEN_AI", "UBUNTU"]


class TemplateBody(BaseModel):
    """``TemplateCreate``; unknown keys are ignored, as the real API does."""

    name: str
    docker_image: str
    docker_image_tag: str = "latest"
    docker_image_digest: str = ""
    docker_image_size: int | None = None
    description: str = ""
    category: Category = "UBUNTU"
    volumes: list[str] = Field(default_factory=lambda: ["/workspace"])
    environment: dict[str, str] = Field(default_factory=dict)
    entrypoint: str = ""
    internal_ports: list[int] = Field(default_factory=lambda: [22, 8000])
    is_private: bool = True
    readme: str = ""
    startup_commands: str = ""
    container_start_immediately: bool = True
    docker_credential_id: str | None = None
    one_time_template: bool = False


class RentBody(BaseModel):
    pod_name: str
    template_id: str
    user_public_key: list[str] = Field(default_factory=list)
    volume_id: str | None = None
    initial_port_count: int | None = None


class RenameBody(BaseModel):
    pod_name: str | None = None


class RemovalBody(BaseModel):
    removal_scheduled_at: datetime


class SshKeyBody(BaseModel):
    name: str
    public_key: str


class SshKeyUpdate(BaseModel):
    name: str | None = None
    public_key: str | None = None


class VolumeBody(BaseModel):
    name: str
    description: str = ""


class VolumeUpdate(BaseModel):
    name: str | None = None
    description: str | None = None


def build_router(backend: "CeliumBackend") -> APIRouter:
    router = APIRouter()

    def api_key(x_api_key: Annotated[str | None, Header()] = None) -> str:
        if not x_api_key:
            raise CloudError(401, "API Key missing from headers")
        if x_api_key not in backend.balances:
            raise CloudError(401, "API key not found")
        return x_api_key

    Owner = Annotated[str, Depends(api_key)]

    @router.get("/executors")
    async def executors(
        owner: Owner,
        size: int | None = None,
        machine_names: str | None = None,
        gpu_count_gte: int | None = None,
        gpu_count_lte: int | None = None,
        price_per_hour_gte: float | None = None,
        price_per_hour_lte: float | None = None,
        uptime_minutes_gte: int | None = None,
        uptime_minutes_lte: int | None = None,
        lat: float | None = None,
        lon: float | None = None,
        max_distance_mile: float | None = None,
    ) -> list[dict[str, Any]]:
        filters = {k: v for k, v in locals().items() if k not in ("owner",) and v is not None}
        return backend.list_executors(filters)

    @router.get("/executors/default-docker-image")
    async def default_docker_image(
        owner: Owner, driver_version: str | None = None
    ) -> list[dict[str, str]]:
        return default_images(driver_version)  # the SDK's gpu_model changes nothing (guess)

    @router.get("/users/me")
    async def me(owner: Owner) -> dict[str, Any]:
        return backend.me(owner)

    @router.get("/machines")
    async def machines(owner: Owner) -> list[dict[str, Any]]:
        return [{"name": name} for name, *_ in GPU_MODELS]

    @router.get("/templates")
    async def list_templates(owner: Owner) -> list[dict[str, Any]]:
        return backend.list_templates(owner)

    @router.post("/templates")
    async def create_template(owner: Owner, body: TemplateBody) -> dict[str, Any]:
        return backend.create_template(owner, body.model_dump())

    @router.get("/templates/{template_id}")
    async def get_template(owner: Owner, template_id: str) -> dict[str, Any]:
        return backend.get_template(owner, template_id)

    @router.put("/templates/{template_id}")
    async def put_template(owner: Owner, template_id: str, body: TemplateBody) -> dict[str, Any]:
        return backend.replace_template(owner, template_id, body.model_dump())

    @router.delete("/templates/{template_id}")
    async def delete_template(owner: Owner, template_id: str) -> dict[str, Any]:
        return backend.delete_template(owner, template_id)

    @router.post("/executors/{executor_id}/rent")
    async def rent(owner: Owner, executor_id: str, body: RentBody) -> dict[str, Any]:
        return backend.rent(owner, executor_id, body.model_dump())

    @router.get("/pods")
    async def list_pods(owner: Owner) -> list[dict[str, Any]]:
        return backend.list_pods(owner)

    @router.get("/pods/{pod_id}")
    async def get_pod(owner: Owner, pod_id: str) -> dict[str, Any]:
        return backend.get_pod(owner, pod_id)

    @router.patch("/pods/{pod_id}")
    async def rename_pod(owner: Owner, pod_id: str, body: RenameBody) -> dict[str, Any]:
        if body.pod_name is None:  # unknown keys are ignored and change nothing
            return backend.get_pod(owner, pod_id)
        return backend.rename_pod(owner, pod_id, body.pod_name)

    @router.delete("/pods/{pod_id}")
    async def delete_pod(owner: Owner, pod_id: str) -> dict[str, Any]:
        return backend.delete_pod(owner, pod_id)

    @router.post("/pods/{pod_id}/schedule-removal")
    async def schedule_removal(owner: Owner, pod_id: str, body: RemovalBody) -> dict[str, Any]:
        at = body.removal_scheduled_at
        moment = at if at.tzinfo else at.replace(tzinfo=timezone.utc)  # guess: naive is UTC
        return backend.schedule_removal(owner, pod_id, moment.timestamp())

    @router.delete("/pods/{pod_id}/schedule-removal")
    async def cancel_removal(owner: Owner, pod_id: str) -> dict[str, Any]:
        return backend.schedule_removal(owner, pod_id, None)

    @router.get("/pods/{pod_id}/logs", response_class=PlainTextResponse)
    async def pod_logs(
        owner: Owner,
        pod_id: str,
        tail: Annotated[int | None, Query(ge=0)] = None,
        follow: bool = False,
    ) -> PlainTextResponse:
        return PlainTextResponse(backend.pod_logs(owner, pod_id, tail))

    @router.get("/volumes")
    async def list_volumes(owner: Owner) -> list[dict[str, Any]]:
        return backend.list_volumes(owner)

    @router.post("/volumes")
    async def create_volume(owner: Owner, body: VolumeBody) -> dict[str, Any]:
        return backend.create_volume(owner, body.name, body.description)

    @router.get("/volumes/{volume_id}")
    async def get_volume(owner: Owner, volume_id: str) -> dict[str, Any]:
        return backend.get_volume(owner, volume_id)

    @router.put("/volumes/{volume_id}")
    async def update_volume(owner: Owner, volume_id: str, body: VolumeUpdate) -> dict[str, Any]:
        return backend.update_volume(owner, volume_id, body.model_dump())

    @router.delete("/volumes/{volume_id}")
    async def delete_volume(owner: Owner, volume_id: str) -> dict[str, Any]:
        return backend.delete_volume(owner, volume_id)

    @router.get("/ssh-keys")
    async def list_ssh_keys(owner: Owner) -> list[dict[str, Any]]:
        return backend.list_ssh_keys(owner)

    @router.post("/ssh-keys")
    async def create_ssh_key(owner: Owner, body: SshKeyBody) -> dict[str, Any]:
        return backend.create_ssh_key(owner, body.name, body.public_key)

    @router.put("/ssh-keys/{key_id}")
    async def update_ssh_key(owner: Owner, key_id: str, body: SshKeyUpdate) -> dict[str, Any]:
        return backend.update_ssh_key(owner, key_id, body.model_dump())

    @router.delete("/ssh-keys/{key_id}")
    async def delete_ssh_key(owner: Owner, key_id: str) -> dict[str, Any]:
        return backend.delete_ssh_key(owner, key_id)

    return router


def build_admin_router(backend: "CeliumBackend") -> APIRouter:
    """Celium's own controls under ``/_emulator/celium`` (those of every cloud: ``app.py``)."""
    router = APIRouter(tags=["celium controls"])

    @router.post("/failing-images")
    async def failing_image(image: str) -> dict[str, list[str]]:
        with backend.lock:
            backend.failing_images.add(image)
        return {"failing_images": sorted(backend.failing_images)}

    return router
