"""Celium inputs: mistakes caught at preview, and the executor diff policy."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_gpu.celium.pod import ExecutorSelector, PodInputs, PodProvider
from pulumi_gpu.celium.template import TemplateProvider
from pulumi_gpu.celium.volume import VolumeProvider
from pulumi_gpu.core.inputs import PROVIDER_KEY
from tests.support.checks import by_field

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
POD = {
    "name": "p",
    "template_id": "t-1",
    "ssh_public_keys": [KEY],
    "selector": {"gpu_model": "A100"},
}
TEMPLATE = {"name": "t", "docker_image": "pytorch/pytorch"}


def failures(provider: Any, news: dict[str, Any]) -> dict[str, str]:
    result = provider.check({}, {**news, PROVIDER_KEY: "p"})
    return by_field(result.failures)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"docker_image": ""}, "docker_image", "must not be empty"),
        ({"docker_image": "ubuntu:22.04"}, "docker_image", "docker_image_tag"),
        ({"docker_image": "Not An Image"}, "docker_image", "not an image repository"),
        ({"internal_ports": [22, 70000]}, "internal_ports", "between 1 and 65535"),
        ({"internal_ports": [22, 22]}, "internal_ports", "unique"),
        ({"internal_ports": [22, "http"]}, "internal_ports[1]", "valid integer"),
        ({"environment": {"1BAD": "x"}}, "environment", "[A-Za-z_]"),
        ({"volumes": ["data"]}, "volumes", "absolute"),
        ({"category": "WINDOWS"}, "category", "'UBUNTU'"),
        ({"docker_image_digest": "abc"}, "docker_image_digest", "sha256"),
        ({"wait_timeout": -1}, "wait_timeout", "greater than 0"),
        ({"dockerimage": "x"}, "dockerimage", "did you mean 'docker_image'"),
        ({"docker_image": "alpine"}, "docker_image", "not Debian/Ubuntu-based (alpine)"),
        ({"docker_image": "quay.io/centos/centos"}, "docker_image", "Debian/Ubuntu-based (centos)"),
        ({"docker_image_tag": "3.12-alpine"}, "docker_image_tag", "Debian/Ubuntu-based (alpine)"),
    ],
)
def test_template_mistakes(change: dict[str, Any], field: str, words: str) -> None:
    found = failures(TemplateProvider(), {**TEMPLATE, **change})
    assert field in found, found
    assert words in found[field]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"ssh_public_keys": []}, "ssh_public_keys", "at least 1"),
        ({"ssh_public_keys": ["hello"]}, "ssh_public_keys", "not an OpenSSH public key"),
        ({"selector": {"max_price_per_hour": -2}}, "selector.max_price_per_hour", "greater than 0"),
        ({"selector": {"gpu_count": 0}}, "selector.gpu_count", "greater than or equal to 1"),
        ({"selector": {"gpu_cuont": 8}}, "selector.gpu_cuont", "did you mean 'gpu_count'"),
        ({"executor_id": "e-1"}, "celium Pod", "exactly one of executor_id and selector"),
        ({"selector": None}, "celium Pod", "exactly one of executor_id and selector"),
    ],
)
def test_pod_mistakes(change: dict[str, Any], field: str, words: str) -> None:
    found = failures(PodProvider(), {**POD, **change})
    assert field in found, found
    assert words in found[field]


IMAGE_POD = {**POD, "template_id": None, "image": "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"}


@pytest.mark.parametrize(
    ("image", "words"),
    [
        ("pytorch/pytorch", "give the image's tag, as 'repository:tag'"),
        ("localhost:5000/team/trainer", "'localhost:5000/team/trainer:latest' is what this meant"),
        ("alpine:3.20", "'alpine:3.20' is not Debian/Ubuntu-based (alpine)"),
        ("python:3.12-alpine", "'python:3.12-alpine' is not Debian/Ubuntu-based (alpine)"),
        ("fedora:40", "is not Debian/Ubuntu-based (fedora)"),
        ("vllm/vllm-openai:v0.6.3@sha256:ab", "its tag: String should match pattern"),
    ],
)
def test_an_image_celium_cannot_run_is_refused_naming_image(image: str, words: str) -> None:
    found = failures(PodProvider(), {**IMAGE_POD, "image": image})
    assert found.keys() == {"image"}, found
    assert words in found["image"]


def test_writing_latest_for_an_image_without_a_tag_changes_nothing() -> None:
    """Tags became required: the program a user fixes must not replace what runs."""
    old = {**RENTED, "template_id": None, "image": "pytorch/pytorch"}
    provider = PodProvider()
    latest = {**IMAGE_POD, "image": "pytorch/pytorch:latest"}
    assert provider.diff("p", old, latest).changes is False
    assert provider.diff("p", old, IMAGE_POD).replaces == ["image"]


def test_volume_needs_a_name() -> None:
    assert "name" in failures(VolumeProvider(), {"name": ""})


RENTED = {
    **POD,
    "rented_executor_id": "e-1",
    "gpu_name": "NVIDIA A100-SXM4-80GB",
    "gpu_count": 8,
    "cost_per_hour": 9.6,
    "location": {"country": "Germany", "country_code": "DE", "city": "Frankfurt"},
}


@pytest.mark.parametrize(
    ("selector", "replaces"),
    [
        ({"gpu_model": "a100", "gpu_count": 8}, False),
        ({"gpu_model": "A100", "max_price_per_hour": 10, "location": "de"}, False),
        ({"location": "Frankfurt"}, False),
        ({"gpu_model": "H100"}, True),
        ({"gpu_model": "A100", "gpu_count": 4}, True),
        ({"gpu_model": "A100", "max_price_per_hour": 9}, True),
        ({"location": "US"}, True),
    ],
)
def test_a_selector_the_rented_machine_still_meets_changes_nothing(
    selector: dict[str, Any], replaces: bool
) -> None:
    result = PodProvider().diff("pod-1", RENTED, {**POD, "selector": selector})
    assert result.changes is replaces
    assert result.replaces == (["selector"] if replaces else [])


def test_pinning_the_rented_executor_changes_nothing() -> None:
    news = {**POD, "selector": None, "executor_id": "e-1"}
    del news["selector"]
    assert PodProvider().diff("pod-1", RENTED, news).changes is False
    news["executor_id"] = "e-2"
    assert "executor_id" in PodProvider().diff("pod-1", RENTED, news).replaces


def test_rename_is_in_place_and_keys_replace() -> None:
    provider = PodProvider()
    assert provider.diff("p", RENTED, {**POD, "name": "q"}).replaces == []
    changed = {**POD, "ssh_public_keys": [KEY + "2"]}
    assert provider.diff("p", RENTED, changed).replaces == ["ssh_public_keys"]


def test_selector_matching() -> None:
    selector = ExecutorSelector(gpu_model="4090", gpu_count=2, max_price_per_hour=1.0)
    assert selector.matches("NVIDIA GeForce RTX 4090", 2, 0.7, {})
    assert not selector.matches("NVIDIA GeForce RTX 4090", 2, 1.2, {})
    assert not selector.matches("NVIDIA GeForce RTX 3090", 2, 0.4, {})
    secure = ExecutorSelector(gpu_model="4090", tier="secure")
    assert secure.matches("NVIDIA GeForce RTX 4090", 1, 0.4, {}, "secure")
    assert not secure.matches("NVIDIA GeForce RTX 4090", 1, 0.4, {}, "spot")
    assert not secure.matches("NVIDIA GeForce RTX 4090", 1, 0.4, {}), "tier unknown"
    assert selector.matches("NVIDIA GeForce RTX 4090", 2, 0.7, {}, "spot"), "either"
    with pytest.raises(ValidationError, match="'secure' or 'spot'"):
        ExecutorSelector(tier="preemptible")


def test_time_limits_are_checked_and_normalized() -> None:
    both = {**POD, "max_duration": "8h", "remove_at": "2030-01-01T00:00:00Z"}
    assert "give max_duration or remove_at, not both" in str(failures(PodProvider(), both))
    assert (
        "time zone"
        in failures(PodProvider(), {**POD, "remove_at": "2030-01-01T10:00:00"})["remove_at"]
    )
    assert (
        "greater than or equal to 60"
        in failures(PodProvider(), {**POD, "max_duration": 5})["max_duration"]
    )
    inputs = PodInputs.model_validate({**POD, "remove_at": "2030-01-01T10:00:00+01:00"})
    assert inputs.remove_at == "2030-01-01T09:00:00Z"
    assert inputs.removal_at(0) == 1893488400.0
    eight_hours = PodInputs.model_validate({**POD, "max_duration": "8h"})
    assert eight_hours.removal_at(1000.0) == 1000.0 + 8 * 3600


def test_a_removal_time_in_the_past_is_refused_at_preview() -> None:
    found = failures(PodProvider(), {**POD, "remove_at": "2020-01-01T00:00:00Z"})
    assert "is not in the future" in found["remove_at"]


def test_an_image_without_a_tag_the_state_holds_is_kept_with_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """0.2.0 took an image without its tag (as ':latest'): an unchanged program still
    previews, and its state still reads, with a deprecation warning until 0.3.0."""
    untagged = {**IMAGE_POD, "image": "pytorch/pytorch"}
    old = {**RENTED, "template_id": None, "image": "pytorch/pytorch"}
    assert PodInputs.model_validate(
        {k: v for k, v in untagged.items() if k in PodInputs.model_fields}
    )
    assert PodProvider().check(old, untagged).failures == []
    assert "image 'pytorch/pytorch' has no tag and reads as 'pytorch/pytorch:latest'" in (
        capsys.readouterr().err
    )
    assert failures(PodProvider(), untagged).keys() == {"image"}, "a new one is refused"
