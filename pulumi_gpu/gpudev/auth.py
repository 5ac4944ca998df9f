"""GPU Dev API credentials: a configured API key, or AWS credentials exchanged for one.

The service hands out short-lived API keys (2 hours by default) at
``POST /v1/auth/aws-login`` to callers whose AWS identity has the allowed role.
:class:`ApiKeyAuth` puts the key into every request's ``Authorization: Bearer`` header and,
when it has AWS credentials, logs in on first use, again shortly before the key's
lifetime ends, and again (once per request) when the service answers 401 or 403 - the
key expired, was revoked, or is unknown - before retrying the request with the new key.

Keys and AWS secrets live only in this process's memory: never in ``repr``, logs,
errors, URLs or resource state.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import httpx

from pulumi_gpu.core.config import Setting
from pulumi_gpu.core.errors import ConfigurationError
from pulumi_gpu.core.log import report
from pulumi_gpu.gpudev.models import IssuedKey

AWS_ACCESS_KEY_ID = Setting(
    "gpudevAwsAccessKeyId", (), secret=True, description="AWS access key id to log in to GPU Dev."
)
AWS_SECRET_ACCESS_KEY = Setting(
    "gpudevAwsSecretAccessKey",
    (),
    secret=True,
    description="AWS secret access key to log in to GPU Dev.",
)
AWS_SESSION_TOKEN = Setting(
    "gpudevAwsSessionToken", (), secret=True, description="AWS session token to log in to GPU Dev."
)
AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

RENEW_AT = 0.9
"""Log in again after this fraction of a key's lifetime (measured on this machine's clock)."""


@dataclass(frozen=True)
class AwsCredentials:
    """AWS credentials to log in with; the secret parts never show in ``repr``."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    source: str = "stack config"

    @classmethod
    def configured(cls) -> AwsCredentials | None:
        """From stack config (``pulumi-gpu:gpudevAws*``), else the standard AWS variables.

        The parts are never mixed: a key id from stack config is used with the secret
        and token from stack config only.
        """
        key_id = AWS_ACCESS_KEY_ID.value()
        if key_id:
            secret = AWS_SECRET_ACCESS_KEY.value()
            if not secret:
                raise ConfigurationError(
                    "pulumi-gpu:gpudevAwsAccessKeyId is set but "
                    "pulumi-gpu:gpudevAwsSecretAccessKey is not: set it with "
                    "`pulumi config set --secret pulumi-gpu:gpudevAwsSecretAccessKey <value>`"
                )
            return cls(key_id, secret, AWS_SESSION_TOKEN.value() or None, "stack config")
        key_id, secret, token = (os.environ.get(name) for name in AWS_ENV)
        if key_id and secret:
            return cls(key_id, secret, token or None, "environment")
        return None

    def login_body(self) -> dict[str, str | None]:
        return {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "aws_session_token": self.session_token,
        }


class ApiKeyAuth(httpx.Auth):
    """``Authorization: Bearer <key>`` with a key kept fresh by ``login`` (when given).

    ``api_key`` is used first when configured; ``login`` (an AWS login) provides a key
    when there is none, when the key's lifetime is nearly over, and when the service
    refuses the key with 401/403. Safe to share between threads: one login at a time,
    and threads that saw the same stale key share one renewal.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        login: Callable[[], IssuedKey] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if api_key is None and login is None:
            raise ValueError("ApiKeyAuth needs an API key or a way to log in")
        self._key = api_key
        self._login = login
        self._clock = clock
        self._renew_at: float | None = None
        self._lock = threading.Lock()
        self.logins = 0
        """How many times this process logged in (for tests and diagnostics)."""
        self.username: str | None = None
        """Who the last login was for (the service names it; not a secret)."""

    @property
    def can_renew(self) -> bool:
        return self._login is not None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        key = self._current()
        request.headers["Authorization"] = f"Bearer {key}"
        response = yield request
        if response.status_code in (401, 403) and self._login is not None:
            request.headers["Authorization"] = f"Bearer {self._renew(key)}"
            yield request

    def _current(self) -> str:
        with self._lock:
            due = self._renew_at is not None and self._clock() >= self._renew_at
            if self._key is None or (due and self._login is not None):
                self._obtain("the API key is about to expire" if due else None)
            assert self._key is not None
            return self._key

    def _renew(self, stale: str) -> str:
        with self._lock:
            if self._key == stale:  # else another thread has renewed it meanwhile
                self._obtain("the service refused the API key")
            assert self._key is not None
            return self._key

    def _obtain(self, why: str | None) -> None:
        assert self._login is not None
        issued = self._login()
        self._key = issued.api_key
        self.username = issued.username or self.username
        self.logins += 1
        ttl = issued.ttl_hours * 3600.0 if issued.ttl_hours else None
        self._renew_at = self._clock() + RENEW_AT * ttl if ttl else None
        lifetime = f", valid {issued.ttl_hours} h" if issued.ttl_hours else ""
        reason = f" ({why})" if why else ""
        report(
            f"gpudev: logged in with AWS credentials as {issued.username or '?'}{lifetime}{reason}"
        )

    def __repr__(self) -> str:
        return f"ApiKeyAuth(<hidden>, can_renew={self.can_renew})"
