"""What ``check`` judges at preview, before anything reaches a cloud.

- :func:`settled_name`: the object's name (the program's, the state's, or the one the
  program proposes);
- :func:`validation_failures`: the inputs against the kind's model, each mistake naming
  its field and what is allowed, never echoing a secret or a private key;
- :func:`data_loss_failures`: a change that would replace an object holding data;
- :func:`reference_failures`: inputs that name objects which do not exist.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from pulumi_gpu.core.errors import GpuCloudError, NotFoundError
from pulumi_gpu.core.identity import DEFAULT_NAME_KEY
from pulumi_gpu.core.inputs import (
    ALLOW_REPLACEMENT,
    ResourceInputs,
    contains_unknown,
    explain,
    hides_value,
    looks_private,
    property_path,
    show,
    under_unknown,
    unknown_paths,
)
from pulumi_gpu.core.log import report

if TYPE_CHECKING:
    from pulumi_gpu.core.provider import GpuProvider


_declared: set[tuple[str, str]] = set()
_declared_lock = threading.Lock()
"""(cloud, name) of the objects this process's resources make or hold: a reference to
one of them names an object the program declares (made first, as the reference is an
output)."""


def declare(kind: str, name: Any) -> None:
    """Note that a resource of ``kind`` ("gpudev Disk") makes or holds an object ``name``."""
    if isinstance(name, str):
        with _declared_lock:
            _declared.add((_cloud(kind), name))


def _declared_by_program(kind: str, name: str) -> bool:
    """Whether a resource of this process, on the cloud of ``kind``, makes ``name``."""
    with _declared_lock:
        return (_cloud(kind), name) in _declared


def _cloud(kind: str) -> str:
    return kind.split(" ", 1)[0]


def settled_name(
    model: type[ResourceInputs], olds: Mapping[str, Any], news: Mapping[str, Any]
) -> dict[str, Any]:
    """``news`` with the object's name settled: the one the program gives, else the one
    the state records (an object keeps its name, whatever release named it), else the
    name the program proposes (``DEFAULT_NAME_KEY``, dropped here). A state that records
    no name is of an object its cloud named (a GPU Dev job made before 0.2.0): it keeps
    that name, and the proposal is kept for the create of a replacement."""
    named = dict(news)
    proposed = named.pop(DEFAULT_NAME_KEY, None)
    if "name" in model.model_fields and named.get("name") is None:
        recorded = olds.get("name")
        if recorded is not None:
            named["name"] = recorded
        elif olds and proposed is not None:
            named[DEFAULT_NAME_KEY] = proposed
        elif proposed is not None:
            named["name"] = proposed
    return named


def validation_failures(
    model: type[ResourceInputs], kind: str, values: Mapping[str, Any]
) -> list[CheckFailure]:
    """Every mistake in ``values``; values still unknown during a preview are not judged."""
    try:
        model.model_validate(values)
    except ValidationError as exc:
        unknown = unknown_paths(values)
        failures = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if under_unknown(loc, unknown):
                continue
            path = property_path(loc) or kind
            reason = explain(err, model)
            if hides_value(err, model) or (bool(loc) and looks_private(values.get(str(loc[0])))):
                # The engine prints a top-level property's value beside the failure.
                failures.append(CheckFailure("", f"{path}: {reason}"))
            else:
                failures.append(CheckFailure(path, reason))
        return failures
    return []


def data_loss_failures(
    model: type[ResourceInputs],
    kind: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    changed: Iterable[str],
) -> list[CheckFailure]:
    """A change of ``changed`` that would replace a data-holding resource, unless allowed."""
    guarded = model.data_fields()
    if not olds or not guarded or news.get(ALLOW_REPLACEMENT) is True:
        return []
    return [
        CheckFailure(
            field,
            f"changing {field} replaces this {kind}, which deletes the data on it; keep the "
            f"old value ({show(olds.get(field))}), or set {ALLOW_REPLACEMENT}=true for this "
            "update to confirm",
        )
        for field in sorted(guarded & set(changed))
    ]


def reference_failures(
    provider: GpuProvider[Any, Any], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """Inputs naming other objects (``references``): a name or id of nothing would be
    refused by the cloud or, worse, make the object (GPU Dev makes the disk a job names),
    which no resource owns. Values not known yet (the output of a resource this program
    makes), names of objects this program declares and values the state already holds
    pass."""
    failures = []
    for field, section in provider.inputs_model.reference_fields().items():
        value = values.get(field)
        if value is None or contains_unknown(value) or value == olds.get(field):
            continue
        for one in value if isinstance(value, list) else [value]:
            if _declared_by_program(provider.kind, str(one)):
                continue
            try:
                found = provider.reference_exists(field, str(one))
            except GpuCloudError as exc:
                report(f"warning: {provider.kind}: could not check {field} {one!r}: {exc}")
                continue
            if found is False:
                failures.append(
                    CheckFailure(
                        field,
                        f"no {section.rstrip('s').replace('_', ' ')} {one!r} exists for the "
                        f"configured credentials ({provider.client().account()}); name an "
                        "existing one, or declare it in this program and pass its output "
                        "(so that it is made first)",
                    )
                )
    return failures


def exists(get: Callable[[str], Any], key: str) -> bool:
    """Whether ``get(key)`` finds the object (a NotFoundError says it does not)."""
    try:
        get(key)
    except NotFoundError:
        return False
    return True
