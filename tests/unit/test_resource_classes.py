"""Every resource class mirrors its inputs model, so the two cannot drift apart."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Literal, get_args, get_origin, get_type_hints, is_typeddict

import pulumi
import pytest
from pydantic import BaseModel

import pulumi_gpu
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource


def resource_classes() -> list[type[GpuResource]]:
    for module in pkgutil.walk_packages(pulumi_gpu.__path__, "pulumi_gpu."):
        if ".emulator" not in module.name:
            importlib.import_module(module.name)
    found: list[type[GpuResource]] = []
    pending = list(GpuResource.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls._resource_type_name != "dynamic:Resource":  # not a base such as Machine
            found.append(cls)
        pending += cls.__subclasses__()
    return sorted(found, key=lambda c: c._resource_type_name)


def provider_of(cls: type[GpuResource]) -> type[GpuProvider[Any, Any]]:
    """By convention the provider of resource X is XProvider, in the same module."""
    provider = getattr(inspect.getmodule(cls), f"{cls.__name__}Provider", None)
    assert provider is not None, f"{cls.__module__} has no {cls.__name__}Provider"
    return provider  # type: ignore[no-any-return]


CLASSES = resource_classes()


def test_every_cloud_package_has_resources() -> None:
    assert CLASSES, "no resource classes found"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c._resource_type_name)
def test_constructor_keywords_are_the_input_fields(cls: type[GpuResource]) -> None:
    model = provider_of(cls).inputs_model
    parameters = inspect.signature(cls.__init__).parameters
    keywords = {n for n, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keywords - {"opts"} == set(model.model_fields) | set(model.renamed)
    assert "opts" in keywords


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c._resource_type_name)
def test_type_token_and_documentation(cls: type[GpuResource]) -> None:
    module = cls.__module__.split(".")[1]
    assert cls._resource_type_name == f"dynamic/{module}:{cls.__name__}"
    assert cls.__doc__ and "Example" in cls.__doc__
    model = provider_of(cls).inputs_model
    undocumented = [n for n, f in model.model_fields.items() if not f.description]
    assert undocumented == [], f"{model.__name__} fields without a description"


def _hints(obj: Any) -> dict[str, Any]:
    """Annotations evaluated (``pulumi.Input`` holds the forward reference "Output[T]")."""
    return get_type_hints(obj, localns={"Output": pulumi.Output, "T": pulumi.output.T})


def _closed_sets(annotation: Any) -> set[frozenset[Any]]:
    """Every ``Literal``'s values within a type (Optional, lists, ``pulumi.Input`` ...)."""
    if get_origin(annotation) is Literal:
        return {frozenset(get_args(annotation))}
    return {found for arg in get_args(annotation) for found in _closed_sets(arg)}


def _nested(annotation: Any) -> type | None:
    """The model or TypedDict a type holds, if any (a nested dict input)."""
    if isinstance(annotation, type) and (
        issubclass(annotation, BaseModel) or is_typeddict(annotation)
    ):
        return annotation
    return next((n for a in get_args(annotation) if (n := _nested(a)) is not None), None)


def _same_shape(where: str, model_type: Any, keyword_type: Any) -> None:
    """A model's field and the constructor's keyword close the same sets; a nested model's
    keyword form is a TypedDict with its fields (the required ones required)."""
    assert _closed_sets(keyword_type) == _closed_sets(model_type), where
    model = _nested(model_type)
    if model is None:
        return
    args = _nested(keyword_type)
    assert args is not None and is_typeddict(args), f"{where}: a TypedDict, not {keyword_type}"
    assert issubclass(model, BaseModel)
    fields = model.model_fields
    assert set(_hints(args)) == set(fields), where
    required = {n for n, f in fields.items() if f.is_required()}
    assert args.__required_keys__ == required, where  # type: ignore[attr-defined]
    for name, hint in _hints(args).items():
        _same_shape(f"{where}.{name}", fields[name].annotation, hint)
        takes_none = _takes_none(fields[name].annotation)
        assert _takes_none(hint) == takes_none, f"{where}.{name}: None {takes_none}"


def _takes_none(annotation: Any) -> bool:
    return annotation is None or annotation is type(None) or type(None) in get_args(annotation)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c._resource_type_name)
def test_constructor_types_close_the_sets_the_model_closes(cls: type[GpuResource]) -> None:
    """Literal for every closed set and a TypedDict for every nested model, as the model
    has them, so mypy flags what the model would refuse (tests/unit/test_public_types.py)."""
    model = provider_of(cls).inputs_model
    hints = _hints(cls.__init__)
    for name, field in model.model_fields.items():
        _same_shape(f"{cls.__name__}.{name}", field.annotation, hints[name])


def test_lookups_close_the_sets_their_queries_close() -> None:
    """Lookups filtering like a resource's inputs take the same closed sets."""
    from pulumi_gpu import celium, primeintellect

    for lookup_function, query in (
        (primeintellect.get_availability, primeintellect.OfferQuery),
        (celium.get_executors, celium.ExecutorSelector),
    ):
        hints = _hints(lookup_function)
        for name, hint in hints.items():
            if name in query.model_fields:
                _same_shape(f"{query.__name__}.{name}", query.model_fields[name].annotation, hint)
