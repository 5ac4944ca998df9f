"""Progress lines from the provider process, with every secret the process knows hidden.

The Pulumi engine forwards a plugin's stderr to the CLI, so waits and retries report
there. Whatever this process learns is secret (a secret input's value: a token in a
job's env) is remembered by :func:`hide`; :func:`redacted` replaces each such value in a
text by ``[secret]``, and every line reported, every error message the engine receives
(see ``workers``) and every output derived from a run (see ``provider``) goes through it:
a job that prints its token does not show it in ``pulumi up``, the state or its history.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "[secret]"
MIN_SECRET_LENGTH = 6
"""Shorter values (``1``, ``true``) are left alone: replacing them would garble every
text while hiding nothing a guess would not find."""

_hidden: set[str] = set()
_hidden_lock = threading.Lock()


def hide(values: Iterable[str]) -> None:
    """Remember secret values, so that no text this process shows carries them."""
    found = {v for v in values if len(v) >= MIN_SECRET_LENGTH}
    if found - _hidden:
        with _hidden_lock:
            _hidden.update(found)


def redacted(value: Any) -> Any:
    """``value`` (a text, or a mapping or list holding texts) with every hidden value
    replaced by ``[secret]``; longest first, so a secret that holds another goes whole."""
    with _hidden_lock:
        hidden = sorted(_hidden, key=len, reverse=True)
    return _redacted(value, hidden) if hidden else value


def _redacted(value: Any, hidden: list[str]) -> Any:
    if isinstance(value, str):
        for secret in hidden:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: _redacted(v, hidden) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v, hidden) for v in value]
    return value


_sink: Callable[[str], None] | None = None


def report_to(sink: Callable[[str], None] | None) -> None:
    """Send every progress line to ``sink`` instead of stderr (the provider plugin sends
    them to the engine's log: the engine hides a plugin's stderr, but not a dynamic
    provider's)."""
    global _sink
    _sink = sink


def report(message: str) -> None:
    """Print one progress line, prefixed so it stands out among the engine's output.

    One ``write`` per line: lines reported by concurrent waits never interleave. When the
    engine is gone (killed mid-update) there is no one to tell: the line is dropped, so
    the clean-up that follows still happens.
    """
    sink = _sink
    if sink is not None:
        sink(redacted(message))
        return
    try:
        sys.stderr.write(f"pulumi-gpu: {redacted(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
