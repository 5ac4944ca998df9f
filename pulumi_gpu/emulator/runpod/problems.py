"""RunPod's error shape: RFC 9457 problem+json, with RunPod's wording of validation errors."""

from __future__ import annotations

from http.client import responses
from typing import Any

from fastapi.responses import JSONResponse, Response

from pulumi_gpu.emulator.state import CloudError

PROBLEM_TITLES = {  # the spec's wording; other statuses get HTTP's reason phrase
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem_response(error: CloudError) -> Response:
    """RFC 9457 problem+json, as RunPod v2 answers every error."""
    body: dict[str, Any] = {
        "title": PROBLEM_TITLES.get(error.status) or responses.get(error.status, "Error"),
        "status": error.status,
        "detail": error.message,
    }
    if error.extra.get("errors"):
        body["errors"] = list(error.extra["errors"])
    return JSONResponse(body, error.status, error.headers, media_type="application/problem+json")


def validation_messages(errors: list[dict[str, Any]]) -> list[str]:
    """FastAPI errors as RunPod's strings, e.g. ``"$: additional properties 'x' not allowed"``."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "body"
        parts = loc[1:]
        if where == "body":
            parent = "$" + "".join(f".{p}" if not p.isdigit() else f"[{p}]" for p in parts[:-1])
            path = "$" + "".join(f".{p}" if not p.isdigit() else f"[{p}]" for p in parts)
        else:
            parent = path = f"{where}.{'.'.join(parts)}"
        kind = error.get("type", "")
        if kind == "extra_forbidden" and parts:
            found.append(f"{parent}: additional properties '{parts[-1]}' not allowed")
        elif kind == "missing" and parts:
            found.append(f"{parent}: missing properties '{parts[-1]}'")
        elif kind == "missing":
            found.append(f"{path}: a request body is required")
        else:
            found.append(f"{path}: {str(error.get('msg', 'invalid')).lower()}")
    return found
