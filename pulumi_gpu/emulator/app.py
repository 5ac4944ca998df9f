"""The emulator's ASGI app: every cloud under its prefix, plus ``/_emulator`` controls.

A request to ``/<cloud>/<the cloud's real path>`` goes through :class:`FaultsAndLog`
(request log, injected faults) to that cloud's router. ``/_emulator`` holds the
controls: reset, time, faults, the request log, each cloud's own controls, and those
every cloud has (:func:`_cloud_controls`): out-of-band vanish, fail, stop, run and
fail-next for any object kind, refused rents, silent SSH ports, timings, wait records.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from email.utils import formatdate
from http.client import responses
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.faults import FaultRule
from pulumi_gpu.emulator.state import CloudError, RequestRecord

if TYPE_CHECKING:
    from pulumi_gpu.emulator import Emulator

ADMIN = "_emulator"


def split_path(path: str) -> tuple[str, str]:
    """'/celium/pods/1' -> ('celium', '/pods/1')."""
    head, _, rest = path.lstrip("/").partition("/")
    return head, "/" + rest


class FaultsAndLog:
    """ASGI middleware: logs every cloud request and applies injected faults."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cloud, path = split_path(scope["path"])
        if cloud not in self.emulator.clouds:
            await self.app(scope, receive, send)
            return
        record = RequestRecord(
            seq=0,
            at=time.monotonic(),
            sim_at=self.emulator.clock.now(),
            cloud=cloud,
            method=scope["method"],
            path=path,
            query=scope.get("query_string", b"").decode(),
        )
        self.emulator.requests.add(record)
        rule = self.emulator.faults.take(cloud, scope["method"], path)
        if rule is not None:
            record.fault = rule.describe()
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.status is not None or rule.drop:
                if rule.after_action:
                    await self.app(scope, receive, _discard)
                await self._fault_answer(rule, record, scope, receive, send)
                return

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
                date = formatdate(self.emulator.clock.now(), usegmt=True).encode()
                message = {**message, "headers": [*message.get("headers", []), (b"date", date)]}
            await send(message)

        await self.app(scope, receive, logged_send)

    async def _fault_answer(
        self, rule: FaultRule, record: RequestRecord, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """The injected answer: a drop, ``rule.body`` as JSON, or else the cloud's error."""
        if rule.drop:
            # Promise a body and stop early: the server closes, the client sees a drop.
            record.status = -1
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-length", b"1024"),
                        (b"content-type", b"application/json"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b'{"id":', "more_body": True})
            return
        status = rule.status or 500
        headers = {} if rule.retry_after is None else {"Retry-After": str(int(rule.retry_after))}
        answer: Response
        if rule.body is not None:
            answer = JSONResponse(rule.body, status, headers)
        else:  # the cloud's own error shape (RunPod: problem+json)
            error = CloudError(status, responses.get(status, "Error"), headers=headers)
            answer = self.emulator.clouds[record.cloud].render_error(error)
        record.status = status
        await answer(scope, receive, send)


async def _discard(message: Message) -> None:
    return None


class _Advance(BaseModel):
    seconds: float


class _Speed(BaseModel):
    speed: float


class _Run(BaseModel):
    """A declared run of an object's command (see :meth:`EmulatedCloud.run`)."""

    model_config = ConfigDict(extra="forbid")

    seconds: float | None
    """None: it never ends by itself."""
    exit_code: int = 0
    lines: list[str] = Field(default_factory=list)


class _Failure(BaseModel):
    reason: str | None = None
    """None: the cloud's ``default_failure``."""


