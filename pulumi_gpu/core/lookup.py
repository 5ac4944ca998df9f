"""Lookups: read-only functions for Pulumi programs, whose failures read as one message.

Pulumi prints a Python traceback for any exception a program raises, except a
``pulumi.RunError``, which it prints as its message alone. A lookup's mistakes (a bad
argument, a missing or refused key, a cloud that does not answer) are for a person, so
:func:`lookup` turns them into :class:`LookupFailed`: a ``RunError`` that is still a
``GpuCloudError`` for code that catches those.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, validate_call

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.inputs import property_path

P = ParamSpec("P")
R = TypeVar("R")

LOOKUPS: list[Callable[..., Any]] = []
"""Every lookup of the modules imported so far, as programs call it (the provider plugin
serves them as functions: ``plugin.functions``)."""


class AccountPod(BaseModel):
    """A machine the account has on a cloud now, as that cloud lists it (``get_pods``):
    whatever made it, Pulumi, a person or another tool."""

    model_config = ConfigDict(frozen=True)

    cloud: str
    id: str
    name: str
    status: str = Field(description="The cloud's own status word, e.g. RUNNING.")
    gpu: str = Field(description="'<count>x <GPU>', or '' for a machine without GPUs.")
    cost_per_hour: float | None = Field(description="USD per hour now, where the cloud says.")
    created_at: str | None = None


def oldest_first(pods: Iterable[AccountPod]) -> list[AccountPod]:
    """``get_pods``'s order: by creation, then id."""
    return sorted(pods, key=lambda p: (p.created_at or "", p.id))


def gpu_label(count: int | None, name: str | None) -> str:
    """'2x H100_80GB', or '' without a GPU."""
    return f"{count or 1}x {name}" if name else ""


def upper_case(value: object) -> object:
    """For ``Annotated[SomeLiteral, BeforeValidator(upper_case)]``: a lookup's closed set
    of upper-case words that also takes them in lower case (``region="europe"``)."""
    return value.upper() if isinstance(value, str) else value


class LookupFailed(GpuCloudError, pulumi.RunError):
    """A lookup could not answer; the message names the lookup and what to do.
    ``mistakes``: (argument path, reason) of each bad argument, when that was why."""

    def __init__(self, message: str, mistakes: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.mistakes = mistakes


def lookup(function: Callable[P, R]) -> Callable[P, R]:
    """Mark a function as a lookup: its arguments are checked against its annotations
    (``gpu_count="two"`` or ``clouds="runpod"`` is a mistake named by its parameter, not a
    ``TypeError`` from inside, nor a string taken for a list of letters), and its failures
    become :class:`LookupFailed`."""
    package = function.__module__.split(".")[1]  # pulumi_gpu.<cloud>.lookups
    name = f"{'pulumi_gpu' if package == 'market' else package}.{function.__name__}"
    checked = validate_call(function)

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return checked(*args, **kwargs)
        except LookupFailed:
            raise
        except GpuCloudError as exc:
            raise LookupFailed(f"{name}: {exc}") from exc
        except ValidationError as exc:
            mistakes = tuple((property_path(tuple(e["loc"])), e["msg"]) for e in exc.errors())
            reasons = "; ".join(f"{path}: {reason}" for path, reason in mistakes)
            raise LookupFailed(f"{name}: {reasons}", mistakes) from None

    LOOKUPS.append(call)
    return call
