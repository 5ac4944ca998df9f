"""The package schema of the provider plugin (``pulumi_gpu.plugin.schema``), its values
(``plugin.values``) and its configuration (``plugin.settings``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.output import Unknown

from pulumi_gpu.core.config import setting_keys
from pulumi_gpu.fleet.kinds import KINDS
from pulumi_gpu.plugin.kinds import package_kinds, token_of
from pulumi_gpu.plugin.names import camel
from pulumi_gpu.plugin.schema import SCHEMA_FILE, package_schema, schema_text
from pulumi_gpu.plugin.settings import STACK_ID, check_config
from pulumi_gpu.plugin.values import marshal, unmarshal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return package_schema()


def test_checked_in_schema_is_current() -> None:
    checked_in = (ROOT / SCHEMA_FILE).read_text()
    assert checked_in == schema_text(), (
        "run `python -m pulumi_gpu.plugin.schema` to regenerate " + SCHEMA_FILE
    )


def test_every_kind_is_a_resource_with_its_inputs_in_camelcase(schema: dict[str, Any]) -> None:
    assert set(schema["resources"]) == {token_of(k.resource) for k in KINDS}
    for kind in KINDS:
        resource = schema["resources"][token_of(kind.resource)]
        assert set(resource["inputProperties"]) == {camel(f) for f in kind.inputs.model_fields}
        assert set(resource["inputProperties"]) <= set(resource["properties"])
        assert {"status", "cloudStatus", "account"} <= set(resource["required"])
        assert "name" not in resource.get("requiredInputs", []), "a name is proposed"
        for name in kind.resource.output_names():
            assert camel(name) in resource["properties"], (kind.title, name)
        assert "Example::" not in resource["description"]


def test_secrets_replacements_enums_and_defaults_come_from_the_models(
    schema: dict[str, Any],
) -> None:
    pod = schema["resources"]["pulumi-gpu:runpod:Pod"]
    inputs = pod["inputProperties"]
    assert inputs["env"]["secret"] is True and pod["properties"]["env"]["secret"] is True
    assert inputs["env"]["additionalProperties"] == {"type": "string"}
    assert pod["properties"]["jupyterPassword"]["secret"] is True, "a secret output"
    assert inputs["gpuType"]["willReplaceOnChanges"] is True
    assert "willReplaceOnChanges" not in inputs["desiredStatus"], "stopped in place"
    assert "willReplaceOnChanges" not in pod["properties"]["gpuType"], "inputs only"
    assert inputs["cloudType"]["$ref"] == "#/types/pulumi-gpu:runpod:PodCloudType"
    assert inputs["cloudType"]["default"] == "SECURE"
    assert schema["types"]["pulumi-gpu:runpod:PodCloudType"] == {
        "type": "string",
        "enum": [{"value": "SECURE"}, {"value": "COMMUNITY"}],
    }
    assert "camelCase" not in inputs["gpuType"]["description"]
    assert "cpuFlavor" in inputs["gpuType"]["description"], "property names as the program writes"
    registry = schema["resources"]["pulumi-gpu:runpod:RegistryAuth"]["inputProperties"]
    assert registry["password"]["secret"] is True
    job = schema["resources"]["pulumi-gpu:runpod:Job"]["properties"]
    assert job["logTail"]["secret"] is True, "what a run printed"
    selector = schema["resources"]["pulumi-gpu:celium:Pod"]["inputProperties"]["selector"]
    assert selector["$ref"] == "#/types/pulumi-gpu:celium:ExecutorSelector"
    nested = schema["types"]["pulumi-gpu:celium:ExecutorSelector"]["properties"]
    assert {"gpuModel", "gpuCount", "maxPricePerHour"} <= set(nested)
    duration = schema["resources"]["pulumi-gpu:runpod:Job"]["inputProperties"]["maxDuration"]
    assert duration["oneOf"] == [{"type": "integer"}, {"type": "string"}]


def test_the_configuration_is_the_settings_table(schema: dict[str, Any]) -> None:
    variables = schema["config"]["variables"]
    assert set(variables) == setting_keys()
    assert schema["provider"]["inputProperties"] == variables
    assert variables["runpodApiKey"]["secret"] is True
    assert variables["runpodApiKey"]["defaultInfo"] == {"environment": ["RUNPOD_API_KEY"]}
    assert "secret" not in variables["runpodEndpoint"]
    assert variables["celiumEndpoint"]["default"] == "https://lium.io/api"


def test_values_keep_secrets_and_unknowns_both_ways() -> None:
    struct = marshal(
        {"env": {"A": "1"}, "name": "n", "id": Unknown(), "ports": (22, 80)}, secret={"env"}
    )
    values, secret = unmarshal(struct)
    assert secret == {"env"}
    assert values["env"] == {"A": "1"} and values["ports"] == [22, 80]
    assert isinstance(values["id"], Unknown)
    again, secret_again = unmarshal(marshal(values, secret))
    assert secret_again == {"env"} and again["name"] == "n"


def test_a_secret_inside_a_property_makes_the_property_secret() -> None:
    inner = marshal({"token": "t"}, secret={"token"})
    struct = marshal({"name": "n"})
    struct["env"] = inner
    values, secret = unmarshal(struct)
    assert secret == {"env"} and values["env"] == {"token": "t"}


def test_the_provider_keeps_its_stack_identity_and_names_unknown_keys() -> None:
    inputs, warnings = check_config({}, {"runpodApiKey": "k", "version": "0.2.0"})
    stack_id = inputs[STACK_ID]
    assert len(stack_id) == 12 and warnings == []
    kept, _ = check_config(inputs, {"runpodApiKey": "k2"})
    assert kept == {"runpodApiKey": "k2", STACK_ID: stack_id}, "the recorded identity stays"
    _, warnings = check_config(inputs, {"runpodKey": "k"})
    (warning,) = warnings
    assert warning.startswith("pulumi-gpu:runpodKey is not a pulumi-gpu setting")
    assert "did you mean pulumi-gpu:runpodApiKey?" in warning


def test_the_served_schema_holds_the_kinds_known_to_the_plugin() -> None:
    assert set(package_kinds()) == set(json.loads(schema_text())["resources"])
