"""The Pulumi package schema of pulumi-gpu, generated from the kinds' input models.

The same models give the fleet's JSON Schema (``fleet.schema``): one source of truth.
Each kind is a resource ``pulumi-gpu:<module>:<Kind>`` (see ``kinds``) whose
``inputProperties`` are its inputs (camelCase, with their descriptions, defaults, enums
and which are secret) and whose ``properties`` are its inputs and the outputs its
resource class declares. A nested model is an object type of its module
(``pulumi-gpu:celium:ExecutorSelector``); a ``Literal`` is an enum type named after its
kind and field (``pulumi-gpu:runpod:PodCloudType``). An input whose change replaces the
object is marked ``willReplaceOnChanges`` (the provider's diff replaces it; see
:func:`_input_property` for why not ``replaceOnChanges``). Each lookup is a function
(``functions``) whose ``inputs`` are its arguments and ``outputs`` its answer, from its
annotations. The configuration is the ``pulumi-gpu:`` settings table (``core.config``).

``schema/pulumi-gpu.schema.json`` holds it as :func:`schema_text` writes it (a test keeps
it current: ``python -m pulumi_gpu.plugin.schema`` rewrites it); the plugin serves it,
with its version, to ``pulumi package get-schema`` and to every language host.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi_gpu.core.config import settings
from pulumi_gpu.core.inputs import ResourceInputs
from pulumi_gpu.core.provider import STATUS_FIELDS
from pulumi_gpu.fleet.reference import change
from pulumi_gpu.plugin.functions import PackageFunction, package_functions
from pulumi_gpu.plugin.kinds import PACKAGE, PackageKind, package_kinds
from pulumi_gpu.plugin.names import camel, pascal

SCHEMA_FILE = "schema/pulumi-gpu.schema.json"
ANY = {"$ref": "pulumi.json#/Any"}
_PRIMITIVES = ("string", "integer", "number", "boolean")
NODEJS_PACKAGE = "@pulumi-gpu/pulumi-gpu"
GO_MODULE = "github.com/pulumi-gpu/pulumi-gpu/sdk/go"
"""The Go SDK's module (``make sdk-go`` writes its ``go.mod`` in ``sdk/go``)."""
LANGUAGES = {
    "nodejs": {
        "packageName": NODEJS_PACKAGE,
        "packageDescription": "GPU pods, jobs, templates and disks on four GPU clouds.",
        # The SDK's version is the plugin's (`pulumi package gen-sdk` from the plugin)
        "respectSchemaVersion": True,
        # the newest @pulumi/pulumi that runs on Node 20 is 3.248.0
        "dependencies": {"@pulumi/pulumi": "^3.248.0"},
    },
    "go": {
        # its packages: pulumigpu (the provider), pulumigpu/runpod, ...
        "importBasePath": f"{GO_MODULE}/pulumigpu",
        "respectSchemaVersion": True,
    },
}
"""What each language's SDK generator reads from the schema (``language``)."""


def package_schema() -> dict[str, Any]:
    """The package schema as a dict (without a version: the plugin adds its own)."""
    types: dict[str, Any] = {}
    resources = {
        token: _resource(kind, _Types.of_kind(kind, types))
        for token, kind in package_kinds().items()
    }
    functions = {token: _function(f, types) for token, f in package_functions().items()}
    config = _config_variables()
    return {
        "name": PACKAGE,
        "displayName": "pulumi-gpu",
        "description": (
            "GPU pods, jobs, templates and disks on Celium (Lium), RunPod, Prime Intellect "
            "and the GPU Dev API, each waited on until it is usable."
        ),
        "keywords": ["pulumi", "gpu", "celium", "lium", "runpod", "primeintellect", "gpudev"],
        "license": "Apache-2.0",
        "publisher": "pulumi-gpu",
        "meta": {"moduleFormat": "(.*)"},
        "language": LANGUAGES,
        "config": {"variables": config},
        "provider": {
            "description": "The provider of pulumi-gpu: credentials and endpoints of each cloud.",
            "inputProperties": config,
        },
        "resources": resources,
        "functions": functions,
        "types": dict(sorted(types.items())),
    }


def schema_text() -> str:
    """The schema as the text checked in at ``schema/pulumi-gpu.schema.json``."""
    return json.dumps(package_schema(), indent=2) + "\n"


def _config_variables() -> dict[str, Any]:
    """The ``pulumi-gpu:`` settings, as the provider's configuration: every value is
    text (``pulumi config set`` writes text; numbers are read from it)."""
    variables: dict[str, Any] = {}
    for setting in settings():
        spec: dict[str, Any] = {"type": "string"}
        if setting.description:
            spec["description"] = setting.description
        if setting.default is not None:
            spec["default"] = setting.default
        if setting.env:
            spec["defaultInfo"] = {"environment": list(setting.env)}
        if setting.secret:
            spec["secret"] = True
        variables[setting.key] = spec
    return variables


