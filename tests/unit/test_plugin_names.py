"""The provider plugin's names: type tokens from the kinds, camelCase properties and back
(``pulumi_gpu.plugin.kinds``, ``pulumi_gpu.plugin.names``)."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from pulumi_gpu.celium.pod import PodProvider as CeliumPodProvider
from pulumi_gpu.fleet.kinds import KINDS
from pulumi_gpu.market.pod import PodProvider as PlacedPodProvider
from pulumi_gpu.plugin.kinds import package_kinds, token_of
from pulumi_gpu.plugin.names import Shape, camel, from_engine, to_engine
from pulumi_gpu.plugin.resources import Urn, engine_path, engine_text
from pulumi_gpu.runpod.pod import PodProvider as RunpodPodProvider


@pytest.mark.parametrize(
    ("python", "engine"),
    [
        ("gpu_type", "gpuType"),
        ("data_center_ids", "dataCenterIds"),
        ("name", "name"),
        ("min_memory_gb", "minMemoryGb"),
        ("ssh_key_id", "sshKeyId"),
        ("schema_version", "schemaVersion"),
    ],
)
def test_python_names_are_camelcase_for_the_engine(python: str, engine: str) -> None:
    assert camel(python) == engine


def test_every_kind_has_one_token_of_its_cloud_and_the_placed_pod_is_at_the_index() -> None:
    kinds = package_kinds()
    assert len(kinds) == len(KINDS) == len({token_of(k.resource) for k in KINDS})
    assert kinds["pulumi-gpu:index:Pod"].kind.provider is PlacedPodProvider
    assert kinds["pulumi-gpu:runpod:Pod"].kind.provider is RunpodPodProvider
    assert kinds["pulumi-gpu:celium:Pod"].kind.provider is CeliumPodProvider
    for token, kind in kinds.items():
        package, module, name = token.split(":")
        assert package == "pulumi-gpu" and name == kind.kind.resource.__name__
        assert module == ("index" if kind.kind.cloud == "any" else kind.kind.cloud)


@pytest.mark.parametrize("token", sorted(package_kinds()))
def test_each_property_has_one_engine_name_and_comes_back(token: str) -> None:
    shape = package_kinds()[token].shape
    fields = dict(shape.fields or {})
    assert len({camel(name) for name in fields}) == len(fields), "two names meet in camelCase"
    assert set(package_kinds()[token].kind.inputs.model_fields) <= set(fields)
    state = {name: f"value of {name}" for name in fields}
    assert from_engine(shape, to_engine(shape, state)) == state


def test_the_keys_of_user_maps_are_data_and_nested_models_are_renamed() -> None:
    shape = package_kinds()["pulumi-gpu:celium:Pod"].shape
    python = {
        "env": {"HF_TOKEN": "x", "my_var": "y"},
        "ssh_public_keys": ["ssh-ed25519 AAAA k"],
        "selector": {"gpu_model": "A100", "max_price_per_hour": 2.5},
        "wait_timeout": Unknown(),
        "machine": {"cpu_count": 8},
        "not_a_property": {"some_key": 1},
    }
    engine = to_engine(shape, python)
    assert engine["env"] == {"HF_TOKEN": "x", "my_var": "y"}
    assert engine["selector"] == {"gpuModel": "A100", "maxPricePerHour": 2.5}
    assert engine["sshPublicKeys"] == ["ssh-ed25519 AAAA k"]
    assert isinstance(engine["waitTimeout"], Unknown), "unknowns stay unknown"
    assert engine["machine"] == {"cpu_count": 8}, "an opaque record (Any) is data"
    assert engine["not_a_property"] == {"some_key": 1}, "what the shape lacks is left alone"
    assert from_engine(shape, engine) == python


def test_the_placed_pods_requirements_are_a_nested_object() -> None:
    shape = package_kinds()["pulumi-gpu:index:Pod"].shape
    engine = {"gpu": {"model": "H100", "maxPricePerHour": 3, "allowSpot": True}, "diskGb": 50}
    assert from_engine(shape, engine) == {
        "gpu": {"model": "H100", "max_price_per_hour": 3, "allow_spot": True},
        "disk_gb": 50,
    }


def test_a_union_is_walked_by_the_form_of_its_value() -> None:
    inner = Shape(fields={"gpu_model": Shape()})
    shape = Shape(fields={"pick": Shape(options=(inner, Shape(items=inner)))})
    assert to_engine(shape, {"pick": {"gpu_model": "A"}}) == {"pick": {"gpuModel": "A"}}
    assert to_engine(shape, {"pick": [{"gpu_model": "A"}]}) == {"pick": [{"gpuModel": "A"}]}
    assert to_engine(shape, {"pick": "A"}) == {"pick": "A"}


@pytest.mark.parametrize(
    ("path", "engine"),
    [
        ("selector.gpu_model", "selector.gpuModel"),
        ("env.MY_VAR", "env.MY_VAR"),
        ("internal_ports[1]", "internalPorts[1]"),
        ("ssh_public_keys[0]", "sshPublicKeys[0]"),
        ("celium Pod", "celium Pod"),
        ("", ""),
    ],
)
def test_check_failures_name_properties_as_the_program_does(path: str, engine: str) -> None:
    assert engine_path(package_kinds()["pulumi-gpu:celium:Pod"].shape, path) == engine


def test_check_failures_say_property_names_as_the_program_does() -> None:
    shape = package_kinds()["pulumi-gpu:celium:Pod"].shape
    said = engine_text(
        shape,
        "unknown input 'gpu' (did you mean 'gpu_model'?); allowed: gpu_count, gpu_model, tier; "
        "give template_id or image; got 'not_a_property'",
    )
    assert said == (
        "unknown input 'gpu' (did you mean 'gpuModel'?); allowed: gpuCount, gpuModel, tier; "
        "give templateId or image; got 'not_a_property'"
    )


def test_urns_give_the_stack_project_type_and_name() -> None:
    urn = Urn.parse("urn:pulumi:dev::fleet::my:Component$pulumi-gpu:runpod:Pod::a::b")
    assert (urn.stack, urn.project, urn.name) == ("dev", "fleet", "a::b")
    assert urn.type == "pulumi-gpu:runpod:Pod"
    assert urn.qualified_type == "my:Component$pulumi-gpu:runpod:Pod"
