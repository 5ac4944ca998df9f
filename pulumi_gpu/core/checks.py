"""Input checks several clouds share (used inside pydantic validators)."""

from __future__ import annotations

import re
from collections.abc import Mapping

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


RESERVED_ENV = "PULUMI_GPU_OWNER"
"""The variable that carries an object's owner mark where a cloud keeps env (``identity``)."""


def check_env_names(env: Mapping[str, str]) -> None:
    """Raise ValueError listing the names that are not environment variable names, or
    that pulumi-gpu sets itself."""
    bad = sorted(name for name in env if not _ENV_NAME.match(name))
    if bad:
        raise ValueError(f"environment variable names must match [A-Za-z_][A-Za-z0-9_]*: {bad}")
    if RESERVED_ENV in env:
        raise ValueError(f"{RESERVED_ENV} is set by pulumi-gpu (it marks who made the object)")