def _resource(kind: PackageKind, types: _Types) -> dict[str, Any]:
    model = kind.kind.inputs
    schema = kind.inputs_schema
    inputs = {
        camel(name): _input_property(model, name, node, kind, types)
        for name, node in schema["properties"].items()
    }
    properties = {key: dict(spec) for key, spec in inputs.items()}
    for name, node in kind.outputs.items():
        key = camel(name)
        spec = types.property(node, kind.name + pascal(name))
        doc = kind.output_docs.get(name)
        if key in properties:  # an input, as the object has it: described as an input
            spec = {**spec, **{k: v for k, v in properties[key].items() if k != "default"}}
        elif doc:
            spec["description"] = types.markdown(doc)
        if name in kind.secrets:
            spec["secret"] = True
        properties[key] = spec
    for prop in properties.values():
        prop.pop("willReplaceOnChanges", None)  # only inputs are replaced
    # A name the program does not give is proposed (as the Python resources do).
    required_inputs = sorted(camel(f) for f in schema.get("required", []) if f != "name")
    return _without_empty(
        {
            "description": types.markdown(_described_by(kind.kind.resource)),
            "properties": properties,
            "required": sorted(camel(f) for f in STATUS_FIELDS),
            "inputProperties": inputs,
            "requiredInputs": required_inputs,
        }
    )


