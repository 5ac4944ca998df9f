"""What ``check`` judges at preview, before anything reaches a cloud.

- :func:`settled_name`: the object's name (the program's, the state's, or the one the
  program proposes);
- :func:`validation_failures`: the inputs against the kind's model, each mistake naming
  its field and what is allowed, never echoing a secret or a private key;
- :func:`data_loss_failures`: a change that would replace an object holding data;
- :func:`reference_failures`: inputs that name objects which do not exist;
- :func:`choice_failures`: inputs that must be one of the cloud's own list (its GPU
  catalog, its data centers) and are not;
- :func:`~pulumi_gpu.core.pricing.price_failures`: a price ceiling below every offer.

:func:`cloud_failures` runs the last three, which ask the cloud: each judges only
values known now, and a cloud that cannot be asked (no credentials, no answer) is not
judged (a warning says so).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
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
from pulumi_gpu.core.pricing import price_failures

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


def change_failures(
    provider: GpuProvider[Any, Any], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """The kind's rules comparing the state's inputs (``olds``) with the new ones
    (``GpuProvider.check_change``), once both are known and valid."""
    if not olds or contains_unknown(values) or contains_unknown(olds):
        return []
    model = provider.inputs_model
    try:
        old = model.model_validate(olds)
    except ValidationError:
        return []  # a state from an older release: nothing to compare with
    return provider.check_change(old, model.model_validate(values))


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


@dataclass(frozen=True)
class Choices:
    """What a cloud takes for an input it keeps a list of, read from the cloud."""

    what: str
    """What one of them is, for messages: ``"GPU type"``, ``"data center"``."""
    values: Collection[str]


def choice_failures(
    provider: GpuProvider[Any, Any], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """Inputs whose value is not among the cloud's own (``GpuProvider.choices``): the
    create would be refused, or wait for a machine that never comes. Values not known
    yet and values the state holds already pass."""
    failures = []
    for field, value in values.items():
        if value is None or contains_unknown(value) or value == olds.get(field):
            continue
        try:
            choices = provider.choices(field)
        except GpuCloudError as exc:
            report(f"warning: {provider.kind}: could not check {field} {value!r}: {exc}")
            continue
        if choices is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            if str(one) in choices.values:
                continue
            listed = sorted(choices.values)
            close = difflib.get_close_matches(str(one), listed, n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            failures.append(
                CheckFailure(
                    field,
                    f"{one!r} is not a {choices.what} {provider.kind.split(' ')[0]} has{hint}; "
                    f"{choices.what}s: {', '.join(listed)}",
                )
            )
    return failures


def cloud_failures(
    provider: GpuProvider[Any, Any], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """What only the cloud can tell: references and choices, then (once those hold) the
    price ceiling; ``olds``: the state's input values."""
    failures = reference_failures(provider, olds, values) + choice_failures(provider, olds, values)
    return failures or price_failures(provider, olds, values)


def exists(get: Callable[[str], Any], key: str) -> bool:
    """Whether ``get(key)`` finds the object (a NotFoundError says it does not)."""
    try:
        get(key)
    except NotFoundError:
        return False
    return True
