"""Property names as every Pulumi package spells them (camelCase), and back.

The kinds' models and providers name properties in Python (``gpu_type``); the package
schema names them in camelCase (``gpuType``), as Pulumi packages do. A value's
:class:`Shape` says where its keys are names (the properties of a resource or of a
nested model, such as a Celium pod's ``selector``) and where they are data: the keys of
a map (a pod's ``env``, an opaque record such as a placed pod's ``offer``) are never
renamed. :func:`to_engine` and :func:`from_engine` walk a value along its shape.
Shapes are read from the same JSON Schema of the input models as the package schema
(:func:`shape_of`), so the two never disagree; a key the shape does not know is left
as it is, both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


def camel(name: str) -> str:
    """``gpu_type`` -> ``gpuType``, ``data_center_ids`` -> ``dataCenterIds``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pascal(name: str) -> str:
    """``cloud_type`` -> ``CloudType`` (for the names of types)."""
    found = camel(name)
    return found[:1].upper() + found[1:]


@dataclass(frozen=True)
class Shape:
    """Where a value's keys are property names: exactly one of the fields is set for a
    container (none for a scalar, or a value whose keys are all data)."""

    fields: Mapping[str, Shape] | None = None
    """An object: its properties by Python name, and each one's shape."""
    values: Shape | None = None
    """A map: the shape of each value (its keys are data)."""
    items: Shape | None = None
    """A list: the shape of each item."""
    options: tuple[Shape, ...] = field(default=())
    """A union: the option whose form (object, map or list) the value has."""

    @cached_property
    def python_names(self) -> dict[str, str]:
        """camelCase -> Python name, for the fields."""
        return {camel(name): name for name in self.fields or {}}

    def matching(self, value: Any) -> Shape:
        """The option of a union a value is (the shape itself if not a union)."""
        if not self.options:
            return self
        for option in self.options:
            if isinstance(value, Mapping) and (
                option.fields is not None or option.values is not None
            ):
                return option
            if isinstance(value, (list, tuple)) and option.items is not None:
                return option
        return LEAF


LEAF = Shape()


def to_engine(shape: Shape, value: Any) -> Any:
    """``value`` with the property names of its shape in camelCase."""
    return _renamed(
        shape, value, lambda s, key: (camel(key), key) if key in (s.fields or {}) else None
    )


def from_engine(shape: Shape, value: Any) -> Any:
    """``value`` (as the engine holds it) with the property names of its shape in Python."""

    def python(s: Shape, key: str) -> tuple[str, str] | None:
        name = s.python_names.get(key)
        return (name, name) if name is not None else None

    return _renamed(shape, value, python)


def _renamed(
    shape: Shape, value: Any, rename: Callable[[Shape, str], tuple[str, str] | None]
) -> Any:
    """``value`` walked along ``shape``; ``rename(object shape, key)`` gives a property's
    new key and its Python name (for its shape), or None for a key the shape lacks."""
    shape = shape.matching(value)
    if isinstance(value, Mapping):
        if shape.fields is not None:
            renamed = {}
            for key, item in value.items():
                found = rename(shape, key)
                if found is None:
                    renamed[key] = item
                else:
                    new, python = found
                    renamed[new] = _renamed(shape.fields[python], item, rename)
            return renamed
        if shape.values is not None:
            return {key: _renamed(shape.values, item, rename) for key, item in value.items()}
        return value
    if isinstance(value, (list, tuple)) and shape.items is not None:
        return [_renamed(shape.items, item, rename) for item in value]
    return value


def shape_of(node: Any, defs: Mapping[str, Any]) -> Shape:
    """The shape of values a JSON Schema ``node`` (with its ``$defs``) describes."""
    if not isinstance(node, Mapping):
        return LEAF
    ref = node.get("$ref")
    if isinstance(ref, str):
        return shape_of(defs[ref.rsplit("/", 1)[-1]], defs)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        shapes = [s for s in (shape_of(o, defs) for o in options) if s != LEAF]
        if len(shapes) == 1:
            return shapes[0]
        return Shape(options=tuple(shapes)) if shapes else LEAF
    if "properties" in node:
        return Shape(fields={k: shape_of(v, defs) for k, v in node["properties"].items()})
    if node.get("type") == "object":
        return Shape(values=shape_of(node.get("additionalProperties"), defs))
    if node.get("type") == "array":
        return Shape(items=shape_of(node.get("items"), defs))
    return LEAF