def _without_empty(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without empty lists and texts, as Pulumi writes a schema back."""
    return {k: v for k, v in spec.items() if v not in ([], "")}


def _input_property(
    model: type[ResourceInputs], name: str, node: dict[str, Any], kind: PackageKind, types: _Types
) -> dict[str, Any]:
    """An input: its type, description, default, secrecy and whether a change replaces.

    A replacing input says ``willReplaceOnChanges`` (the provider decides, as its diff
    does), not ``replaceOnChanges``: code generators turn the latter into the resource
    option of that name, which makes the engine replace without asking the provider,
    while the provider's diff is finer: a Celium pod's new ``selector`` that the rented
    machine still satisfies, or a RunPod pod's new ``dataCenterIds`` that still holds its
    data center, changes nothing."""
    spec = types.property(node, kind.name + pascal(name))
    said = [spec.get("description", "")]
    if name == "name":
        said.append(
            "Default: <project>-<stack>-<resource name>-<owner tag>, cut to what the cloud "
            "takes; an object keeps the name it has."
        )
    said.append(f"On change: {types.markdown(change(name, node))}.")  # as the reference says
    spec["description"] = " ".join(s for s in said if s)
    if name in kind.secrets:
        spec["secret"] = True
    if name in model.replace_fields():
        spec["willReplaceOnChanges"] = True
    return spec


def _function(function: PackageFunction, types: dict[str, Any]) -> dict[str, Any]:
    """A function: its description, its arguments (``inputs``) and ``outputs``."""
    names = {*(function.input_shape.fields or {}), *(function.output_shape.fields or {})}
    inputs = _Types(function.module, function.inputs_schema.get("$defs", {}), names, types)
    # An answer's closed sets are text: a value read from it may feed any input (Pulumi
    # YAML assigns a string to an enum, never one enum type to another).
    outputs = _Types(
        function.module, function.outputs_schema.get("$defs", {}), names, types, enums=False
    )
    hint = pascal(function.name)  # of its enum types: GetGpuTypesCloud
    arguments = inputs.fields(function.inputs_schema, hint)
    results = outputs.fields(function.outputs_schema, hint)
    for spec in results["properties"].values():
        spec.pop("default", None)  # an answer has no default
    return _without_empty(
        {
            "description": inputs.markdown(_described_by(function.lookup)),
            "inputs": {"type": "object", **arguments} if arguments["properties"] else [],
            "outputs": {"type": "object", **results},
        }
    )


def _described_by(documented: object) -> str:
    """A class's or function's docstring, without its Python example."""
    doc = (documented.__doc__ or "").split("Example::")[0]
    lines = doc.strip().splitlines()
    return "\n".join(
        [lines[0], *(line[4:] if line.startswith("    ") else line for line in lines[1:])]
    ).strip()


class _Types:
    """Type references of the properties of one module's resource or function, with the
    object and enum types they name (from ``defs``, a JSON Schema's ``$defs``) added to
    the package's ``types``; ``names``: its Python property names (for descriptions);
    without ``enums``, a closed set is its values' primitive type."""

    def __init__(
        self,
        module: str,
        defs: Mapping[str, Any],
        names: set[str],
        types: dict[str, Any],
        *,
        enums: bool = True,
    ) -> None:
        self._module = module
        self._types = types
        self._defs = defs
        self._names = names
        self._enums = enums

    @classmethod
    def of_kind(cls, kind: PackageKind, types: dict[str, Any]) -> _Types:
        defs = kind.inputs_schema.get("$defs", {})
        return cls(kind.module, defs, set(kind.shape.fields or {}), types)

    def property(self, node: Mapping[str, Any], hint: str) -> dict[str, Any]:
        """A property: its type, description and default (where Pulumi can say it)."""
        spec = self.type(node, hint)
        description = node.get("description") or self._described(node)
        if description:
            spec["description"] = self.markdown(description)
        default = node.get("default")
        if isinstance(default, (str, int, float, bool)):
            spec["default"] = default
        return spec

    def type(self, node: Any, hint: str) -> dict[str, Any]:
        """The Pulumi type of a JSON Schema node (``hint``: the name of an enum type it
        holds, e.g. ``PodCloudType``)."""
        if not isinstance(node, Mapping):
            return dict(ANY)
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self._object(ref.rsplit("/", 1)[-1])
        options = [o for o in node.get("anyOf") or node.get("oneOf") or [] if o != {"type": "null"}]
        if options:
            found: list[dict[str, Any]] = []
            for option in options:
                spec = self.type(option, hint)
                if spec not in found:
                    found.append(spec)
            return found[0] if len(found) == 1 else {"oneOf": found}
        if "enum" in node or "const" in node:
            return self._enum(node, hint)
        kind = node.get("type")
        if kind in _PRIMITIVES:
            return {"type": kind}
        if kind == "array":
            return {"type": "array", "items": self.type(node.get("items"), hint)}
        if kind == "object":
            return {
                "type": "object",
                "additionalProperties": self.type(node.get("additionalProperties"), hint),
            }
        return dict(ANY)

    def fields(self, node: Mapping[str, Any], hint: str) -> dict[str, Any]:
        """An object node's ``properties`` and ``required`` (``hint``: its name)."""
        return _without_empty(
            {
                "properties": {
                    camel(field): self.property(sub, hint + pascal(field))
                    for field, sub in node.get("properties", {}).items()
                },
                "required": sorted(camel(f) for f in node.get("required", [])),
            }
        )

    def _object(self, name: str) -> dict[str, Any]:
        token = f"{PACKAGE}:{self._module}:{name}"
        node = self._defs[name]
        spec = _without_empty(
            {
                "type": "object",
                "description": self.markdown(node.get("description", "")),
                **self.fields(node, name),
            }
        )
        self._define(token, spec)
        return {"$ref": f"#/types/{token}"}

    def _enum(self, node: Mapping[str, Any], hint: str) -> dict[str, Any]:
        values = list(node["enum"]) if "enum" in node else [node["const"]]
        kind = {str: "string", int: "integer", float: "number", bool: "boolean"}[type(values[0])]
        if not self._enums:
            return {"type": kind}
        token = f"{PACKAGE}:{self._module}:{hint}"
        self._define(token, {"type": kind, "enum": [{"value": v} for v in values]})
        return {"$ref": f"#/types/{token}"}

    def _define(self, token: str, spec: dict[str, Any]) -> None:
        known = self._types.setdefault(token, spec)
        assert known == spec, f"two different types are named {token}"

    def _described(self, node: Mapping[str, Any]) -> str | None:
        """The description of the model an optional ``$ref`` names."""
        for option in node.get("anyOf") or []:
            ref = option.get("$ref") if isinstance(option, Mapping) else None
            if isinstance(ref, str):
                found = self._defs[ref.rsplit("/", 1)[-1]].get("description")
                return str(found) if found else None
        return None

    def markdown(self, text: str) -> str:
        """A docstring as Markdown, with the kind's Python property names in camelCase."""
        text = re.sub(r":\w+:`~?(?:[\w.]+\.)?(\w+)`", r"`\1`", text).replace("``", "`")
        return re.sub(
            r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
            lambda m: camel(m.group(0)) if m.group(0) in self._names else m.group(0),
            text,
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m pulumi_gpu.plugin.schema [-o PATH]``: write the schema (default: the
    repository's ``schema/pulumi-gpu.schema.json``)."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_gpu.plugin.schema",
        description="Write the Pulumi package schema of the provider plugin.",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path(__file__).resolve().parents[2] / SCHEMA_FILE,
        help="where to write it (default: the checkout's %(default)s)",
    )
    path: Path = parser.parse_args(argv).output
    path.write_text(schema_text())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
