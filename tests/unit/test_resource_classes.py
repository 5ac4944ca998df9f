"""Every resource class mirrors its inputs model, so the two cannot drift apart."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest

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
