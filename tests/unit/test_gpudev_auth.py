"""ApiKeyAuth: when it logs in, when it renews, what it never shows (httpx MockTransport)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pulumi_gpu.core.errors import AuthenticationError
from pulumi_gpu.gpudev.auth import ApiKeyAuth
from pulumi_gpu.gpudev.models import IssuedKey


class Service:
    """A fake API that accepts one current key; every login issues the next one."""

    def __init__(self) -> None:
        self.issued = 0
        self.valid: set[str] = set()
        self.seen: list[str] = []

    def login(self) -> IssuedKey:
        self.issued += 1
        key = f"key-number-{self.issued:06d}"
        self.valid = {key}
        return IssuedKey(api_key=key, username="me", ttl_hours=2)

    def handler(self, request: httpx.Request) -> httpx.Response:
        header = request.headers.get("Authorization", "")
        self.seen.append(header)
        if header.removeprefix("Bearer ") in self.valid:
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(403, json={"detail": "API key has expired"})


def client(auth: ApiKeyAuth, service: Service) -> httpx.Client:
    return httpx.Client(auth=auth, transport=httpx.MockTransport(service.handler))


def test_logs_in_on_first_use_and_reuses_the_key() -> None:
    service = Service()
    http = client(ApiKeyAuth(login=service.login), service)
    assert http.get("http://x/a").status_code == 200
    assert http.get("http://x/b").status_code == 200
    assert service.issued == 1
    assert service.seen == ["Bearer key-number-000001"] * 2


def test_refused_key_is_renewed_once_and_the_request_retried() -> None:
    service = Service()
    auth = ApiKeyAuth(login=service.login)
    http = client(auth, service)
    http.get("http://x/a")
    service.valid = set()  # the key expired
    assert http.post("http://x/b", json={"n": 1}).status_code == 200
    assert service.seen[-2:] == ["Bearer key-number-000001", "Bearer key-number-000002"]
    assert auth.logins == 2


def test_a_second_refusal_is_returned_not_looped() -> None:
    service = Service()
    logins: list[str] = []

    def login() -> IssuedKey:
        logins.append("login")
        return IssuedKey(api_key="never-valid-key-000")

    response = client(ApiKeyAuth(login=login), service).get("http://x/a")
    assert response.status_code == 403
    assert len(service.seen) == 2 and len(logins) == 2


def test_configured_key_is_used_first_and_never_renewed_without_login() -> None:
    service = Service()
    service.valid = {"configured-key-0000"}
    http = client(ApiKeyAuth(api_key="configured-key-0000"), service)
    assert http.get("http://x/a").status_code == 200
    service.valid = set()
    assert http.get("http://x/a").status_code == 403
    assert service.issued == 0 and len(service.seen) == 2


def test_configured_key_then_login_when_refused() -> None:
    service = Service()
    http = client(ApiKeyAuth(api_key="stale-configured-key", login=service.login), service)
    assert http.get("http://x/a").status_code == 200
    assert service.seen == ["Bearer stale-configured-key", "Bearer key-number-000001"]


def test_renews_before_the_lifetime_ends() -> None:
    service = Service()
    now = [0.0]
    clock: Callable[[], float] = lambda: now[0]  # noqa: E731
    http = client(ApiKeyAuth(login=service.login, clock=clock), service)
    http.get("http://x/a")
    now[0] = 0.89 * 7200
    http.get("http://x/a")
    assert service.issued == 1
    now[0] = 0.91 * 7200
    http.get("http://x/a")
    assert service.issued == 2, "logged in again before the 2 h key expired"
    assert service.seen.count("Bearer key-number-000001") == 2


def test_login_errors_propagate() -> None:
    def refuse() -> IssuedKey:
        raise AuthenticationError("gpudev", "POST", "/v1/auth/aws-login", 403, "Access denied")

    http = client(ApiKeyAuth(login=refuse), Service())
    with pytest.raises(AuthenticationError, match="Access denied"):
        http.get("http://x/a")


def test_needs_a_key_or_a_login_and_hides_the_key() -> None:
    with pytest.raises(ValueError):
        ApiKeyAuth()
    auth = ApiKeyAuth(api_key="super-secret-key-123")
    assert "super-secret-key-123" not in repr(auth)
    assert "super-secret" not in repr(IssuedKey(api_key="super-secret-key-123"))
