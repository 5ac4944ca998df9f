"""``runpod.Pod`` inputs: what a pod is placed on and what its container runs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.identity import OWNER_ENV
from pulumi_gpu.core.inputs import (
    REPLACES,
    UPDATES,
    EnvVars,
    MachineInputs,
    Renamed,
    ResourceInputs,
    references,
    wait_timeout_field,
    with_exception,
)
from pulumi_gpu.core.ssh import check_public_keys
from pulumi_gpu.runpod.models import CloudType, check_ports

__all__ = ["MIGRATIONS", "PORTS_RENAMED", "DesiredStatus", "PodBase", "PodInputs", "managed_env"]

_CUDA = r"^\d+\.\d+$"
DEFAULT_MOUNT_PATH = "/workspace"
DEFAULT_DISK_GB = 50
DEFAULT_VCPUS = 2

DesiredStatus = Literal["running", "stopped"]
"""A pod's ``desired_status``: running, or stopped in place (GPUs released, volumes kept)."""


PORTS_RENAMED = {"ports": Renamed("exposed_ports", since="0.1.1")}
"""0.1.0's ``ports`` input (the exposed ports) is ``exposed_ports``: ``ports`` is the
output every machine has (its mapped ports)."""


def exposed_ports_renamed(state: dict[str, Any]) -> dict[str, Any]:
    """A 0.1.0 state as 0.1.1 has it: the exposed ports from ``ports`` to
    ``exposed_ports``, the mapped ones from ``mapped_ports`` to ``ports``."""
    if not isinstance(state.get("ports"), list) or "exposed_ports" in state:
        return state
    found = dict(state)
    found["exposed_ports"] = found.pop("ports")
    if "mapped_ports" in found:
        found["ports"] = found.pop("mapped_ports")
    return found


MIGRATIONS = {0: exposed_ports_renamed}
"""The state history of RunPod pods, jobs and templates (see ``GpuProvider.migrations``)."""


_UNSETTABLE = with_exception(
    UPDATES, "unsetting it replaces the pod: only a new pod gets the template's or RunPod's value"
)
"""The policy of a container input that a pod updates, but cannot unset (see
``PodProvider.change_kind``)."""


