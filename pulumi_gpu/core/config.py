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

import difflib
import hashlib
import importlib
import os
import threading
from collections.abc import Callable, Iterable
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

        warn_unknown_keys()
        value = pulumi.Config(NAMESPACE).get(key)
    except Exception:  # not inside a Pulumi program
        return None
    return value


_SETTINGS: set[str] = set()
_DECLARED: dict[str, Setting] = {}
_MODULES_WITH_SETTINGS = (
    "pulumi_gpu.core.budget",
    "pulumi_gpu.celium.client",
    "pulumi_gpu.runpod.client",
    "pulumi_gpu.primeintellect.client",
    "pulumi_gpu.gpudev.client",
    "pulumi_gpu.gpudev.auth",
)
"""Where every :class:`Setting` is declared (a test holds this list complete)."""


def setting_keys() -> set[str]:
    """The keys of every setting (``celiumApiKey``, ...), whichever clouds are imported."""
    return {setting.key for setting in settings()}


def settings() -> list[Setting]:
    """Every setting, by key, whichever clouds are imported (the provider plugin's
    configuration and its schema's ``config`` are these)."""
    for module in _MODULES_WITH_SETTINGS:
        importlib.import_module(module)
    return [_DECLARED[key] for key in sorted(_DECLARED)]


_checked_config: object = None


def warn_unknown_keys() -> None:
    """Warn of ``pulumi-gpu:`` config keys of this program that no setting reads: a typo
    (``pulumi-gpu:runpodKey``) would otherwise stay silent until a key is missing. Every
    resource asks; the configuration of a program run is checked once."""
    global _checked_config
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config_env

    config = CONFIG.get()
    if config is _checked_config:
        return
    _checked_config = config
    prefix = f"{NAMESPACE}:"
    keys = {*config, *(get_config_env() or {})}
    ours = {k.removeprefix(prefix).removeprefix("config:") for k in keys if k.startswith(prefix)}
    for warning in unknown_key_warnings(ours):
        pulumi.log.warn(warning)


def unknown_key_warnings(keys: Iterable[str]) -> list[str]:
    """A warning for each of ``keys`` (without the ``pulumi-gpu:`` prefix) that no setting
    reads, naming the closest setting."""
    given = set(keys)
    if not given:  # no program config (as in the provider process): nothing to check
        return []
    prefix = f"{NAMESPACE}:"
    known = sorted(setting_keys())
    warnings = []
    for key in sorted(given - set(known)):
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {prefix}{close[0]}? " if close else ""
        warnings.append(
            f"{prefix}{key} is not a pulumi-gpu setting and is ignored; {hint}"
            f"settings: {', '.join(known)}"
        )
    return warnings


@dataclass(frozen=True)
class Setting:
    """One configurable value: ``pulumi-gpu:<key>`` in stack config, else an env var."""

    key: str
    env: tuple[str, ...]
    default: str | None = None
    secret: bool = False
    """A credential: kept encrypted (``pulumi config set --secret``), never shown."""
    description: str = ""

    def __post_init__(self) -> None:
        _SETTINGS.add(self.key)
        _DECLARED[self.key] = self

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


POLL_SECONDS = Setting(
    "pollSeconds",
    ("PULUMI_GPU_POLL_SECONDS",),
    description="Longest interval between two status polls of a wait, in seconds (default 10).",
)
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
