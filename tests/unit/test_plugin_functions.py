"""The package's functions (``plugin.functions``) and their schema: every lookup is one,
its inputs and outputs read from the annotations its arguments are checked by."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

from pulumi_gpu.core.lookup import LOOKUPS
from pulumi_gpu.plugin.functions import LOOKUP_MODULES, package_functions
from pulumi_gpu.plugin.names import camel
from pulumi_gpu.plugin.schema import package_schema


@pytest.fixture(scope="module")
def functions() -> dict[str, Any]:
    found: dict[str, Any] = package_schema()["functions"]
    return found


def test_every_lookup_is_a_function_of_its_cloud_or_the_index(functions: dict[str, Any]) -> None:
    lookups = [
        value
        for name in LOOKUP_MODULES
        for value in vars(importlib.import_module(name)).values()
        if value in LOOKUPS
    ]
    assert len(functions) == len(lookups) == 18
    assert {f.lookup for f in package_functions().values()} == set(lookups)
    assert {
        "pulumi-gpu:index:getOffers",
        "pulumi-gpu:runpod:getGpuTypes",
        "pulumi-gpu:primeintellect:getAvailability",
        "pulumi-gpu:gpudev:getClusterStatus",
        "pulumi-gpu:celium:getExecutors",
    } <= set(functions)
    for token, function in package_functions().items():
        parameters = inspect.signature(function.lookup).parameters
        inputs = functions[token].get("inputs", {}).get("properties", {})
        assert set(inputs) == {camel(p) for p in parameters}, token
        assert "Example::" not in functions[token]["description"]


def test_inputs_say_types_defaults_and_what_is_required(functions: dict[str, Any]) -> None:
    logs = functions["pulumi-gpu:runpod:getPodLogs"]["inputs"]
    assert logs["required"] == ["podId"]
    assert logs["properties"]["tail"] == {"type": "integer", "default": 100}
    assert logs["properties"]["source"]["$ref"] == "#/types/pulumi-gpu:runpod:GetPodLogsSource"
    offers = functions["pulumi-gpu:index:getOffers"]["inputs"]["properties"]
    assert offers["clouds"]["items"] == {"$ref": "#/types/pulumi-gpu:index:GetOffersClouds"}
    assert offers["maxPricePerHour"] == {"type": "number"}
    assert "inputs" not in functions["pulumi-gpu:runpod:getPods"], "no arguments"
    described = functions["pulumi-gpu:runpod:getGpuTypes"]["description"]
    assert "`minMemoryGb`" in described and "min_memory_gb" not in described


def test_outputs_are_a_models_fields_or_the_answer_under_its_noun(
    functions: dict[str, Any],
) -> None:
    offers = functions["pulumi-gpu:index:getOffers"]["outputs"]
    assert offers["properties"]["offers"]["items"] == {"$ref": "#/types/pulumi-gpu:index:Offer"}
    assert offers["properties"]["skipped"]["description"].startswith("Cloud -> why")
    assert offers["required"] == ["offers", "skipped"]
    status = functions["pulumi-gpu:gpudev:getClusterStatus"]["outputs"]["properties"]
    assert {"totalGpus", "byGpuType"} <= set(status) and "default" not in status["totalGpus"]
    pods = functions["pulumi-gpu:celium:getPods"]["outputs"]["properties"]["pods"]
    assert pods["items"] == {"$ref": "#/types/pulumi-gpu:celium:AccountPod"}
    offer = package_schema()["types"]["pulumi-gpu:index:Offer"]["properties"]
    assert offer["cloud"] == {"type": "string"}, "an answer's closed set is text"
    assert offer["pricePerHour"]["description"].startswith("USD per hour")
