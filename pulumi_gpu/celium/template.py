"""``celium.Template``: a container template that Celium verifies before pods may use it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pulumi
from pydantic import Field, field_validator

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import TEMPLATE_PHASES
from pulumi_gpu.celium.models import Template as ApiTemplate
from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import (
    REPLACES,
    UPDATES,
    EnvVars,
    ResourceInputs,
    wait_timeout_field,
)
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource

__all__ = ["Template", "TemplateCategory", "TemplateInputs"]

TemplateCategory = Literal["DOCKER", "PYTORCH", "NVIDIA", "TENSOR_FLOW", "OPEN_AI", "UBUNTU"]
"""What a Celium template is listed under."""
_IMAGE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
NOT_DEBIAN = frozenset(
    {
        *("alpine", "busybox", "fedora", "centos", "rockylinux", "almalinux", "amazonlinux"),
        *("archlinux", "opensuse", "gentoo", "scratch", "oraclelinux", "photon", "clearlinux"),
    }
)
"""Bases that are not Debian or Ubuntu, named by a part of the repository (``alpine``,
``quay.io/centos/centos``) or, for Alpine, by the tag (``python:3.12-alpine``): Celium's
verification installs openssh-server with apt, which they do not have, so a template
of them never verifies."""
_ALPINE_TAG = re.compile(r"(?:^|[-_.])alpine(?:[-_.\d]|$)", re.IGNORECASE)


def not_debian(repository: str, tag: str = "") -> str | None:
    """The non-Debian base ``repository:tag`` is built on, as its name says; None if its
    name says none (which is no proof that it is Debian-based)."""
    parts = repository.lower().split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0]):
        parts = parts[1:]  # a registry host
    for part in parts:
        if part in NOT_DEBIAN:
            return part
    return "alpine" if _ALPINE_TAG.search(tag) else None


def debian_only(image: str, base: str) -> str:
    """Why a template of ``image`` (built on ``base``) is refused."""
    return (
        f"{image} is not Debian/Ubuntu-based ({base}): Celium verifies a template by "
        "installing openssh-server with apt, which fails there; use a Debian or Ubuntu "
        "based image (e.g. pytorch/pytorch, nvidia/cuda:12.4.1-runtime-ubuntu22.04)"
    )


class TemplateInputs(ResourceInputs):
    """Inputs of a Celium template.

    What a container runs (image, tag, digest, ports, environment, entrypoint,
    startup commands, volumes) replaces the template, so pods built from it are
    replaced too and run the new definition. Name, description, category, privacy and
    readme update in place (Celium re-verifies the template after every update).
    """

    name: str = Field(
        min_length=1,
        max_length=128,
        description="Template name in Celium; updates in place.",
        json_schema_extra=UPDATES,
    )
    docker_image: str = Field(
        description=(
            "Image repository without the tag, e.g. 'pytorch/pytorch'. It must be "
            "Debian/Ubuntu-based: verification installs openssh-server with apt."
        ),
        examples=["pytorch/pytorch", "nvidia/cuda", "ghcr.io/acme/trainer"],
        json_schema_extra=REPLACES,
    )
    docker_image_tag: str = Field(
        "latest",
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        description="Image tag.",
        examples=["2.4.0-cuda12.1-cudnn9-runtime"],
        json_schema_extra=REPLACES,
    )
    docker_image_digest: str = Field(
        "",
        pattern=r"^(sha256:[a-f0-9]{64})?$",
        description="Optional image digest ('sha256:<64 hex>') pinning the exact image.",
        json_schema_extra=REPLACES,
    )
    internal_ports: list[int] = Field(
        default_factory=lambda: [22],
        description="Container ports to expose (1-65535); each gets an external port on the pod.",
        examples=[[22, 8000]],
        json_schema_extra=REPLACES,
    )
    startup_commands: str = Field(
        "", description="Shell commands run when the container starts.", json_schema_extra=REPLACES
    )
    environment: EnvVars = Field(
        default_factory=dict,
        description="Environment variables of the container (kept secret in the state).",
        json_schema_extra=REPLACES,
    )
    entrypoint: str = Field(
        "", description="Overrides the image's entrypoint when set.", json_schema_extra=REPLACES
    )
    volumes: list[str] = Field(
        default_factory=lambda: ["/workspace"],
        description="Absolute container paths where volumes are mounted.",
        json_schema_extra=REPLACES,
    )
    category: TemplateCategory = Field(
        "UBUNTU", description="Template category; updates in place.", json_schema_extra=UPDATES
    )
    is_private: bool = Field(
        True, description="Only your account sees the template.", json_schema_extra=UPDATES
    )
    description: str = Field(
        "", max_length=2000, description="Free text; updates in place.", json_schema_extra=UPDATES
    )
    readme: str = Field(
        "",
        description="Markdown shown with the template; updates in place.",
        json_schema_extra=UPDATES,
    )
    wait_timeout: float = wait_timeout_field(1800, "for verification before giving up")

    @field_validator("docker_image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not value:
            raise ValueError("docker_image must not be empty")
        last = value.rsplit("/", 1)[-1]
        if ":" in last or "@" in value:
            raise ValueError(
                "put the tag in docker_image_tag and the digest in docker_image_digest, "
                f"not in docker_image ({value!r})"
            )
        if not _IMAGE.match(value):
            raise ValueError(
                f"{value!r} is not an image repository: lower-case letters, digits, "
                "'.', '_', '-' and '/' separators, e.g. 'pytorch/pytorch'"
            )
        base = not_debian(value)
        if base is not None:
            raise ValueError(debian_only(repr(value), base))
        return value

    @field_validator("docker_image_tag")
    @classmethod
    def _tag(cls, value: str) -> str:
        if not_debian("", value) is not None:
            raise ValueError(debian_only(f"an image tagged {value!r}", "alpine"))
        return value

    @field_validator("internal_ports")
    @classmethod
    def _ports(cls, value: list[int]) -> list[int]:
        bad = [p for p in value if not 1 <= p <= 65535]
        if bad:
            raise ValueError(f"ports must be between 1 and 65535, got {bad}")
        if len(set(value)) != len(value):
            raise ValueError(f"ports must be unique, got {value}")
        return value

    @field_validator("volumes")
    @classmethod
    def _volumes(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if not p.startswith("/")]
        if bad:
            raise ValueError(f"volume paths must be absolute, got {bad}")
        return value


_REFLECTED = (
    "name",
    "docker_image",
    "docker_image_tag",
    "docker_image_digest",
    "internal_ports",
    "startup_commands",
    "environment",
    "entrypoint",
    "volumes",
    "category",
    "is_private",
    "description",
    "readme",
)


def template_body(inputs: TemplateInputs) -> dict[str, Any]:
    """The ``POST``/``PUT /templates`` body."""
    return inputs.model_dump(include=set(_REFLECTED))


class TemplateProvider(GpuProvider[TemplateInputs, ApiTemplate]):
    inputs_model = TemplateInputs
    kind = "celium Template"

    def client(self) -> CeliumClient:
        return celium_client()

    def find(self, inputs: TemplateInputs) -> list[ApiTemplate]:
        # Not list_templates: it also holds other users' public templates of any name.
        return [t for t in self.client().own_templates() if t.name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [Inventoried(t.id, t.name) for t in self.client().own_templates()]

    def create_object(self, inputs: TemplateInputs, token: str) -> ApiTemplate:
        return self.client().create_template(template_body(inputs))

    def object_id(self, obj: ApiTemplate) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiTemplate:
        return self.client().get_template(id_)

    def observe(self, obj: ApiTemplate) -> Observed[ApiTemplate]:
        phase = TEMPLATE_PHASES(obj.status)
        reason = None
        if phase is Phase.FAILED:
            reason = f"verification logs:\n{obj.verification_logs or '(none)'}"
        return Observed(phase, obj.status, reason, obj)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_template(id_)

    def outputs(self, obj: ApiTemplate, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"verification_logs": obj.verification_logs}

    def reflect(self, obj: ApiTemplate, state: Mapping[str, Any]) -> dict[str, Any]:
        return obj.model_dump(include=set(_REFLECTED), exclude_none=True)

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: TemplateInputs, changed: set[str]
    ) -> set[str]:
        """PUT the whole definition, then wait for Celium's re-verification."""
        template = self.client().replace_template(id_, template_body(inputs))
        what = f"{self.describe(inputs.model_dump())} (re-verification)"
        lifecycle.Watch(self, template, state, what).until(Phase.READY, timeout=inputs.wait_timeout)
        return changed


