"""Check recorded HTTP exchanges against a cloud's OpenAPI document (openapi-core).

Record what a client sends to the emulator with :class:`ExchangeRecorder` (an httpx
event hook), then :meth:`SpecChecker.problems` lists every request and response that
does not match the spec. The emulator's prefix (``/runpod``) is removed and the
spec's own server URL used instead, so paths match the spec exactly.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPECS = Path(__file__).resolve().parents[1] / "specs"


@dataclass
class Exchange:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes


@dataclass
class ExchangeRecorder:
    """An httpx ``event_hooks={"response": [recorder]}`` hook keeping every exchange."""

    exchanges: list[Exchange] = field(default_factory=list)

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        self.exchanges.append(
            Exchange(
                method=request.method,
                path=request.url.path,
                query=list(request.url.params.multi_items()),
                headers=dict(request.headers),
                body=request.content,
                status=response.status_code,
                response_headers=dict(response.headers),
                response_body=response.content,
            )
        )


class SpecChecker:
    """Validates exchanges recorded against the emulator with one OpenAPI document."""

    def __init__(
        self, spec: Path, emulator_prefix: str, *, text_types: tuple[str, ...] = ()
    ) -> None:
        """``text_types``: media types whose bodies are read as text (``text/event-stream``)."""
        self.spec = spec
        self.prefix = emulator_prefix.rstrip("/")
        self.text_types = text_types

    @property
    def openapi(self) -> OpenAPI:
        return _load(self.spec, self.text_types)

    @property
    def host_url(self) -> str:
        servers = self.openapi.spec.get("servers") or [{"url": "http://localhost"}]
        return str(servers[0]["url"]).rstrip("/")

    def problems(self, exchanges: list[Exchange], *, responses: bool = True) -> list[str]:
        found: list[str] = []
        for exchange in exchanges:
            request = self._request(exchange)
            label = f"{exchange.method} {exchange.path} -> {exchange.status}"
            try:
                self.openapi.validate_request(request)
            except Exception as exc:  # openapi-core raises a tree of validation errors
                found.append(f"request {label}: {_explain(exc)}")
            if responses:
                try:
                    self.openapi.validate_response(request, self._response(exchange))
                except Exception as exc:
                    found.append(f"response {label}: {_explain(exc)}")
        return found

    def _request(self, exchange: Exchange) -> MockRequest:
        path = exchange.path
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        args: dict[str, Any] = {}
        for key, value in exchange.query:
            args.setdefault(key, []).append(value)
        content_type = exchange.headers.get("content-type", "application/json")
        return MockRequest(
            self.host_url,
            exchange.method.lower(),
            path,
            args={k: v if len(v) > 1 else v[0] for k, v in args.items()},
            headers=exchange.headers,
            data=exchange.body or None,
            content_type=content_type.split(";")[0],
        )

    @staticmethod
    def _response(exchange: Exchange) -> MockResponse:
        content_type = exchange.response_headers.get("content-type", "application/json")
        return MockResponse(
            exchange.response_body,
            status_code=exchange.status,
            headers=exchange.response_headers,
            content_type=content_type.split(";")[0],
        )


@functools.cache
def _load(spec: Path, text_types: tuple[str, ...]) -> OpenAPI:
    """The document, read once per process and when first used (not when tests are
    collected). The cloud's document is taken as published: checking the document itself
    against the OpenAPI meta-schema took 3 s per spec and tells nothing about our code."""
    # Error bodies are often application/problem+json (RFC 9457); they are JSON too.
    media: dict[str, Callable[[bytes], Any]] = {"application/problem+json": json.loads}
    media.update(dict.fromkeys(text_types, bytes.decode))
    config = Config(extra_media_type_deserializers=media, spec_validator_cls=None)
    return OpenAPI.from_file_path(str(spec), config=config)


def _explain(exc: Exception) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    while cause is not None:
        details = getattr(cause, "schema_errors", None)
        if details:
            parts += [getattr(e, "message", str(e)) for e in details]
        else:
            parts.append(str(cause))
        cause = cause.__cause__
    return " | ".join(parts)


def pretty(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body), indent=1)[:800]
    except ValueError:
        return body[:800].decode(errors="replace")
