"""``celium.Template``: a container template that Celium verifies before pods may use it."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pulumi
from pydantic import Field, field_validator

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import VERIFY_FAILED, VERIFY_SUCCESS
from pulumi_gpu.celium.models import Template as ApiTemplate
from pulumi_gpu.core.checks import check_env_names
from pulumi_gpu.core.errors import NotFoundError
from pulumi_gpu.core.lifecycle import cleanup_on_failure, create_once
from pulumi_gpu.core.provider import REPLACES, GpuProvider, ResourceInputs
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.core.waiting import wait_for

__all__ = ["Template", "TemplateInputs"]

Category = Literal["DOCKER", "PYTORCH", "NVIDIA", "TENSOR_FLOW", "OPEN_AI", "UBUNTU"]
_IMAGE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")


class TemplateInputs(ResourceInputs):
    """Inputs of a Celium template.

    What a container runs (image, tag, digest, ports, environment, entrypoint,
    startup commands, volumes) replaces the template, so pods built from it are
    replaced too and run the new definition. Name, description, category, privacy and
    readme update in place (Celium re-verifies the template after every update).
    """

    name: str = Field(
        min_length=1, max_length=128, description="Template name in Celium; updates in place."
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
    environment: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables of the container.",
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
    category: Category = Field("UBUNTU", description="Template category; updates in place.")
    is_private: bool = Field(True, description="Only your account sees the template.")
    description: str = Field("", max_length=2000, description="Free text; updates in place.")
    readme: str = Field("", description="Markdown shown with the template; updates in place.")
    wait_timeout: float = Field(
        1800, gt=0, description="Seconds to wait for verification before giving up."
    )

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

    @field_validator("environment")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        check_env_names(value)
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


def _body(inputs: TemplateInputs) -> dict[str, Any]:
    return inputs.model_dump(include=set(_REFLECTED))


def _outputs(template: ApiTemplate) -> dict[str, Any]:
    return {"status": template.status, "verification_logs": template.verification_logs}


def _wait_verified(
    client: CeliumClient, template_id: str, what: str, timeout: float
) -> ApiTemplate:
    return wait_for(
        what,
        lambda: client.get_template(template_id),
        status=lambda t: t.status,
        ready=lambda t: t.status == VERIFY_SUCCESS,
        failure=lambda t: (
            f"verification logs:\n{t.verification_logs or '(none)'}"
            if t.status == VERIFY_FAILED
            else None
        ),
        timeout=timeout,
    )


class TemplateProvider(GpuProvider[TemplateInputs]):
    inputs_model = TemplateInputs
    kind = "celium Template"

    def create_resource(self, inputs: TemplateInputs) -> tuple[str, dict[str, Any]]:
        client = celium_client()
        what = f"celium template {inputs.name}"
        template = create_once(
            what,
            lambda: client.create_template(_body(inputs)),
            existing=lambda: [t for t in client.list_templates() if t.name == inputs.name],
            ident=lambda t: t.id,
        )
        verified = cleanup_on_failure(
            what,
            template.id,
            wait=lambda: _wait_verified(client, template.id, what, inputs.wait_timeout),
            delete=lambda: client.delete_template(template.id),
        )
        return template.id, _outputs(verified)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            template = celium_client().get_template(id_)
        except NotFoundError:
            return None
        live = template.model_dump(include=set(_REFLECTED), exclude_none=True)
        return {**live, **_outputs(template)}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: TemplateInputs, changed: set[str]
    ) -> dict[str, Any]:
        if changed <= {"wait_timeout"}:
            return {k: state.get(k) for k in ("status", "verification_logs")}
        client = celium_client()
        client.replace_template(id_, _body(inputs))
        what = f"celium template {inputs.name} (re-verification)"
        return _outputs(_wait_verified(client, id_, what, inputs.wait_timeout))

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        with contextlib.suppress(NotFoundError):
            celium_client().delete_template(id_)


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
    """Template name in Celium."""
    status: pulumi.Output[str]
    """Verification status, ``VERIFY_SUCCESS`` once usable."""
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
        category: pulumi.Input[str] | None = None,
        is_private: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        readme: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a template; see :class:`TemplateInputs` for every input's rules."""
        self._register(
            TemplateProvider(),
            resource_name,
            {
                "name": name or default_name(resource_name),
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
            },
            opts,
        )
