"""The provider's configuration: the ``pulumi-gpu:`` settings, and the stack's identity.

The engine gives a provider of the package the stack's ``pulumi-gpu:`` config as its
inputs (``runpodApiKey``, ...: the settings table of ``core.config``, unchanged), and
the dynamic providers' code reads them through :func:`~pulumi_gpu.core.config.use_stack_config`
as it does in a dynamic-provider process. A credential stays secret: the provider's
inputs (kept in the state) hold it encrypted, even one set without ``--secret``.

A Python program registers a stack identity resource (``core.stack_identity``), whose
random id starts every owner mark. A program of another language registers only the
package's resources, so the provider keeps the identity itself, as an input of its own
(:data:`STACK_ID`): its ``CheckConfig`` keeps the id the state records and proposes a new
one only for a provider that has none, as the identity resource does. Every resource of
that provider is marked with it (see ``server``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from pulumi_gpu.core.config import NAMESPACE, settings, unknown_key_warnings, use_stack_config
from pulumi_gpu.core.identity import new_stack_id
from pulumi_gpu.core.log import hide

STACK_ID = "stackId"
"""The provider's input that holds the stack identity (kept by ``check_config``)."""
ENGINE_KEYS = frozenset({"version", "pluginDownloadURL", "pluginDownloadUrl"})
"""Inputs the engine gives a default provider besides the stack's config."""


def secret_settings() -> frozenset[str]:
    return frozenset(s.key for s in settings() if s.secret)


def check_config(
    olds: Mapping[str, Any], news: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """(the provider's inputs: ``news`` with the stack identity kept, warnings of keys no
    setting reads, as the dynamic providers warn of them)."""
    inputs = dict(news)
    inputs[STACK_ID] = str(olds.get(STACK_ID) or news.get(STACK_ID) or new_stack_id())
    keys = set(news) - ENGINE_KEYS - {STACK_ID}
    return inputs, unknown_key_warnings(keys)


class _PluginConfig:
    """The stack's ``pulumi-gpu:`` config as ``Setting.value`` asks it: the provider's
    inputs (``args``), else the engine's variables (``pulumi-gpu:config:<key>``)."""

    def __init__(self, args: Mapping[str, Any], variables: Mapping[str, str]) -> None:
        self._args = dict(args)
        self._variables = dict(variables)

    def get(self, key: str) -> Any:
        namespace, _, name = key.partition(":")
        if namespace != NAMESPACE:
            return None
        if self._args.get(name) not in (None, ""):
            return self._args[name]
        return self._variables.get(f"{NAMESPACE}:config:{name}")


_lock = threading.Lock()
_stack_id: str | None = None


def configure(args: Mapping[str, Any], variables: Mapping[str, str]) -> None:
    """Use the provider's configuration in this process (one provider per process)."""
    global _stack_id
    config = _PluginConfig(args, variables)
    hide(str(v) for k in secret_settings() if (v := config.get(f"{NAMESPACE}:{k}")) is not None)
    use_stack_config(config)
    with _lock:
        _stack_id = str(args.get(STACK_ID) or "") or _stack_id


def stack_id() -> str:
    """The stack identity of this process's provider (a new one if it was given none:
    a provider configured by an engine that skipped ``CheckConfig``)."""
    global _stack_id
    with _lock:
        if _stack_id is None:
            _stack_id = new_stack_id()
        return _stack_id
