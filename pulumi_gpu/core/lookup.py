"""Lookups: read-only functions for Pulumi programs, whose failures read as one message.

Pulumi prints a Python traceback for any exception a program raises, except a
``pulumi.RunError``, which it prints as its message alone. A lookup's mistakes (a bad
argument, a missing or refused key, a cloud that does not answer) are for a person, so
:func:`lookup` turns them into :class:`LookupFailed`: a ``RunError`` that is still a
``GpuCloudError`` for code that catches those.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import pulumi
from pydantic import ValidationError

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.inputs import property_path

P = ParamSpec("P")
R = TypeVar("R")


class LookupFailed(GpuCloudError, pulumi.RunError):
    """A lookup could not answer; the message names the lookup and what to do."""


def lookup(function: Callable[P, R]) -> Callable[P, R]:
    """Mark a function as a lookup: its failures become :class:`LookupFailed`."""
    package = function.__module__.split(".")[1]  # pulumi_gpu.<cloud>.lookups
    name = f"{'pulumi_gpu' if package == 'market' else package}.{function.__name__}"

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except LookupFailed:
            raise
        except GpuCloudError as exc:
            raise LookupFailed(f"{name}: {exc}") from exc
        except ValidationError as exc:
            reasons = "; ".join(
                f"{property_path(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise LookupFailed(f"{name}: {reasons}") from None

    return call