def _admin_router(emulator: Emulator) -> APIRouter:
    router = APIRouter(prefix=f"/{ADMIN}", tags=["emulator controls"])

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        emulator.reset()
        return {"reset": True}

    @router.post("/advance")
    async def advance(body: _Advance) -> dict[str, Any]:
        emulator.clock.advance(body.seconds)
        return {"now": emulator.clock.iso()}

    @router.put("/speed")
    async def speed(body: _Speed) -> dict[str, Any]:
        emulator.clock.set_speed(body.speed)
        return {"speed": emulator.clock.speed}

    @router.get("/requests")
    async def requests(
        cloud: str | None = None, method: str | None = None, path: str | None = None
    ) -> list[dict[str, Any]]:
        return [asdict(r) for r in emulator.requests.find(cloud, method, path)]

    @router.post("/faults")
    async def add_fault(rule: dict[str, Any]) -> dict[str, Any]:
        allowed = set(FaultRule.__dataclass_fields__) - {"hits"}
        unknown = set(rule) - allowed
        if unknown:
            return JSONResponse(  # type: ignore[return-value]
                {"detail": f"unknown fault fields {sorted(unknown)}; allowed {sorted(allowed)}"},
                400,
            )
        return asdict(emulator.faults.add(FaultRule(**rule)))

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        emulator.faults.clear()
        return {"cleared": True}

    @router.get("/leftovers")
    async def leftovers() -> dict[str, Any]:
        return emulator.leftovers()

    @router.get("/stack-config")
    async def stack_config(request: Request) -> dict[str, Any]:
        """``config`` and ``secrets`` point a stack at every cloud here; each entry of
        ``refused_credentials`` (e.g. ``gpudev-wrong-role``) holds ``secrets`` to set
        instead, which the cloud refuses as its ``refusal`` says."""
        base = str(request.base_url).rstrip("/")
        settings, secrets = emulator.stack_config(base)
        refused = emulator.refused_credentials()
        return {"config": settings, "secrets": secrets, "refused_credentials": refused}

    @router.get("/other-account")
    async def other_account() -> dict[str, Any]:
        return {"secrets": emulator.other_account()}

    return router


def _cloud_of(request: Request, cloud: str) -> EmulatedCloud:
    """The cloud named in a control's path."""
    clouds: dict[str, EmulatedCloud] = request.app.state.emulator.clouds
    if cloud not in clouds:
        raise CloudError(404, f"no cloud {cloud!r}; clouds: {', '.join(clouds)}")
    return clouds[cloud]


Cloud = Annotated[EmulatedCloud, Depends(_cloud_of)]


def _cloud_controls() -> APIRouter:
    """Controls every cloud has, under ``/_emulator/<cloud>`` (after the cloud's own).

    A control a kind does not have (:meth:`EmulatedCloud.fail` of a volume, ...)
    answers 400; an unknown object, the cloud's 404.

    ``POST /refuse-rents?count=N`` (default 1; -1: until cleared) refuses the next N pod
    creates with the cloud's own "no capacity" answer while its catalog still shows the
    stock (:meth:`EmulatedCloud.refuse_rents`); ``DELETE /refuse-rents`` clears them.
    A cloud that never refuses a create for capacity (GPU Dev queues) answers 400.

    ``POST /{kind}/{id}/ssh-silent`` makes an object's SSH port never send its banner
    (:meth:`EmulatedCloud.ssh_silent`); ``POST /ssh-silent-next?count=N`` (default 1;
    0: none) does it to the next N objects created (:meth:`EmulatedCloud.ssh_silent_next`).
    With SSH banners off they answer 400.
    """
    router = APIRouter(prefix=f"/{ADMIN}/{{cloud}}", tags=["controls of every cloud"])

    @router.post("/refuse-rents")
    async def refuse_rents(backend: Cloud, count: int = 1) -> dict[str, int]:
        """Refuse the next ``count`` pod creates for capacity (-1: until cleared)."""
        with _refusals_as_400():
            return {"pending_refusals": backend.refuse_rents(count)}

    @router.delete("/refuse-rents")
    async def clear_refusals(backend: Cloud) -> dict[str, int]:
        with _refusals_as_400():
            backend.clear_refusals()
        return {"pending_refusals": 0}

    @router.post("/ssh-silent-next")
    async def ssh_silent_next(
        backend: Cloud, count: Annotated[int, Query(ge=0)] = 1
    ) -> dict[str, int]:
        """The SSH ports of the next ``count`` objects created never send a banner."""
        with _refusals_as_400():
            return {"pending_silent": backend.ssh_silent_next(count)}

    @router.delete("/{kind}/{object_id:path}")
    async def vanish(backend: Cloud, kind: str, object_id: str) -> dict[str, str]:
        with _refusals_as_400():
            backend.vanish(kind, object_id)
        return {"removed": object_id}

    @router.post("/{kind}/{object_id:path}/run")
    async def run(backend: Cloud, kind: str, object_id: str, body: _Run) -> dict[str, str]:
        """Declare how the object's current (or next) command run goes."""
        with _refusals_as_400():
            backend.run(
                kind, object_id, seconds=body.seconds, exit_code=body.exit_code, lines=body.lines
            )
        return {"ran": object_id}

    @router.post("/{kind}/{object_id:path}/ssh-silent")
    async def ssh_silent(backend: Cloud, kind: str, object_id: str) -> dict[str, str]:
        """The object's SSH port never sends its banner (accepts, stays silent)."""
        with _refusals_as_400():
            backend.ssh_silent(kind, object_id)
        return {"ssh_silent": object_id}

    @router.post("/{kind}/{object_id:path}/{control}")
    async def fail_or_stop(
        backend: Cloud,
        kind: str,
        object_id: str,
        control: Literal["fail", "stop"],
        body: _Failure | None = None,
    ) -> dict[str, str]:
        """``.../fail`` (optional body ``{"reason": ...}``) or ``.../stop`` an object now."""
        with _refusals_as_400():
            if control == "fail":
                backend.fail(kind, object_id, (body and body.reason) or backend.default_failure)
                return {"failed": object_id}
            backend.stop(kind, object_id)
            return {"stopped": object_id}

    @router.post("/fail-next-{kind}")
    async def fail_next(
        backend: Cloud, kind: str, body: _Failure, count: Annotated[int, Query(ge=1)] = 1
    ) -> dict[str, int]:
        reason, pending = body.reason or backend.default_failure, 0
        with _refusals_as_400():
            for _ in range(count):
                pending = backend.fail_next(kind, reason)
        return {"pending_failures": pending}

    @router.patch("/timings")
    async def timings(backend: Cloud, body: dict[str, float]) -> Any:
        """Change how many simulated seconds a cloud's transitions take."""
        current = getattr(backend, "timings", None)
        if current is None:
            return JSONResponse({"detail": f"{backend.name} has no timings"}, 404)
        unknown = set(body) - set(vars(current))
        if unknown:
            allowed = sorted(vars(current))
            return JSONResponse({"detail": f"unknown timings {sorted(unknown)}; {allowed}"}, 400)
        with backend.lock:
            for key, value in body.items():
                setattr(current, key, value)
            return vars(current)

    @router.get("/waits")
    async def waits(backend: Cloud) -> dict[str, Any]:
        return {"max_overlap": backend.waits.max_overlap(), "count": len(backend.waits.records())}

    return router


