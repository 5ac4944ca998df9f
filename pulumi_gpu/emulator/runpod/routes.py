"""RunPod's HTTP shape: the real v2 paths, bodies, status codes, problem+json errors and
rate-limit headers, over :class:`RunPodBackend`.

Every route goes through :class:`RunPodRoute`, which does what RunPod's gateway does
before and after a handler: Bearer authentication (401, without rate-limit headers),
the rate limit (429 with ``Retry-After``), the key's scope for the area (403), then
``RateLimit`` / ``RateLimit-Policy`` on every authenticated answer, errors included.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from pulumi_gpu.emulator.runpod.access import authenticate
from pulumi_gpu.emulator.runpod.catalog_routes import CloudName, add_catalog_routes
from pulumi_gpu.emulator.runpod.container import SSE_HEADERS
from pulumi_gpu.emulator.state import CloudError

if TYPE_CHECKING:
    from pulumi_gpu.emulator.runpod.backend import RunPodBackend

Cuda = Annotated[str, Field(pattern=r"^\d+\.\d+$")]
Category = Literal["NVIDIA", "AMD", "CPU"]
SshKey = Annotated[str, Field(pattern=r"^(ssh|ecdsa|sk)-[^\s]+ [^\s]+([ \t][^\n\r]*)?$")]

AREAS = {
    "pods": "pods",
    "templates": "templates",
    "network-volumes": "volumes",
    "registries": "registries",
    "catalog": "catalog",
    "account": "account",
}


class _Body(BaseModel):
    """Request bodies reject unknown keys (``unevaluatedProperties: false``) and coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


class _Container(_Body):
    image: str | None = None
    args: str | None = None
    disk: int | None = Field(None, ge=1)
    ports: list[str] | None = None
    env: dict[str, str] | None = None
    registry: str | None = None


class GpuBody(_Body):
    id: str
    count: int = Field(1, ge=1)
    allowedCudaVersions: list[Cuda] | None = None
    minCudaVersion: Cuda | None = None


class CpuBody(_Body):
    id: str = Field(min_length=1)
    vcpuCount: int = Field(ge=2)


class PersistentBody(_Body):
    size: int = Field(ge=10)
    path: str


class NetworkBody(_Body):
    volumeId: str
    path: str


class MountsBody(_Body):
    persistent: PersistentBody | None = None
    network: list[NetworkBody] | None = Field(None, max_length=1)


class TemplateMountsBody(_Body):
    persistent: PersistentBody | None = None


class CreatePodBody(_Container):
    name: str = Field(min_length=1)
    cloud: CloudName = "SECURE"
    cpu: CpuBody | None = None
    dataCenterIds: list[str] | None = None
    globalNetworking: bool = False
    gpu: GpuBody | None = None
    mounts: MountsBody | None = None
    startJupyter: bool = False
    startSsh: bool = False
    templateId: str | None = Field(None, min_length=1)


class UpdatePodBody(_Container):
    globalNetworking: bool | None = None
    locked: bool | None = None
    mounts: MountsBody | None = None
    name: str | None = Field(None, min_length=1)
    templateId: str | None = None


class ActionBody(_Body):
    action: Literal["start", "stop", "restart", "terminate"]


class CreateTemplateBody(_Container):
    name: str = Field(min_length=1)
    image: str
    allowedCudaVersions: list[Cuda] | None = None
    category: Category = "NVIDIA"
    mounts: TemplateMountsBody | None = None
    public: bool = False
    serverless: bool = False
    startJupyter: bool = True
    startSsh: bool = True


class UpdateTemplateBody(_Container):
    allowedCudaVersions: list[Cuda] | None = None
    category: Category | None = None
    mounts: TemplateMountsBody | None = None
    name: str | None = Field(None, min_length=1)
    public: bool | None = None
    serverless: bool | None = None
    startJupyter: bool | None = None
    startSsh: bool | None = None


class CreateVolumeBody(_Body):
    dataCenter: str = Field(min_length=1)
    name: str = Field(min_length=1)
    size: int = Field(ge=10, le=4096)
    type: Literal["STANDARD", "HIGH_PERFORMANCE"] | None = None


class UpdateVolumeBody(_Body):
    name: str | None = Field(None, min_length=1)
    size: int | None = Field(None, ge=10, le=4096)


class SshKeysBody(_Body):
    keys: list[SshKey]


