"""The package's functions (invokes): the lookups Python programs call, by token.

Each lookup (``core.lookup``) of the market and of the clouds' ``lookups`` modules is a
function ``pulumi-gpu:<module>:get<Noun>``: its module is its cloud, ``index`` for the
market's, which spans the clouds (``runpod.get_gpu_types`` ->
``pulumi-gpu:runpod:getGpuTypes``, ``pulumi_gpu.offers`` -> ``pulumi-gpu:index:getOffers``).
Its inputs and outputs are read from the annotations ``validate_call`` checks it by, so
the schema, the renaming and the checks never disagree:

- inputs: the parameters, as pydantic's JSON Schema of the function's arguments;
- outputs: a model's fields, for a lookup that answers one model
  (``gpudev.get_cluster_status``); else the answer under the function's noun
  (``get_pods`` -> ``pods``), beside the annotated attributes of its class
  (``Offers.skipped``).

:func:`invoke` calls the lookup as a program does: it reads the provider's configuration
(``settings``) as the resources do. Bad arguments come back as failures naming them in
camelCase; a cloud's refusal is raised, as for a resource.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any, cast, get_origin, get_type_hints

from pulumi.dynamic import CheckFailure
from pydantic import BaseModel, Field, TypeAdapter, create_model

from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.lookup import LOOKUPS, LookupFailed
from pulumi_gpu.market.offers import CLOUDS
from pulumi_gpu.plugin.kinds import MODULES, PACKAGE, attribute_docs
from pulumi_gpu.plugin.names import Shape, from_engine, pascal, shape_of, to_engine
from pulumi_gpu.plugin.resources import Props, engine_path

LOOKUP_MODULES = ("pulumi_gpu.market.offers", *(f"pulumi_gpu.{c}.lookups" for c in CLOUDS))
"""Where the package's lookups are."""


@dataclass(frozen=True)
class PackageFunction:
    """One function of the package: a lookup, seen from the plugin."""

    lookup: Callable[..., Any]
    """The lookup as programs call it (arguments checked, failures as ``LookupFailed``)."""

    @property
    def noun(self) -> str:
        """What it answers, in Python: ``get_gpu_types`` -> ``gpu_types``."""
        return self.lookup.__name__.removeprefix("get_")

    @property
    def module(self) -> str:
        package = self.lookup.__module__.split(".")[1]
        return MODULES.get(package, package)

    @property
    def name(self) -> str:
        return "get" + pascal(self.noun)

    @property
    def token(self) -> str:
        return f"{PACKAGE}:{self.module}:{self.name}"

    @cached_property
    def inputs_schema(self) -> dict[str, Any]:
        """The JSON Schema of the arguments (its ``$defs`` inline)."""
        return TypeAdapter(inspect.unwrap(self.lookup)).json_schema()

    @cached_property
    def result(self) -> type[BaseModel]:
        """The outputs as a model (see the module's doc)."""
        answer: Any = get_type_hints(self.lookup)["return"]
        if get_origin(answer) is None and issubclass(answer, BaseModel):
            return cast(type[BaseModel], answer)
        fields: dict[str, Any] = {self.noun: (_stored(answer), ...)}
        if get_origin(answer) is None:
            docs = attribute_docs(answer)
            for name, annotation in get_type_hints(answer).items():
                fields[name] = (annotation, Field(description=docs.get(name)))
        return create_model(pascal(self.name) + "Result", **fields)

    @cached_property
    def outputs_schema(self) -> dict[str, Any]:
        return self.result.model_json_schema(mode="serialization", by_alias=False)

    @cached_property
    def input_shape(self) -> Shape:
        return shape_of(self.inputs_schema, self.inputs_schema.get("$defs", {}))

    @cached_property
    def output_shape(self) -> Shape:
        return shape_of(self.outputs_schema, self.outputs_schema.get("$defs", {}))

    def call(self, args: dict[str, Any]) -> dict[str, Any]:
        """The lookup's answer to ``args``, both in camelCase."""
        found = self.lookup(**from_engine(self.input_shape, args))
        if not isinstance(found, self.result):
            names = self.result.model_fields
            found = self.result.model_validate(
                {k: found if k == self.noun else getattr(found, k) for k in names}
            )
        return dict(to_engine(self.output_shape, found.model_dump(mode="json")))


def _stored(answer: Any) -> Any:
    """The type an answer is kept as: a list class's own list type (``Offers`` ->
    ``list[Offer]``), any other type itself."""
    if get_origin(answer) is None and issubclass(answer, list):
        (base,) = (b for b in answer.__orig_bases__ if get_origin(b) is list)
        return base
    return answer


@cache
def package_functions() -> dict[str, PackageFunction]:
    """Token -> function, for every lookup."""
    for module in LOOKUP_MODULES:
        importlib.import_module(module)
    found: dict[str, PackageFunction] = {}
    for lookup in LOOKUPS:
        if lookup.__module__ in LOOKUP_MODULES:
            function = PackageFunction(lookup)
            assert function.token not in found, f"two lookups are {function.token}"
            found[function.token] = function
    return dict(sorted(found.items()))


def invoke(token: str, args: Props) -> tuple[Props, list[CheckFailure]]:
    """(the function's answer, the arguments' mistakes): an answer to secret arguments is
    secret."""
    function = package_functions().get(token)
    if function is None:
        raise GpuCloudError(f"pulumi-gpu has no function {token}")
    try:
        values = function.call(args.values)
    except LookupFailed as exc:
        if not exc.mistakes:
            raise
        shape = function.input_shape
        return Props({}), [CheckFailure(engine_path(shape, p), why) for p, why in exc.mistakes]
    return Props(values, frozenset(values) if args.secret else frozenset()), []