class PodBase(ResourceInputs):
    """What every RunPod pod takes, a Pod's or a Job's: its placement and its container
    (a Pod adds ``args`` and ``desired_status``; a Job, its command).
    """

    renamed: ClassVar[Mapping[str, Renamed]] = PORTS_RENAMED

    name: str = Field(
        min_length=1,
        max_length=191,
        description="Pod name in RunPod.",
        json_schema_extra=UPDATES,
    )
    gpu_type: str | None = Field(
        None,
        min_length=1,
        description=(
            "GPU type id from the catalog (runpod.get_gpu_types), e.g. "
            "'NVIDIA GeForce RTX 4090'. Exactly one of gpu_type and cpu_flavor."
        ),
        examples=["NVIDIA GeForce RTX 4090", "NVIDIA A100 80GB PCIe", "NVIDIA H100 80GB HBM3"],
        json_schema_extra=REPLACES,
    )
    cpu_flavor: str | None = Field(
        None,
        min_length=1,
        description="CPU flavor id for a CPU-only pod, e.g. 'cpu5c' (instead of gpu_type).",
        examples=["cpu3c", "cpu5c"],
        json_schema_extra=REPLACES,
    )
    gpu_count: int = Field(
        1, ge=1, le=16, description="GPUs on the pod (GPU pods only).", json_schema_extra=REPLACES
    )
    vcpu_count: int | None = Field(
        None,
        ge=2,
        le=512,
        description="vCPUs of a CPU pod, a power of two (default 2).",
        json_schema_extra=REPLACES,
    )
    image: str | None = Field(
        None,
        min_length=1,
        description=(
            "Container image, e.g. 'runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04'; "
            "required unless template_id is given (then it overrides the template's)."
        ),
        json_schema_extra=_UNSETTABLE,
    )
    registry_id: str | None = Field(
        None,
        min_length=1,
        description="Id of the runpod.RegistryAuth to pull a private image with.",
        json_schema_extra=references("registries", replaces=False),
    )
    template_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "Template to take the container settings from (a runpod.Template's id, or a public "
            "template id). Settings given here win over the template's; env is merged."
        ),
        json_schema_extra=references("templates"),
    )
    env: EnvVars = Field(
        default_factory=dict,
        description=(
            "Environment variables of the container; kept secret in the state. Variables set "
            "outside this input (by the template, or by RunPod) are left alone."
        ),
        json_schema_extra=UPDATES,
    )
    exposed_ports: list[str] | None = Field(
        None,
        description=(
            "Exposed ports as '<port>/http' (behind RunPod's HTTPS proxy) or '<port>/tcp' "
            "(a public port). Default: the template's, else ['22/tcp'] with start_ssh."
        ),
        examples=[["8888/http", "22/tcp"]],
        json_schema_extra=_UNSETTABLE,
    )
    ssh_public_keys: list[str] | None = Field(
        None,
        min_length=1,
        description=(
            "OpenSSH public keys allowed to log in (sent as PUBLIC_KEY). Default: the keys "
            "registered on the RunPod account, provisioned at create by start_ssh."
        ),
        json_schema_extra=_UNSETTABLE,
    )
    container_disk_gb: int | None = Field(
        None,
        ge=1,
        le=10000,
        description="Container disk in GB, wiped on every restart (default: template's, else 50).",
        json_schema_extra=_UNSETTABLE,
    )
    volume_gb: int | None = Field(
        None,
        ge=10,
        le=10000,
        description=(
            "Size in GB of a persistent volume on the pod's machine. It is deleted with the "
            "pod, so a change replaces the pod; prefer network_volume_id for data to keep."
        ),
        json_schema_extra=REPLACES,
    )
    network_volume_id: str | None = Field(
        None,
        min_length=1,
        description=(
            "A runpod.NetworkVolume to mount; the pod is placed in the volume's data center "
            "and the volume outlives the pod."
        ),
        json_schema_extra=references("disks"),
    )
    volume_mount_path: str | None = Field(
        None,
        pattern=r"^/",
        description="Where the volume is mounted in the container (default /workspace).",
        json_schema_extra=_UNSETTABLE,
    )
    cloud_type: CloudType = Field(
        "SECURE",
        description="SECURE (RunPod data centers) or COMMUNITY (hosted by others, cheaper).",
        json_schema_extra=REPLACES,
    )
    data_center_ids: list[str] = Field(
        default_factory=list,
        description="Data centers to place the pod in, in order of preference (empty: any).",
        examples=[["US-KS-2", "EU-RO-1"]],
        json_schema_extra=with_exception(
            REPLACES, "a new list that still holds the pod's data center changes nothing"
        ),
    )
    allowed_cuda_versions: list[str] | None = Field(
        None,
        description="CUDA versions the machine may have, as 'major.minor' (GPU pods).",
        examples=[["12.8", "12.6"]],
        json_schema_extra=REPLACES,
    )
    min_cuda_version: str | None = Field(
        None,
        pattern=_CUDA,
        description="Lowest CUDA version the machine may have, e.g. '12.4' (GPU pods).",
        json_schema_extra=REPLACES,
    )
    start_ssh: bool = Field(
        True,
        description="Have RunPod set up SSH access (with the account's or the given keys).",
        json_schema_extra=REPLACES,
    )
    wait_timeout: float = wait_timeout_field(1200, "for the pod to run, stop or go away")

    @field_validator("gpu_count")
    @classmethod
    def _gpu_only(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("cpu_flavor"):
            raise ValueError("gpu_count applies to GPU pods (gpu_type) only")
        return value

    @field_validator("vcpu_count")
    @classmethod
    def _vcpus(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return value
        if info.data.get("gpu_type"):
            raise ValueError("vcpu_count applies to CPU pods (cpu_flavor) only")
        if value & (value - 1):
            raise ValueError(f"vcpu_count must be a power of two (2, 4, 8, ...), got {value}")
        return value

    @field_validator("exposed_ports")
    @classmethod
    def _ports(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            check_ports(value)
        return value

    @field_validator("ssh_public_keys")
    @classmethod
    def _keys(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return value
        check_public_keys(value)
        if "PUBLIC_KEY" in (info.data.get("env") or {}):
            raise ValueError("give SSH keys either in ssh_public_keys or as env PUBLIC_KEY")
        return value

    @field_validator("volume_gb")
    @classmethod
    def _persistent(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("cpu_flavor"):
            raise ValueError("CPU pods cannot have a persistent volume; use network_volume_id")
        return value

    @field_validator("network_volume_id")
    @classmethod
    def _network(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("volume_gb") is not None:
            raise ValueError("give either volume_gb (persistent) or network_volume_id, not both")
        return value

    @field_validator("volume_mount_path")
    @classmethod
    def _mount_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        sources = ("volume_gb", "network_volume_id", "template_id")
        if any(k not in info.data for k in sources):
            return value  # one of them is not known yet (a preview) or invalid
        if value is not None and not any(info.data[k] for k in sources):
            raise ValueError("volume_mount_path needs volume_gb, network_volume_id or template_id")
        return value

    @field_validator("cloud_type")
    @classmethod
    def _cloud(cls, value: CloudType, info: ValidationInfo) -> CloudType:
        if value == "COMMUNITY" and info.data.get("network_volume_id"):
            raise ValueError("network volumes attach to SECURE cloud pods only")
        return value

    @field_validator("allowed_cuda_versions")
    @classmethod
    def _cuda_list(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return value
        if info.data.get("cpu_flavor"):
            raise ValueError("CUDA constraints apply to GPU pods only")
        bad = [v for v in value if not re.match(_CUDA, v)]
        if bad:
            raise ValueError(f"CUDA versions are 'major.minor', e.g. '12.8'; got {bad}")
        return value

    @field_validator("min_cuda_version")
    @classmethod
    def _cuda_floor(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("cpu_flavor"):
            raise ValueError("CUDA constraints apply to GPU pods only")
        if info.data.get("allowed_cuda_versions"):
            raise ValueError("give either allowed_cuda_versions or min_cuda_version, not both")
        return value

    @model_validator(mode="after")
    def _compute_and_image(self) -> PodBase:
        if (self.gpu_type is None) == (self.cpu_flavor is None):
            raise ValueError("give exactly one of gpu_type (a GPU pod) and cpu_flavor (a CPU pod)")
        if self.image is None and self.template_id is None:
            raise ValueError("give image, or template_id to take the image from a template")
        return self

    # -- what the inputs mean ---------------------------------------------------------

    def managed_env(self) -> dict[str, str]:
        """The variables this resource owns: ``env`` plus PUBLIC_KEY from the SSH keys."""
        return managed_env(self.env, self.ssh_public_keys)

    def create_body(self) -> dict[str, Any]:
        """The ``POST /pods`` request."""
        body: dict[str, Any] = {
            "name": self.name,
            "cloud": self.cloud_type,
            "startSsh": self.start_ssh,
            "startJupyter": False,
        }
        if self.gpu_type is not None:
            gpu: dict[str, Any] = {"id": self.gpu_type, "count": self.gpu_count}
            if self.allowed_cuda_versions is not None:
                gpu["allowedCudaVersions"] = self.allowed_cuda_versions
            if self.min_cuda_version is not None:
                gpu["minCudaVersion"] = self.min_cuda_version
            body["gpu"] = gpu
        else:
            body["cpu"] = {"id": self.cpu_flavor, "vcpuCount": self.vcpu_count or DEFAULT_VCPUS}
        if self.template_id is not None:
            body["templateId"] = self.template_id
        if self.image is not None:
            body["image"] = self.image
        if self.registry_id is not None:
            body["registry"] = self.registry_id
        env = self.managed_env()
        if self.owner is not None:
            env[OWNER_ENV] = str(self.owner)
        if env:
            body["env"] = env
        if self.exposed_ports is not None:
            body["ports"] = self.exposed_ports
        elif self.template_id is None:
            body["ports"] = ["22/tcp"] if self.start_ssh else []
        if self.container_disk_gb is not None:
            body["disk"] = self.container_disk_gb
        elif self.template_id is None:
            body["disk"] = DEFAULT_DISK_GB
        path = self.volume_mount_path or DEFAULT_MOUNT_PATH
        if self.volume_gb is not None:
            body["mounts"] = {"persistent": {"size": self.volume_gb, "path": path}}
        elif self.network_volume_id is not None:
            body["mounts"] = {"network": [{"volumeId": self.network_volume_id, "path": path}]}
        if self.data_center_ids:
            body["dataCenterIds"] = self.data_center_ids
        return body

    def hourly_price(self) -> Price:
        if self.gpu_type is None:
            return Price(None, "RunPod's catalog has no CPU pod prices", bounded=False)
        from pulumi_gpu.runpod.market import catalog_price

        return catalog_price(self.gpu_type, self.gpu_count, self.cloud_type)


class PodInputs(PodBase, MachineInputs):
    """Inputs of a RunPod pod.

    What the pod is placed on (GPU type and count, CPU flavor, cloud, template, CUDA
    constraints, SSH/Jupyter provisioning, the kind and size of its volume) is fixed at
    create, so a change replaces the pod. The container (image, args, env, exposed ports,
    container disk, SSH keys), its mount path, its name and ``desired_status`` update in
    place; RunPod restarts a running container to apply container changes.
    """

    args: str | None = Field(
        None,
        description="Arguments passed to the container entrypoint (default: none).",
        json_schema_extra=_UNSETTABLE,
    )
    start_jupyter: bool = Field(
        False,
        description=(
            "Have RunPod start JupyterLab with a generated password (output "
            "jupyter_password); expose '8888/http' to reach it."
        ),
        json_schema_extra=REPLACES,
    )
    desired_status: DesiredStatus = Field(
        "running",
        description=(
            "'running' or 'stopped'. Stopping releases the GPUs (and stops billing for them) "
            "and keeps the volumes; starting waits until the pod is reachable again."
        ),
        json_schema_extra=UPDATES,
    )

    def create_body(self) -> dict[str, Any]:
        body = {**super().create_body(), "startJupyter": self.start_jupyter}
        if self.args is not None:
            body["args"] = self.args
        return body


def managed_env(env: Mapping[str, str] | None, keys: Sequence[str] | None) -> dict[str, str]:
    found = dict(env or {})
    if keys:
        found["PUBLIC_KEY"] = "\n".join(k.strip() for k in keys)
    return found
