"""The HTTP client base every cloud client builds on.

Every request goes through one choke point, :meth:`ApiClient.request`:

1. wait if the cloud's ``RateLimit`` header said a window is used up;
2. send;
3. classify the outcome: success, an error status, or no usable answer;
4. retry what is safe to retry, with capped exponential backoff and full jitter,
   honouring ``Retry-After``; otherwise raise the typed error (see ``errors``).

What is retried:

- connection failures before the request was sent: always;
- 429: always (the server refused before acting);
- 5xx except 501, and answers lost after sending: only for idempotent requests
  (GET, HEAD, PUT, DELETE, or a call marked ``idempotent=True``). A create that fails
  this way raises with ``outcome_unknown=True`` instead, so the resource can look for
  what it may have made rather than make it twice.

Credentials travel only in headers (:class:`HeaderAuth` hides them from ``repr``).
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import threading
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from pulumi_gpu.core.errors import ApiError, TransportError, error_class_for
from pulumi_gpu.core.log import report

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RATE_LIMIT_ITEM = re.compile(r'"?(?P<name>[^";,]+)"?(?P<params>(?:\s*;\s*[a-z]+=[^;,]*)*)')


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failed request."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after) + random.uniform(0, 0.25)
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


class HeaderAuth(httpx.Auth):
    """Puts a credential into one request header; never shows it in ``repr``."""

    def __init__(self, header: str, value: str, *, prefix: str = "") -> None:
        self._header = header
        self._value = f"{prefix}{value}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"HeaderAuth({self._header!r}, <hidden>)"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_rate_limit(value: str | None) -> float | None:
    """Seconds until the first exhausted window of a ``RateLimit`` header resets.

    The header lists windows as ``"minute";r=0;t=12, "hour";r=2800;t=1812``
    (remaining ``r``, reset in ``t`` seconds). None when no window is exhausted.
    """
    if not value:
        return None
    waits = []
    for item in _RATE_LIMIT_ITEM.finditer(value):
        params = dict(
            part.strip().split("=", 1) for part in item["params"].split(";") if "=" in part
        )
        try:
            if int(params.get("r", "1")) <= 0:
                waits.append(float(params.get("t", "1")))
        except ValueError:
            continue
    return max(waits) if waits else None


def error_message(response: httpx.Response) -> str:
    """The cloud's own words from an error response (FastAPI, problem+json, or text)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, list):  # FastAPI/pydantic validation errors
            return "; ".join(_validation_item(item) for item in detail)
        parts = [str(x) for x in (detail or body.get("message") or body.get("error"),) if x]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts.append("; ".join(_validation_item(e) for e in errors))
        if parts:
            return " - ".join(parts)
        if body.get("title"):
            return str(body["title"])
    return json.dumps(body)[:500]


def _validation_item(item: Any) -> str:
    if isinstance(item, dict):
        loc = item.get("loc") or item.get("param")
        msg = item.get("msg") or item.get("details") or item.get("message") or item
        if isinstance(loc, list):
            loc = ".".join(str(x) for x in loc)
        return f"{loc}: {msg}" if loc else str(msg)
    return str(item)


class ApiClient:
    """Base of one cloud's HTTP client: the request choke point and its policies.

    Subclasses add one method per endpoint and set :attr:`cloud` (used in messages).
    """

    cloud: ClassVar[str] = "cloud"

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._not_before = 0.0
        self._throttle_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            headers={"User-Agent": "pulumi-gpu", **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one API call and return its decoded JSON body (None when empty)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        for attempt in range(self.retry.attempts):
            self._throttle()
            retry_after: float | None = None
            try:
                response = self._http.request(method, path, params=params, json=json)
            except _NOT_SENT as exc:
                failure: ApiError | TransportError = TransportError(
                    self.cloud, method, path, _describe(exc), outcome_unknown=False
                )
            except httpx.RequestError as exc:
                failure = TransportError(
                    self.cloud, method, path, _describe(exc), outcome_unknown=not idempotent
                )
                if not idempotent:
                    raise failure from exc
            else:
                self._note_rate_limit(response)
                if response.is_success:
                    return self._decode(response, method, path, idempotent)
                failure = self._error(response, method, path, idempotent)
                status = response.status_code
                if not (status == 429 or (idempotent and status >= 500 and status != 501)):
                    raise failure
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is None and status == 429:
                    retry_after = parse_rate_limit(response.headers.get("RateLimit"))
            if attempt + 1 >= self.retry.attempts:
                raise failure
            delay = self.retry.delay(attempt, retry_after)
            report(f"{failure}; retry {attempt + 1} in {delay:.1f} s")
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _throttle(self) -> None:
        with self._throttle_lock:
            wait = self._not_before - time.monotonic()
        if wait > 0:
            self._sleep(wait)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        reset = parse_rate_limit(response.headers.get("RateLimit"))
        if reset is not None and response.is_success:
            with self._throttle_lock:
                self._not_before = max(self._not_before, time.monotonic() + reset)

    def _decode(self, response: httpx.Response, method: str, path: str, idempotent: bool) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransportError(
                self.cloud,
                method,
                path,
                f"answered {response.status_code} with a body that is not JSON",
                outcome_unknown=not idempotent,
            ) from None

    def _error(
        self, response: httpx.Response, method: str, path: str, idempotent: bool
    ) -> ApiError:
        status = response.status_code
        cls = error_class_for(status)
        return cls(
            self.cloud,
            method,
            path,
            status,
            error_message(response),
            outcome_unknown=status >= 500 and not idempotent,
        )


def _describe(exc: httpx.RequestError) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