class CreateRegistryBody(_Body):
    name: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: str = Field(min_length=1)


def _given(body: BaseModel) -> dict[str, Any]:
    """The fields the request really sent (PATCH semantics), nested models as dicts."""
    return body.model_dump(exclude_unset=True)


def route_class(backend: RunPodBackend) -> type[APIRoute]:
    """An APIRoute that authenticates, rate-limits, checks scopes and renders errors."""

    class RunPodRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def serve(request: Request) -> Response:
                return await _serve(backend, request, handler)

            return serve

    return RunPodRoute


async def _serve(
    backend: RunPodBackend,
    request: Request,
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
) -> Response:
    try:
        key, account = authenticate(request.headers.get("authorization"))
    except CloudError as error:
        return backend.render_error(error)
    decision = backend.rate.take(key)
    if not decision.allowed:
        limited = CloudError(
            429,
            f"rate limit exceeded for the {decision.window} window",
            headers={**decision.headers, "Retry-After": str(decision.retry_after)},
        )
        return backend.render_error(limited)
    segments = request.url.path.split("/")
    area = AREAS.get(segments[3] if len(segments) > 3 else "", "")
    write = request.method not in ("GET", "HEAD", "OPTIONS")
    try:
        if not account.allows(area, write):
            raise CloudError(403, "access denied")
        request.state.runpod_owner = account.owner
        response = await handler(request)
    except CloudError as error:
        response = backend.render_error(error)
    except RequestValidationError as invalid:
        response = backend.render_validation_error(jsonable_encoder(invalid.errors()))
    response.headers.update(decision.headers)
    return response


def _owner(request: Request) -> str:
    return str(request.state.runpod_owner)