@contextmanager
def _refusals_as_400() -> Iterator[None]:
    """A control the object's kind does not have (``ValueError``) answers 400."""
    try:
        yield
    except ValueError as refused:
        raise CloudError(400, str(refused)) from None


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route serves at the request's path (the ``Allow`` of a 405; the
    router's own names only the first route that matched the path)."""
    scope = {"type": "http", "path": request.url.path, "root_path": "", "headers": []}
    return [
        method
        for method in _METHODS
        if any(r.matches({**scope, "method": method})[0] is Match.FULL for r in request.app.routes)
    ]


def create_app(emulator: Emulator) -> FastAPI:
    """The emulator as one ASGI application; ``/_emulator/docs`` documents its controls
    (the clouds' own APIs are documented by their OpenAPI documents, not here)."""
    app = FastAPI(
        title="pulumi-gpu cloud emulator",
        docs_url=f"/{ADMIN}/docs",
        openapi_url=f"/{ADMIN}/openapi.json",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.emulator = emulator

    @app.exception_handler(CloudError)
    async def cloud_error(request: Request, exc: CloudError) -> Response:
        cloud = emulator.clouds.get(split_path(request.url.path)[0])
        if cloud is None:  # a control under /_emulator
            return JSONResponse({"detail": exc.message}, exc.status, exc.headers)
        return cloud.render_error(exc)

    @app.exception_handler(HTTPException)
    async def no_such_route(request: Request, exc: HTTPException) -> Response:
        """An unknown path (404) or method (405, with ``Allow``), in the cloud's error shape."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        cloud = emulator.clouds.get(split_path(request.url.path)[0])
        if cloud is None:
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers)
        return cloud.render_error(CloudError(exc.status_code, str(exc.detail), headers=headers))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        name = split_path(request.url.path)[0]
        errors = jsonable_encoder(exc.errors())
        if name in emulator.clouds:
            return emulator.clouds[name].render_validation_error(errors)
        return JSONResponse({"detail": errors}, 422)

    app.include_router(_admin_router(emulator))
    for cloud in emulator.clouds.values():
        app.include_router(cloud.router(), prefix=f"/{cloud.name}", include_in_schema=False)
        app.include_router(cloud.admin_router(), prefix=f"/{ADMIN}/{cloud.name}")
    app.include_router(_cloud_controls())
    app.add_middleware(FaultsAndLog, emulator=emulator)
    return app
