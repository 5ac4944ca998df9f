"""The package's resources: one per kind a fleet can declare, with its type token.

The table is derived from ``fleet.kinds.KINDS`` (each kind's resource class, inputs model
and provider class), never written again: a kind that joins the fleet joins the plugin.
A resource's token is its dynamic type's module and name (``celium:Pod`` ->
``pulumi-gpu:celium:Pod``), but the placed pod's module, ``market``, is the package's
``index`` (``pulumi-gpu:index:Pod``, as ``pulumi_gpu.Pod`` sits at the package's top).

For each, :class:`PackageKind` also reads what the schema and the name conversion need:
the JSON Schema of the inputs, the outputs the resource class declares (their types and
docstrings), and the shape of its state.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, get_args

from pydantic import TypeAdapter

from pulumi_gpu.core.config import NAMESPACE
from pulumi_gpu.core.inputs import CORE_KEYS, PROVIDER_KEY
from pulumi_gpu.core.provider import STATUS_FIELDS, GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.fleet.kinds import KINDS, Kind
from pulumi_gpu.plugin.names import LEAF, Shape, shape_of

PACKAGE = NAMESPACE
"""The package's name: the config namespace (``pulumi-gpu:runpodApiKey``) is its own."""
INDEX = "index"
MODULES = {"market": INDEX}
"""Dynamic-type modules that are another module of the package."""


def token_of(resource: type[GpuResource]) -> str:
    """``pulumi-gpu:<module>:<Name>`` of a resource class (its dynamic type's parts)."""
    module, name = resource._resource_type_name.removeprefix("dynamic/").split(":")
    return f"{PACKAGE}:{MODULES.get(module, module)}:{name}"


@dataclass(frozen=True)
class PackageKind:
    """One resource of the package: a fleet kind, seen from the plugin."""

    kind: Kind
    token: str

    @property
    def module(self) -> str:
        return self.token.split(":")[1]

    @property
    def name(self) -> str:
        return self.token.split(":")[2]

    @cached_property
    def provider(self) -> GpuProvider[Any, Any]:
        """The kind's provider (providers hold no state: one serves every call)."""
        return self.kind.provider()

    @cached_property
    def inputs_schema(self) -> dict[str, Any]:
        """The inputs model's JSON Schema (its ``$defs`` inline)."""
        return self.kind.inputs.model_json_schema()

    @cached_property
    def outputs(self) -> dict[str, dict[str, Any]]:
        """Output name -> the JSON Schema of its type, as the resource class declares it
        (``pulumi.Output[...]`` annotations, its bases' included)."""
        names = self.kind.resource.output_names()
        found: dict[str, dict[str, Any]] = {}
        for klass in reversed(self.kind.resource.__mro__):
            module = vars(sys.modules[klass.__module__])
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if name in names:
                    declared = (
                        eval(annotation, module) if isinstance(annotation, str) else annotation
                    )
                    (inner,) = get_args(declared)
                    found[name] = TypeAdapter(inner).json_schema()
        return found

    @cached_property
    def output_docs(self) -> dict[str, str]:
        """Output name -> its docstring (the string under its annotation)."""
        docs: dict[str, str] = {}
        for klass in reversed(self.kind.resource.__mro__):
            if issubclass(klass, GpuResource):
                docs.update(attribute_docs(klass))
        return docs

    @cached_property
    def secrets(self) -> frozenset[str]:
        """Properties kept secret: secret inputs, secret outputs, what a run printed."""
        provider = self.kind.provider
        return self.kind.inputs.secret_fields() | provider.secret_outputs | provider.log_outputs

    @cached_property
    def shape(self) -> Shape:
        """The shape of the resource's state: inputs, outputs and the core's own keys."""
        defs = self.inputs_schema.get("$defs", {})
        fields = {k: LEAF for k in CORE_KEYS if k != PROVIDER_KEY}
        fields.update({k: LEAF for k in STATUS_FIELDS})
        fields.update({k: shape_of(node, {}) for k, node in self.outputs.items()})
        fields.update(
            {k: shape_of(node, defs) for k, node in self.inputs_schema["properties"].items()}
        )
        return Shape(fields=fields)


@cache
def package_kinds() -> dict[str, PackageKind]:
    """Token -> resource, for every kind."""
    found: dict[str, PackageKind] = {}
    for kind in KINDS:
        token = token_of(kind.resource)
        assert token not in found, f"two kinds have the token {token}"
        found[token] = PackageKind(kind, token)
    return found


def attribute_docs(klass: type) -> dict[str, str]:
    """The docstrings of a class's annotated attributes (a string right under one)."""
    try:
        source = textwrap.dedent(inspect.getsource(klass))
    except (OSError, TypeError):
        return {}
    (tree,) = ast.parse(source).body
    assert isinstance(tree, ast.ClassDef)
    docs: dict[str, str] = {}
    for before, after in zip(tree.body, tree.body[1:], strict=False):
        if (
            isinstance(before, ast.AnnAssign)
            and isinstance(before.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[before.target.id] = inspect.cleandoc(after.value.value)
    return docs