def build_router(backend: RunPodBackend) -> APIRouter:
    router = APIRouter(route_class=route_class(backend))

    # pods
    @router.get("/v2/pods")
    async def list_pods(request: Request, includeClusterPods: bool = False) -> dict[str, Any]:
        return {"pods": backend.list_pods(_owner(request))}

    @router.post("/v2/pods", status_code=201)
    async def create_pod(request: Request, body: CreatePodBody) -> dict[str, Any]:
        return backend.create_pod(_owner(request), _given(body))

    @router.get("/v2/pods/{pod_id}")
    async def get_pod(request: Request, pod_id: str) -> dict[str, Any]:
        return backend.get_pod(_owner(request), pod_id)

    @router.patch("/v2/pods/{pod_id}")
    async def update_pod(request: Request, pod_id: str, body: UpdatePodBody) -> dict[str, Any]:
        return backend.update_pod(_owner(request), pod_id, _given(body))

    @router.delete("/v2/pods/{pod_id}", status_code=204)
    async def delete_pod(request: Request, pod_id: str) -> Response:
        backend.delete_pod(_owner(request), pod_id)
        return Response(status_code=204)

    @router.post("/v2/pods/{pod_id}/action")
    async def pod_action(request: Request, pod_id: str, body: ActionBody) -> Response:
        pod = backend.pod_action(_owner(request), pod_id, body.action)
        return Response(status_code=204) if pod is None else JSONResponse(pod)

    @router.get("/v2/pods/{pod_id}/logs")
    async def pod_logs(
        request: Request,
        pod_id: str,
        source: str | None = None,
        tail: str | None = None,
        since: str | None = None,
    ) -> Response:
        log = backend.pod_log(
            _owner(request),
            pod_id,
            source=source,
            tail=tail,
            since=since,
            last_event_id=request.headers.get("last-event-id"),
        )
        return Response(log, media_type="text/event-stream", headers=SSE_HEADERS)

    # templates
    @router.get("/v2/templates")
    async def list_templates(request: Request) -> dict[str, Any]:
        return {"templates": backend.list_templates(_owner(request))}

    @router.post("/v2/templates", status_code=201)
    async def create_template(request: Request, body: CreateTemplateBody) -> dict[str, Any]:
        fields = body.model_dump()
        fields["allowedCudaVersions"] = fields["allowedCudaVersions"] or []
        fields["mounts"] = fields["mounts"] or {}
        given = {k: v for k, v in fields.items() if v is not None or k == "registry"}
        return backend.create_template(_owner(request), given)

    @router.get("/v2/templates/{template_id}")
    async def get_template(request: Request, template_id: str) -> dict[str, Any]:
        return backend.get_template(_owner(request), template_id)

    @router.patch("/v2/templates/{template_id}")
    async def update_template(
        request: Request, template_id: str, body: UpdateTemplateBody
    ) -> dict[str, Any]:
        changes = {
            k: v for k, v in _given(body).items() if v is not None or k in ("registry", "mounts")
        }
        if changes.get("mounts") is None:
            changes.pop("mounts", None)
        return backend.update_template(_owner(request), template_id, changes)

    @router.delete("/v2/templates/{template_id}", status_code=204)
    async def delete_template(request: Request, template_id: str) -> Response:
        backend.delete_template(_owner(request), template_id)
        return Response(status_code=204)

    # network volumes
    @router.get("/v2/network-volumes")
    async def list_volumes(request: Request) -> dict[str, Any]:
        return {"networkVolumes": backend.list_volumes(_owner(request))}

    @router.post("/v2/network-volumes", status_code=201)
    async def create_volume(request: Request, body: CreateVolumeBody) -> dict[str, Any]:
        return backend.create_volume(_owner(request), _given(body))

    @router.get("/v2/network-volumes/{volume_id}")
    async def get_volume(request: Request, volume_id: str) -> dict[str, Any]:
        return backend.get_volume(_owner(request), volume_id)

    @router.patch("/v2/network-volumes/{volume_id}")
    async def update_volume(
        request: Request, volume_id: str, body: UpdateVolumeBody
    ) -> dict[str, Any]:
        changes = {k: v for k, v in _given(body).items() if v is not None}
        if not changes:
            raise CloudError(
                422,
                "Request validation failed.",
                errors=["$: minimum 1 properties required"],
            )
        return backend.update_volume(_owner(request), volume_id, changes)

    @router.delete("/v2/network-volumes/{volume_id}", status_code=204)
    async def delete_volume(request: Request, volume_id: str) -> Response:
        backend.delete_volume(_owner(request), volume_id)
        return Response(status_code=204)

    # registry credentials
    @router.get("/v2/registries")
    async def list_registries(request: Request) -> dict[str, Any]:
        return {"registries": backend.list_registries(_owner(request))}

    @router.post("/v2/registries", status_code=201)
    async def create_registry(request: Request, body: CreateRegistryBody) -> dict[str, Any]:
        return backend.create_registry(_owner(request), body.model_dump())

    @router.get("/v2/registries/{registry_id}")
    async def get_registry(request: Request, registry_id: str) -> dict[str, Any]:
        return backend.get_registry(_owner(request), registry_id)

    @router.delete("/v2/registries/{registry_id}", status_code=204)
    async def delete_registry(request: Request, registry_id: str) -> Response:
        backend.delete_registry(_owner(request), registry_id)
        return Response(status_code=204)

    add_catalog_routes(router, backend)

    # account
    @router.get("/v2/account/ssh-keys")
    async def get_ssh_keys(request: Request) -> dict[str, Any]:
        return backend.get_ssh_keys(_owner(request))

    @router.put("/v2/account/ssh-keys")
    async def put_ssh_keys(request: Request, body: SshKeysBody) -> dict[str, Any]:
        return backend.put_ssh_keys(_owner(request), body.keys)

    return router


class CapacityBody(BaseModel):
    gpu: str
    dataCenter: str
    cloud: CloudName = "SECURE"
    free: int = Field(ge=0)


class WindowBody(BaseModel):
    quota: int = Field(ge=1)
    seconds: float = Field(gt=0)


class PrivateImageBody(BaseModel):
    repository: str = Field(min_length=1)
    username: str
    password: str


def build_admin_router(backend: RunPodBackend) -> APIRouter:
    """RunPod's own controls under ``/_emulator/runpod`` (those of every cloud: ``app.py``)."""
    router = APIRouter(tags=["runpod controls"])

    @router.put("/capacity")
    async def capacity(body: CapacityBody) -> dict[str, Any]:
        backend.set_capacity(body.gpu, body.dataCenter, body.cloud, body.free)
        return body.model_dump()

    @router.put("/private-images")
    async def private_image(body: PrivateImageBody) -> dict[str, str]:
        backend.make_private(body.repository, body.username, body.password)
        return {"repository": body.repository}

    @router.put("/rate-limit/{window}")
    async def rate_limit(window: str, body: WindowBody) -> dict[str, Any]:
        backend.rate.configure(window, body.quota, body.seconds)
        return {"windows": [vars(w) for w in backend.rate.windows]}

    return router
