"""``runpod.Template``: a reusable container definition for pods."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import pulumi
from pydantic import Field, ValidationInfo, field_validator

from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import (
    UPDATES,
    EnvVars,
    Renamed,
    ResourceInputs,
    references,
    with_exception,
)
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import Change, GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.models import Template as ApiTemplate
from pulumi_gpu.runpod.models import check_ports
from pulumi_gpu.runpod.pod import reference_exists
from pulumi_gpu.runpod.pod_inputs import MIGRATIONS, PORTS_RENAMED

__all__ = ["Template", "TemplateCategory", "TemplateInputs"]

_CUDA = re.compile(r"^\d+\.\d+$")
DEFAULT_MOUNT_PATH = "/workspace"

TemplateCategory = Literal["NVIDIA", "AMD", "CPU"]
"""The hardware a RunPod template is for."""


class TemplateInputs(ResourceInputs):
    """Inputs of a RunPod template.

    Everything updates in place (RunPod templates are edited with PATCH), except
    removing the persistent volume, which RunPod cannot do: that replaces the template.
    A template is a snapshot: pods already created from it keep their settings.
    """

    renamed: ClassVar[Mapping[str, Renamed]] = PORTS_RENAMED

    name: str = Field(
        min_length=1,
        max_length=191,
        description="Template name, unique in the account; updates in place.",
        json_schema_extra=UPDATES,
    )
    image: str = Field(
        min_length=1,
        description="Container image, e.g. 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel'.",
        json_schema_extra=UPDATES,
    )
    registry_id: str | None = Field(
        None,
        min_length=1,
        description="Id of the runpod.RegistryAuth to pull a private image with.",
        json_schema_extra=references("registries", replaces=False),
    )
    args: str = Field(
        "", description="Arguments passed to the container entrypoint.", json_schema_extra=UPDATES
    )
    env: EnvVars = Field(
        default_factory=dict,
        description="Environment variables of the container; kept secret in the state.",
        json_schema_extra=UPDATES,
    )
    exposed_ports: list[str] = Field(
        default_factory=lambda: ["22/tcp"],
        description="Exposed ports as '<port>/http' or '<port>/tcp', e.g. ['8888/http', '22/tcp'].",
        examples=[["8888/http", "22/tcp"]],
        json_schema_extra=UPDATES,
    )
    container_disk_gb: int = Field(
        50,
        ge=1,
        le=10000,
        description="Container disk in GB, wiped on every restart.",
        json_schema_extra=UPDATES,
    )
    volume_gb: int | None = Field(
        None,
        ge=10,
        le=10000,
        description=(
            "Size in GB of the persistent volume pods from this template get on their machine "
            "(none by default)."
        ),
        json_schema_extra=with_exception(UPDATES, "removing it replaces the template"),
    )
    volume_mount_path: str | None = Field(
        None,
        pattern=r"^/",
        description="Where that volume is mounted (default /workspace); needs volume_gb.",
        json_schema_extra=UPDATES,
    )
    category: TemplateCategory = Field(
        "NVIDIA",
        description="NVIDIA, AMD or CPU: how the console groups the template.",
        json_schema_extra=UPDATES,
    )
    start_ssh: bool = Field(
        True,
        description="Pods from this template get SSH access set up with the account's keys.",
        json_schema_extra=UPDATES,
    )
    start_jupyter: bool = Field(
        False,
        description="Pods from this template start JupyterLab with a generated password.",
        json_schema_extra=UPDATES,
    )
    allowed_cuda_versions: list[str] = Field(
        default_factory=list,
        description="CUDA versions ('major.minor') GPU pods from it may get; empty: any.",
        json_schema_extra=UPDATES,
    )

    @field_validator("exposed_ports")
    @classmethod
    def _ports(cls, value: list[str]) -> list[str]:
        check_ports(value)
        return value

    @field_validator("volume_mount_path")
    @classmethod
    def _mount_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "volume_gb" in info.data and info.data["volume_gb"] is None:
            raise ValueError("volume_mount_path needs volume_gb")
        return value

    @field_validator("allowed_cuda_versions")
    @classmethod
    def _cuda(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _CUDA.match(v)]
        if bad:
            raise ValueError(f"CUDA versions are 'major.minor', e.g. '12.8'; got {bad}")
        return value

    def body(self) -> dict[str, Any]:
        """The create body; PATCH bodies are its changed keys."""
        body: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "registry": self.registry_id,
            "args": self.args,
            "env": self.env,
            "ports": self.exposed_ports,
            "disk": self.container_disk_gb,
            "category": self.category,
            "startSsh": self.start_ssh,
            "startJupyter": self.start_jupyter,
            "allowedCudaVersions": self.allowed_cuda_versions,
        }
        if self.volume_gb is not None:
            path = self.volume_mount_path or DEFAULT_MOUNT_PATH
            body["mounts"] = {"persistent": {"size": self.volume_gb, "path": path}}
        return body


_API_KEYS = {
    "name": ("name",),
    "image": ("image",),
    "registry_id": ("registry",),
    "args": ("args",),
    "env": ("env",),
    "exposed_ports": ("ports",),
    "container_disk_gb": ("disk",),
    "volume_gb": ("mounts",),
    "volume_mount_path": ("mounts",),
    "category": ("category",),
    "start_ssh": ("startSsh",),
    "start_jupyter": ("startJupyter",),
    "allowed_cuda_versions": ("allowedCudaVersions",),
}
"""Input field -> the API keys that carry it."""


def reflected(template: ApiTemplate, state: Mapping[str, Any]) -> dict[str, Any]:
    """Input-named values as they really are, so ``pulumi refresh`` shows drift."""
    persistent = template.mounts.persistent
    live: dict[str, Any] = {
        "name": template.name,
        "image": template.image,
        "registry_id": template.registry,
        "args": template.args,
        "env": template.env,
        "exposed_ports": template.ports,
        "container_disk_gb": template.disk,
        "volume_gb": persistent.size if persistent else None,
        "category": template.category,
        "start_ssh": template.start_ssh,
        "start_jupyter": template.start_jupyter,
        "allowed_cuda_versions": template.allowed_cuda_versions,
    }
    if state.get("volume_mount_path") is not None:
        live["volume_mount_path"] = persistent.path if persistent else None
    return live


def _in_use_error(client: RunPodClient, template_id: str, exc: InvalidRequestError) -> Exception:
    try:
        users = [f"{p.name} ({p.id})" for p in client.list_pods() if p.template == template_id]
    except GpuCloudError:
        users = []
    which = f": {', '.join(users)}" if users else ""
    return GpuCloudError(
        f"runpod template {template_id} cannot be deleted while pods use it{which}. "
        f"Terminate those pods first (RunPod said: {exc.message})"
    )


class TemplateProvider(GpuProvider[TemplateInputs, ApiTemplate]):
    inputs_model = TemplateInputs
    kind = "runpod Template"
    migrations = MIGRATIONS

    def client(self) -> RunPodClient:
        return runpod_client()

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field == "volume_gb" and news.get(field) is None:
            return Change.REPLACE  # RunPod keeps a template's mount when PATCH omits it
        if field == "volume_mount_path":  # unset means the default path
            same = (olds.get(field) or DEFAULT_MOUNT_PATH) == (
                news.get(field) or DEFAULT_MOUNT_PATH
            )
            return Change.NONE if same else Change.UPDATE
        return super().change_kind(field, olds, news)

    def find(self, inputs: TemplateInputs) -> list[ApiTemplate]:
        return [t for t in self.client().list_templates() if t.name == inputs.name]

    def create_object(self, inputs: TemplateInputs, token: str) -> ApiTemplate:
        return self.client().create_template(inputs.body())

    def reference_exists(self, field: str, value: str) -> bool | None:
        return reference_exists(self.client(), field, value)

    def inventory(self) -> list[Inventoried]:
        return [Inventoried(t.id, t.name) for t in self.client().list_templates()]

    def object_id(self, obj: ApiTemplate) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiTemplate:
        return self.client().get_template(id_)

    def observe(self, obj: ApiTemplate) -> Observed[ApiTemplate]:
        return Observed(Phase.READY, "available", obj=obj)  # templates have no status

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        client = self.client()
        try:
            client.delete_template(id_)
        except InvalidRequestError as exc:
            raise _in_use_error(client, id_, exc) from exc

    def outputs(self, obj: ApiTemplate, state: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def reflect(self, obj: ApiTemplate, state: Mapping[str, Any]) -> dict[str, Any]:
        return reflected(obj, state)

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: TemplateInputs, changed: set[str]
    ) -> set[str]:
        body = inputs.body()
        keys = {key for field in changed for key in _API_KEYS[field]}
        self.client().update_template(id_, {k: v for k, v in body.items() if k in keys})
        return changed


class Template(GpuResource, module="runpod", name="Template"):
    """A RunPod template: the container settings pods are created from.

    Every setting updates in place. A template is a snapshot: editing it does not change
    pods already made from it, and a template still used by a pod cannot be deleted
    (the error names the pods).

    Example::

        import pulumi_gpu.runpod as runpod

        template = runpod.Template(
            "vllm",
            image="vllm/vllm-openai:v0.6.3",
            exposed_ports=["8000/http", "22/tcp"],
            env={"HF_HUB_ENABLE_HF_TRANSFER": "1"},
            container_disk_gb=80,
        )
        pod = runpod.Pod("server", gpu_type="NVIDIA L40S", template_id=template.id)
    """

    name: pulumi.Output[str]
    """Template name in RunPod."""
    image: pulumi.Output[str]
    category: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        image: pulumi.Input[str],
        registry_id: pulumi.Input[str] | None = None,
        args: pulumi.Input[str] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        exposed_ports: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        ports: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        container_disk_gb: pulumi.Input[int] | None = None,
        volume_gb: pulumi.Input[int] | None = None,
        volume_mount_path: pulumi.Input[str] | None = None,
        category: pulumi.Input[TemplateCategory] | None = None,
        start_ssh: pulumi.Input[bool] | None = None,
        start_jupyter: pulumi.Input[bool] | None = None,
        allowed_cuda_versions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        name: pulumi.Input[str] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a template; see :class:`TemplateInputs` for every input's rules."""
        self._register(
            TemplateProvider(),
            resource_name,
            {
                "name": name,
                "image": image,
                "registry_id": registry_id,
                "args": args,
                "env": env,
                "exposed_ports": exposed_ports,
                "ports": ports,  # renamed exposed_ports in 0.1.1: taken with a warning
                "container_disk_gb": container_disk_gb,
                "volume_gb": volume_gb,
                "volume_mount_path": volume_mount_path,
                "category": category,
                "start_ssh": start_ssh,
                "start_jupyter": start_jupyter,
                "allowed_cuda_versions": allowed_cuda_versions,
                "adopt_id": adopt_id,
            },
            opts,
        )
