"""GPU Dev authentication: AWS credentials (checked by an emulated STS) buy an API key
(``/v1/auth/aws-login``), keys rotate and expire, and ``verify_api_key`` refuses the
way the service does."""

from __future__ import annotations

import secrets
from typing import Any

from pulumi_gpu.emulator.gpudev.model import (
    ALLOWED_ROLE,
    AWS_IDENTITIES,
    ApiKey,
    ApiUser,
    AwsIdentity,
)
from pulumi_gpu.emulator.gpudev.tables import GpuDevTables, key_hash
from pulumi_gpu.emulator.state import CloudError


class Auth(GpuDevTables):
    """Users and their keys."""

    def expire_keys(self) -> int:
        """Make every issued key expired now (as if its TTL had passed); returns the count."""
        with self.lock:
            now = self.clock.now()
            live = [k for k in self.keys.values() if k.expires_at > now]
            for key in live:
                key.expires_at = now
            return len(live)

    def issued_keys(self) -> list[str]:
        """Every key issued since the reset (plain text, for leak checks in tests)."""
        with self.lock:
            return [k.plaintext for k in self.keys.values()]

    def set_user_active(self, username: str, active: bool) -> None:
        with self.lock:
            self._user(username).is_active = active

    def aws_login(
        self, access_key_id: str, secret_access_key: str, session_token: str | None
    ) -> dict[str, Any]:
        with self.lock:
            identity = next((i for i in AWS_IDENTITIES if i.access_key_id == access_key_id), None)
            if identity is None or (session_token or None) != identity.session_token:
                raise CloudError(401, "Invalid AWS credentials")  # STS InvalidClientTokenId
            if not secrets.compare_digest(secret_access_key, identity.secret_access_key):
                raise CloudError(401, "AWS signature verification failed")
            role = _role(identity.arn)
            if role != ALLOWED_ROLE:
                raise CloudError(403, role_refusal(identity))
            username = _sanitize(identity.arn.rsplit("/", 1)[-1])
            user = self.users.get(username)
            if user is None:
                user = self.users[username] = ApiUser(len(self.users) + 1, username)
            user.aws_arn = identity.arn
            user.is_active = True
            key, stored = self._issue(username)
            return {
                "api_key": key,
                "key_prefix": stored.key_prefix,
                "user_id": user.id,
                "username": username,
                "aws_arn": identity.arn,
                "expires_at": self.clock.iso(stored.expires_at),
                "ttl_hours": self._ttl_hours(),
            }

    def rotate_key(self, user: ApiUser) -> dict[str, Any]:
        with self.lock:
            key, stored = self._issue(user.username)
            return {
                "api_key": key,
                "key_prefix": stored.key_prefix,
                "user_id": user.id,
                "username": user.username,
                "expires_at": self.clock.iso(stored.expires_at),
            }

    def verify_key(self, key: str) -> ApiUser:
        """``verify_api_key``: the caller behind a Bearer key, or the documented refusal."""
        with self.lock:
            if not 16 <= len(key) <= 256:
                raise CloudError(401, "Invalid API key format")
            stored = self.keys.get(key_hash(key))
            if stored is None:
                raise CloudError(401, "Invalid API key")
            user = self._user(stored.username)
            if not user.is_active:
                raise CloudError(403, "User account is disabled")
            if stored.revoked:
                raise CloudError(403, "API key has been revoked")
            now = self.clock.now()
            if now >= stored.expires_at:
                raise CloudError(403, "API key has expired")
            stored.last_used_at = now
            return user

    def _issue(self, username: str) -> tuple[str, ApiKey]:
        now = self.clock.now()
        key = secrets.token_urlsafe(64)
        return key, self._store_key(key, username, now, now + self.settings.key_ttl_seconds)

    def _ttl_hours(self) -> int:
        """``ttl_hours`` is an int in the real answer; a test TTL of seconds rounds up."""
        return max(1, -(-int(self.settings.key_ttl_seconds) // 3600))


def role_refusal(identity: AwsIdentity) -> str:
    """The ``detail`` of the 403 a login of credentials without the allowed role gets."""
    return f"Access denied. Required role: {ALLOWED_ROLE}, got: {_role(identity.arn) or 'none'}"


def _role(arn: str) -> str | None:
    """``arn:aws:sts::<acct>:assumed-role/<ROLE>/<user>`` -> ``<ROLE>``."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    if len(parts) >= 3 and parts[0] == "assumed-role":
        return parts[1]
    return None


def _sanitize(username: str) -> str:
    return "".join(c for c in username if c.isascii() and (c.isalnum() or c in "._-"))[:255]
