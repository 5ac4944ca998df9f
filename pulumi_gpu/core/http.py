"""The HTTP client base every cloud client builds on.

Every request goes through one choke point, :meth:`ApiClient.request`:

1. wait while the budget the cloud's ``RateLimit`` header announced is spent
   (:mod:`~pulumi_gpu.core.rate_limit`: concurrent requests share one budget);
2. send;
3. classify the outcome: success, an error status, or no usable answer;
4. retry what is safe to retry, with capped exponential backoff and full jitter,
   honouring ``Retry-After``; otherwise raise the typed error (see ``errors``).

Two questions are kept apart. *May this request be sent again?* Connection failures
before sending and 429 always; 5xx (but 501) and answers lost after sending only for
idempotent requests (GET, HEAD, PUT, DELETE, or a call marked ``idempotent=True``).
*Did the server act?* Unknown after a 5xx or a lost answer to anything but a read,
however many retries were made: the error then carries ``outcome_unknown=True``, and
the lifecycle looks for what the request may have made before making it again.

Bounds: a wait sets a :func:`deadline` that every request in its thread honours (no
retry starts after it); a spent ``RateLimit`` budget is waited for at most
``RetryPolicy.max_rate_limit_wait`` seconds, and said so.

Credentials travel only in headers (:class:`HeaderAuth` hides them from ``repr``) and
never to another host: redirects are followed only to the same host.
Answers that do not have the expected shape raise :class:`MalformedAnswer`, naming the
fields that are wrong but never their values.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import functools
import json
import random
import ssl
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, TypeVar

import certifi
import httpx
from pydantic import BaseModel, ValidationError

from pulumi_gpu.core.errors import ApiError, MalformedAnswer, TransportError, error_class_for
from pulumi_gpu.core.log import report
from pulumi_gpu.core.rate_limit import RateBudget, parse_rate_limit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Requests that change nothing: the server cannot have acted on them."""
IDEMPOTENT_METHODS = SAFE_METHODS | {"PUT", "DELETE"}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MAX_REDIRECTS = 5
M = TypeVar("M", bound=BaseModel)

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "pulumi_gpu_deadline", default=None
)


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Within the block, no request of this thread is retried (or waits) past ``at``
    (a ``time.monotonic()`` value); nested deadlines keep the earlier one."""
    current = _deadline.get()
    token = _deadline.set(at if current is None else min(at, current))
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left() -> float | None:
    at = _deadline.get()
    return None if at is None else at - time.monotonic()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failed request."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0
    max_rate_limit_wait: float = 60.0
    """Longest wait for a ``RateLimit`` window to reset before the next request."""

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


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client of the process: loading the CA bundle
    takes about 50 ms, which httpx would otherwise spend per client."""
    return ssl.create_default_context(cafile=certifi.where())


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
        clock: Callable[[], float] = time.monotonic,
        identity: str = "unknown",
    ) -> None:
        """``identity``: who the credential belongs to, never the credential itself (see
        :meth:`account`). ``sleep`` and ``clock`` are time's, replaceable in tests."""
        self.base_url = base_url.rstrip("/")
        self._identity = identity
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._budget = RateBudget(clock)
        self._clock = clock
        self._said_wait_until = 0.0
        self._clock_offset = 0.0
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            headers={"User-Agent": "pulumi-gpu", **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            follow_redirects=False,
            verify=_tls_context(),
        )

    def close(self) -> None:
        self._http.close()

    def account(self) -> str:
        """Who the credential belongs to, as recorded on resources (not a secret).

        By default a fingerprint of the credential (what a client knows without asking);
        clients whose API names the account override it.
        """
        return self._identity

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        text: bool = False,
    ) -> Any:
        """Send one API call and return its decoded JSON body (None when empty), or with
        ``text`` its body as text (logs, event streams)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        for attempt in range(self.retry.attempts):
            retry_after: float | None = None
            try:
                response = self._send(method, path, params=params, json=json)
            except _NOT_SENT as exc:
                failure: ApiError | TransportError = TransportError(
                    self.cloud, method, path, _describe(exc), outcome_unknown=False
                )
            except httpx.RequestError as exc:
                failure = TransportError(
                    self.cloud,
                    method,
                    path,
                    _describe(exc),
                    outcome_unknown=method not in SAFE_METHODS,
                )
                if not idempotent:
                    raise failure from exc
            else:
                self._note_clock(response)
                if response.is_success:
                    return response.text if text else self._decode(response, method, path)
                failure = self._error(response, method, path)
                status = response.status_code
                if not (status == 429 or (idempotent and status >= 500 and status != 501)):
                    raise failure
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is None and status == 429:
                    retry_after = parse_rate_limit(response.headers.get("RateLimit"))
            if attempt + 1 >= self.retry.attempts:
                raise failure
            delay = self.retry.delay(attempt, retry_after)
            left = _time_left()
            if left is not None and delay >= left:
                raise failure  # the wait this request serves ends before the retry would
            report(f"{failure}; retry {attempt + 1} in {delay:.1f} s")
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def decode(self, model: type[M], data: Any) -> M:
        """``data`` read as ``model``; :class:`MalformedAnswer` (no values) if it is not one."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise MalformedAnswer(self.cloud, model.__name__, exc) from None

    def decode_list(self, model: type[M], data: Any, key: str | None = None) -> list[M]:
        """Each item of a JSON array (``data``, or ``data[key]``) read as ``model``."""
        if key is not None:
            if not isinstance(data, dict) or key not in data:
                raise MalformedAnswer(self.cloud, f"an object with {key!r}", None)
            data = data[key] or []
        if not isinstance(data, list):
            raise MalformedAnswer(self.cloud, f"a list of {model.__name__}", None)
        return [self.decode(model, item) for item in data]

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, following redirects only to the same host (the credential in
        the headers must not reach another one)."""
        left = _time_left()
        timeout = self._http.timeout if left is None else _shorter(self._http.timeout, left)
        self._throttle()
        try:
            response = self._http.request(method, path, timeout=timeout, **kwargs)
        except BaseException:
            self._budget.unanswered()
            raise
        self._budget.answered(response.headers.get("RateLimit"))
        for _ in range(MAX_REDIRECTS):
            target = response.next_request
            if target is None:
                return response
            here = response.request.url
            if target.url.host != here.host or (here.scheme, target.url.scheme) == (
                "https",
                "http",
            ):
                raise ApiError(
                    self.cloud,
                    method,
                    path,
                    response.status_code,
                    f"redirected to {target.url.scheme}://{target.url.host}, another host; "
                    "not followed, so the credential was not sent there. If the API has "
                    "moved, set its endpoint to the new address",
                )
            response = self._http.send(target)
        return response

    def _throttle(self) -> None:
        """Wait until the cloud's announced budget allows a request: at most
        ``max_rate_limit_wait`` seconds, and never past the deadline."""
        limit = self.retry.max_rate_limit_wait
        left = _time_left()
        if left is not None:
            limit = min(limit, max(left, 0.0))
        waited = 0.0
        while (wait := self._budget.take()) > 0:
            wait = min(wait, limit - waited)
            if wait <= 0:
                self._budget.take_anyway()
                return
            until = self._clock() + wait
            if wait >= 1 and until > self._said_wait_until + 1:
                self._said_wait_until = until  # said once for all who wait with it
                report(f"{self.cloud} API: waiting {wait:.0f} s for the rate-limit window to reset")
            self._sleep(wait)
            waited += wait

    def cloud_now(self) -> float:
        """Epoch seconds by the cloud's clock (its last answer's ``Date``, carried on by
        ours): times the cloud sets, such as a scheduled removal, are on its clock."""
        return time.time() + self._clock_offset

    def _note_clock(self, response: httpx.Response) -> None:
        try:
            told = parsedate_to_datetime(response.headers.get("Date", ""))
        except (TypeError, ValueError):
            return
        if told.tzinfo is not None:
            self._clock_offset = told.timestamp() - time.time()

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
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
                outcome_unknown=method not in SAFE_METHODS,
            ) from None

    def _error(self, response: httpx.Response, method: str, path: str) -> ApiError:
        status = response.status_code
        cls = error_class_for(status)
        return cls(
            self.cloud,
            method,
            path,
            status,
            error_message(response),
            outcome_unknown=status >= 500 and method not in SAFE_METHODS,
        )


def _shorter(timeout: httpx.Timeout, seconds: float) -> httpx.Timeout:
    """``timeout`` with no phase longer than ``seconds`` (at least one second)."""
    cap = max(seconds, 1.0)

    def capped(value: float | None) -> float:
        return cap if value is None else min(value, cap)

    return httpx.Timeout(
        connect=capped(timeout.connect),
        read=capped(timeout.read),
        write=capped(timeout.write),
        pool=capped(timeout.pool),
    )


def _describe(exc: httpx.RequestError) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
