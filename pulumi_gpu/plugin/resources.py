"""The engine's resource calls, served by the kinds' own providers.

Each call finds the kind by the resource's type token (``kinds``), renames the
properties to the Python names the provider reads (``names``), calls the provider
exactly as the dynamic-provider process does, and renames its answer back, with every
secret property (secret inputs, the kind's secret outputs, what a run printed, and
whatever arrived secret) marked secret. Nothing of the lifecycle is here: checks,
diffs, creates, waits and clean-ups are the provider's, the same for both front doors.

What a Python program adds to every resource's inputs (``core.resource``), the plugin
adds in :meth:`Resources.check`: the owner mark (the provider's stack identity, see
``settings``, and a hash of the resource's URN type and name) and the name proposed
for an object the program does not name (``<project>-<stack>-<name>-<owner tag>``),
refusing two resources of one kind that would give their objects the same name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure, DiffResult

from pulumi_gpu.core.budget import MAX_COST_PER_HOUR, BudgetExceeded, Ledger, price_of
from pulumi_gpu.core.errors import GpuCloudError, RecordedFailure
from pulumi_gpu.core.identity import (
    DEFAULT_NAME_KEY,
    OWNER_KEY,
    Owner,
    compose_name,
    name_prefix,
    name_taken,
    resource_hash,
    resource_key,
)
from pulumi_gpu.core.inputs import contains_unknown
from pulumi_gpu.core.log import hide
from pulumi_gpu.plugin.kinds import PackageKind, package_kinds
from pulumi_gpu.plugin.names import LEAF, Shape, camel, from_engine, to_engine
from pulumi_gpu.plugin.settings import stack_id


@dataclass(frozen=True)
class Props:
    """Properties as the engine holds them (camelCase), plain, and which are secret."""

    values: dict[str, Any]
    secret: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Urn:
    """``urn:pulumi:<stack>::<project>::<qualified type>::<name>``, in parts."""

    stack: str
    project: str
    qualified_type: str
    name: str

    @property
    def type(self) -> str:
        """The resource's own type token (its parents' types stripped)."""
        return self.qualified_type.rsplit("$", 1)[-1]

    @classmethod
    def parse(cls, urn: str) -> Urn:
        head, project, qualified_type, name = urn.split("::", 3)
        return cls(head.removeprefix("urn:pulumi:"), project, qualified_type, name)


class PartlyCreated(Exception):
    """A create that failed after its object existed, and the state the engine keeps of
    it (``state``, under ``object_id``): the engine records the resource with the
    failure, and the next ``up`` updates it rather than creating it again."""

    def __init__(self, reason: str, object_id: str, state: Props) -> None:
        super().__init__(reason)
        self.reason = reason
        self.object_id = object_id
        self.state = state


def kind_of(urn: Urn) -> PackageKind:
    found = package_kinds().get(urn.type)
    if found is None:
        raise GpuCloudError(f"pulumi-gpu has no resource type {urn.type}")
    return found


class Resources:
    """The resource calls of one provider process."""

    def __init__(self) -> None:
        self._names_lock = threading.Lock()
        self._names: dict[tuple[str, str], str] = {}
        self._ledger = Ledger()

    def check(self, urn: str, olds: Props, news: Props) -> tuple[Props, list[CheckFailure]]:
        """The checked inputs, and every mistake (property paths in camelCase)."""
        where = Urn.parse(urn)
        kind = kind_of(where)
        old = from_engine(kind.shape, olds.values)
        new = self._marked(kind, where, old, from_engine(kind.shape, news.values))
        arrived_secret = [new.get(kind.shape.python_names.get(k, k)) for k in news.secret]
        hide(_texts(arrived_secret))
        result = kind.provider.check(old, new)
        failures = [
            CheckFailure(engine_path(kind.shape, f.property), engine_text(kind.shape, f.reason))
            for f in result.failures
        ]
        taken = self._take_name(kind, result.inputs.get("name"), urn)
        if taken is not None:
            failures.append(CheckFailure("name", taken))
        over = None if failures else self._over_budget(kind, urn, where.name, result.inputs)
        if over is not None:
            failures.append(CheckFailure("", over))
        return self._answer(kind, result.inputs, news), failures

    def diff(self, urn: str, id_: str, olds: Props, news: Props) -> DiffResult:
        kind = kind_of(Urn.parse(urn))
        found = kind.provider.diff(
            id_, from_engine(kind.shape, olds.values), from_engine(kind.shape, news.values)
        )
        found.replaces = [camel(r) for r in found.replaces or []]
        return found

    def create(self, urn: str, props: Props) -> tuple[str, Props]:
        """(the new object's id, its state); a create that failed with something worth
        keeping raises :class:`PartlyCreated`."""
        kind = kind_of(Urn.parse(urn))
        try:
            made = kind.provider.create(from_engine(kind.shape, props.values))
        except RecordedFailure as failure:
            kept = self._answer(kind, failure.record, props)
            raise PartlyCreated(str(failure), failure.object_id, kept) from None
        return str(made.id), self._answer(kind, made.outs or {}, props)

    def planned(self, urn: str, props: Props) -> Props:
        """A create at preview: the inputs and what the kind knows it will make (a
        placed pod: its offer and price); every other output is not known yet."""
        kind = kind_of(Urn.parse(urn))
        values = from_engine(kind.shape, props.values)
        return self._answer(kind, {**values, **kind.provider.planned(values)}, props)

    def read(self, urn: str, id_: str, props: Props) -> tuple[str | None, Props]:
        """(the id, or None when the object is gone; its state as read)."""
        kind = kind_of(Urn.parse(urn))
        found = kind.provider.read(id_, from_engine(kind.shape, props.values))
        if not found.id:
            return None, Props({})
        return str(found.id), self._answer(kind, found.outs or {}, props)

    def update(self, urn: str, id_: str, olds: Props, news: Props) -> Props:
        kind = kind_of(Urn.parse(urn))
        made = kind.provider.update(
            id_, from_engine(kind.shape, olds.values), from_engine(kind.shape, news.values)
        )
        return self._answer(kind, made.outs or {}, news, olds)

    def delete(self, urn: str, id_: str, props: Props) -> None:
        kind = kind_of(Urn.parse(urn))
        kind.provider.delete(id_, from_engine(kind.shape, props.values))

    # -- helpers ----------------------------------------------------------------------

    @staticmethod
    def _answer(kind: PackageKind, values: Mapping[str, Any], *given: Props) -> Props:
        """``values`` (Python names) as the engine holds them: camelCase, with the kind's
        secret properties and whatever arrived secret marked secret."""
        secret = {camel(name) for name in kind.secrets}
        for props in given:
            secret |= props.secret
        engine = to_engine(kind.shape, dict(values))
        return Props(engine, frozenset(secret & set(engine)))

    @staticmethod
    def _marked(
        kind: PackageKind, where: Urn, olds: Mapping[str, Any], news: dict[str, Any]
    ) -> dict[str, Any]:
        """``news`` with the resource's owner (the one the state records, else this
        provider's stack identity and the resource's hash) and the name proposed for an
        object the program does not name."""
        owner = Owner.parse(olds.get(OWNER_KEY)) or Owner(
            stack_id(), resource_hash(resource_key(where.qualified_type, where.name))
        )
        marked = {**news, OWNER_KEY: str(owner)}
        if "name" in kind.kind.inputs.model_fields and marked.get("name") is None:
            prefix = name_prefix(where.project, where.stack, where.name)
            marked[DEFAULT_NAME_KEY] = compose_name(prefix, owner.tag, kind.provider.name_rule)
        return marked

    def _over_budget(
        self, kind: PackageKind, urn: str, name: str, inputs: Mapping[str, Any]
    ) -> str | None:
        """Why the stack's machines, this one counted, break ``pulumi-gpu:maxCostPerHour``
        (None when it is not set, or they fit). The engine checks every resource of the
        program in each deployment, so the ledger holds the whole program, as a Python
        program's does (``core.budget``), and preview refuses it before anything exists."""
        limit = MAX_COST_PER_HOUR.number()
        if limit is None:
            return None
        model = kind.provider.inputs_model
        values = {k: v for k, v in inputs.items() if k in model.model_fields}
        price = price_of(model, values, known=not contains_unknown(values))
        if price is None:
            return None
        self._ledger.add(urn, name, kind.provider.kind, price)
        try:
            self._ledger.check(limit)
        except BudgetExceeded as exc:
            return str(exc)
        return None

    def _take_name(self, kind: PackageKind, name: Any, urn: str) -> str | None:
        """Why ``name`` cannot be the object's: another resource of this provider, of the
        same kind, gives its object that name (each would adopt or delete the other's)."""
        if not isinstance(name, str):
            return None
        with self._names_lock:
            first = self._names.setdefault((kind.provider.kind, name), urn)
        if first == urn:
            return None
        return name_taken("stack", first, name)


