"""The resource kinds a fleet file can declare: one row per cloud and section.

Each kind's inputs model is the single source of truth: the fleet validates entries
with it and derives the JSON Schema from it. Inputs that hold another resource's id
(marked with ``references(...)`` in the model) may instead name an entry of the fleet:
``template: vllm`` for ``template_id``, ``disks: [a, b]`` for ``disk_ids``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, get_args, get_origin

from pulumi_gpu import celium, gpudev, primeintellect, runpod
from pulumi_gpu.core.inputs import ResourceInputs
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.market import pod as placed

SECTIONS = ("ssh_keys", "registries", "templates", "disks", "pods", "jobs")


@dataclass(frozen=True)
class Reference:
    """An input holding other resources' ids, and the fleet field naming entries instead."""

    field: str
    alias: str
    section: str
    many: bool
    required: bool
    output: str = "id"
    """The referenced resource's output the input takes (its id, or e.g. its name)."""


@dataclass(frozen=True)
class Kind:
    """One kind of resource of one cloud, as declared in one section of a fleet file."""

    cloud: str
    section: str
    resource: type[GpuResource]
    inputs: type[ResourceInputs]
    after_account_keys: bool = False
    """Its objects get the account's SSH keys when made (RunPod pods with start_ssh): the
    fleet's ``ssh_keys`` entries of its cloud are made first."""

    @property
    def title(self) -> str:
        return f"{self.cloud} {self.resource.__name__}"

    @cached_property
    def references(self) -> tuple[Reference, ...]:
        found = []
        for name, info in self.inputs.model_fields.items():
            extra = info.json_schema_extra
            section = extra.get("references") if isinstance(extra, dict) else None
            if not isinstance(section, str):
                continue
            assert isinstance(extra, dict)
            output = str(extra.get("referenceOutput", "id"))
            many = _is_list(info.annotation)
            found.append(Reference(name, _alias(name), section, many, info.is_required(), output))
        return tuple(found)

    @cached_property
    def secrets(self) -> frozenset[str]:
        return self.inputs.secret_fields()

    @cached_property
    def secret_maps(self) -> frozenset[str]:
        """Secret inputs that are mappings (like ``env``): each value may be a literal or
        a secret reference; the whole mapping is kept secret."""
        return frozenset(
            name for name in self.secrets if _is_mapping(self.inputs.model_fields[name].annotation)
        )


def _alias(field: str) -> str:
    """template_id -> template, disk_ids -> disks, disk_name -> disk."""
    if field.endswith("_ids"):
        return field[: -len("_ids")] + "s"
    for suffix in ("_id", "_name"):
        if field.endswith(suffix):
            return field[: -len(suffix)]
    return field


def _is_mapping(annotation: Any) -> bool:
    if get_origin(annotation) is dict:
        return True
    return any(_is_mapping(arg) for arg in get_args(annotation))


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation))


PLACED = "any"
"""The ``cloud`` of a pod placed by the market (an entry with ``clouds:`` and no ``cloud:``
is one too)."""

KINDS: tuple[Kind, ...] = (
    Kind(PLACED, "pods", placed.Pod, placed.PodInputs),
    Kind("celium", "ssh_keys", celium.SshKey, celium.SshKeyInputs),
    Kind("celium", "templates", celium.Template, celium.TemplateInputs),
    Kind("celium", "disks", celium.Volume, celium.VolumeInputs),
    Kind("celium", "pods", celium.Pod, celium.PodInputs),
    Kind("celium", "jobs", celium.Job, celium.JobInputs),
    Kind("gpudev", "disks", gpudev.Disk, gpudev.DiskInputs),
    Kind("gpudev", "jobs", gpudev.Job, gpudev.JobInputs),
    Kind("primeintellect", "ssh_keys", primeintellect.SshKey, primeintellect.SshKeyInputs),
    Kind("primeintellect", "disks", primeintellect.Disk, primeintellect.DiskInputs),
    Kind("primeintellect", "pods", primeintellect.Pod, primeintellect.PodInputs),
    Kind("runpod", "ssh_keys", runpod.SshKey, runpod.SshKeyInputs),
    Kind("runpod", "registries", runpod.RegistryAuth, runpod.RegistryAuthInputs),
    Kind("runpod", "templates", runpod.Template, runpod.TemplateInputs),
    Kind("runpod", "disks", runpod.NetworkVolume, runpod.NetworkVolumeInputs),
    Kind("runpod", "pods", runpod.Pod, runpod.PodInputs, after_account_keys=True),
    Kind("runpod", "jobs", runpod.Job, runpod.JobInputs, after_account_keys=True),
)
"""Every declarable kind; a cloud that lands adds its rows here."""

UNSUPPORTED = {
    ("primeintellect", "jobs"): primeintellect.NO_JOBS,
    ("gpudev", "ssh_keys"): (
        "GPU Dev logs you in with the SSH keys of your GitHub account (its API has no key "
        "objects); give github_user on the job"
    ),
}
"""Kinds a cloud cannot offer, with the reason a fleet entry of them is refused."""


def kinds_of(section: str) -> dict[str, Kind]:
    """Cloud -> kind, for one section."""
    return {k.cloud: k for k in KINDS if k.section == section}


def kinds_of_cloud(cloud: str) -> list[Kind]:
    return [k for k in KINDS if k.cloud == cloud]


def clouds() -> list[str]:
    return sorted({k.cloud for k in KINDS})
