"""Credentials, endpoints and tuning, resolved where they are used.

A setting has a stack-configuration key in the ``pulumi-gpu`` namespace (for example
``pulumi config set --secret pulumi-gpu:celiumApiKey ...``) and environment variables
to fall back on. In the dynamic-provider process the stack configuration arrives
through ``ResourceProvider.configure`` (see :func:`use_stack_config`); in a Pulumi
program (lookups such as ``celium.get_executors``) it is read with ``pulumi.Config``.
Values stay in this process's memory: they are never put on provider objects (which
are serialized into the state) nor into resource inputs or outputs.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pulumi_gpu.core.errors import ConfigurationError

NAMESPACE = "pulumi-gpu"


class _ConfigSource(Protocol):
    def get(self, key: str) -> Any: ...


_stack_config: _ConfigSource | None = None


def use_stack_config(config: _ConfigSource) -> None:
    """Remember the stack configuration given to a dynamic provider's ``configure``."""
    global _stack_config
    _stack_config = config


def _from_program(key: str) -> str | None:
    try:
        import pulumi

        value = pulumi.Config(NAMESPACE).get(key)
    except Exception:  # not inside a Pulumi program
        return None
    return value


@dataclass(frozen=True)
class Setting:
    """One configurable value: ``pulumi-gpu:<key>`` in stack config, else an env var."""

    key: str
    env: tuple[str, ...]
    default: str | None = None

    def value(self) -> str | None:
        if _stack_config is not None:
            found = _stack_config.get(f"{NAMESPACE}:{self.key}")
            if found not in (None, ""):
                return str(found)
        found = _from_program(self.key)
        if found not in (None, ""):
            return found
        for name in self.env:
            if os.environ.get(name):
                return os.environ[name]
        return self.default

    def require(self, what: str) -> str:
        found = self.value()
        if found is None:
            names = " or ".join(self.env)
            raise ConfigurationError(
                f"{what} is not configured: run `pulumi config set --secret "
                f"{NAMESPACE}:{self.key} <value>` or set {names}"
            )
        return found

    def number(self) -> float | None:
        found = self.value()
        if found is None:
            return None
        try:
            return float(found)
        except ValueError:
            raise ConfigurationError(
                f"{NAMESPACE}:{self.key} must be a number, got {found!r}"
            ) from None


POLL_SECONDS = Setting("pollSeconds", ("PULUMI_GPU_POLL_SECONDS",))
"""Longest interval between two status polls of a wait (default 10 s)."""


def fingerprint(*secrets: str) -> str:
    """A digest of credentials: tells them apart without revealing them."""
    return hashlib.sha256("\0".join(secrets).encode()).hexdigest()


def key_identity(digest: str) -> str:
    """The account identity of a credential whose API does not name its account."""
    return f"key sha256:{digest[:12]}"


C = TypeVar("C")
_clients: dict[tuple[Any, ...], Any] = {}
_clients_lock = threading.Lock()


def shared_client(key: tuple[Any, ...], factory: Callable[[], C]) -> C:
    """One client per process and key (cloud, endpoint, credential fingerprint)."""
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = factory()
        return client