class Template(GpuResource, module="celium", name="Template"):
    """A Celium template: the container definition pods are rented with.

    ``pulumi up`` creates it and waits until Celium has verified it
    (``VERIFY_SUCCESS``); a failed verification fails the update with Celium's
    verification logs and leaves nothing behind. Changing what the container runs
    replaces the template; name, description, category, privacy and readme update in
    place and wait for the re-verification.

    Example::

        import pulumi_gpu.celium as celium

        template = celium.Template(
            "vllm",
            docker_image="vllm/vllm-openai",
            docker_image_tag="v0.6.3",
            internal_ports=[22, 8000],
        )
    """

    name: pulumi.Output[str]
    """Template name in Celium (``cloud_status`` is ``VERIFY_SUCCESS`` once usable)."""
    verification_logs: pulumi.Output[str | None]
    """What Celium's verification printed."""

    def __init__(
        self,
        resource_name: str,
        *,
        docker_image: pulumi.Input[str],
        docker_image_tag: pulumi.Input[str] | None = None,
        docker_image_digest: pulumi.Input[str] | None = None,
        internal_ports: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None,
        startup_commands: pulumi.Input[str] | None = None,
        environment: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        entrypoint: pulumi.Input[str] | None = None,
        volumes: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        category: pulumi.Input[TemplateCategory] | None = None,
        is_private: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        readme: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a template; see :class:`TemplateInputs` for every input's rules."""
        self._register(
            TemplateProvider(),
            resource_name,
            {
                "name": name,
                "docker_image": docker_image,
                "docker_image_tag": docker_image_tag,
                "docker_image_digest": docker_image_digest,
                "internal_ports": internal_ports,
                "startup_commands": startup_commands,
                "environment": environment,
                "entrypoint": entrypoint,
                "volumes": volumes,
                "category": category,
                "is_private": is_private,
                "description": description,
                "readme": readme,
                "wait_timeout": wait_timeout,
                "adopt_id": adopt_id,
            },
            opts,
        )