def engine_path(shape: Shape, path: str) -> str:
    """A property path of a check failure (``selector.gpu_model``, ``env.MY_VAR``,
    ``ports[1]``) with its property names in camelCase (map keys stay as they are)."""
    out = ""
    for part in re.findall(r"\[\d+\]|[^.\[\]]+", path):
        if part.startswith("["):
            out += part
            shape = shape.items or LEAF
            continue
        shape = next((o for o in shape.options if o.fields is not None), shape)
        if shape.fields is not None and part in shape.fields:
            out += ("." if out else "") + camel(part)
            shape = shape.fields[part]
        else:
            out += ("." if out else "") + part
            shape = shape.values or LEAF
    return out


def engine_text(shape: Shape, text: str) -> str:
    """A check failure's reason with the property names it mentions in camelCase
    (``allowed: gpu_count, gpu_model``, ``put the tag in docker_image_tag``); a word that
    is no property name of the shape stays as it is."""
    names = _property_names(shape)
    return _SNAKE.sub(lambda word: camel(word[0]) if word[0] in names else word[0], text)


_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _property_names(shape: Shape) -> set[str]:
    """The property names (Python) of a shape and of the shapes in it."""
    inner = [*(shape.fields or {}).values(), shape.values, shape.items, *shape.options]
    return set(shape.fields or {}).union(*(_property_names(s) for s in inner if s is not None))


def _texts(value: Any) -> list[str]:
    """The texts a value holds (to hide what arrived secret from every message)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []
