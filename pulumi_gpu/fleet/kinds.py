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
from pulumi_gpu.celium import job as c_job
from pulumi_gpu.celium import pod as c_pod
from pulumi_gpu.celium import ssh_key as c_key
from pulumi_gpu.celium import template as c_tpl
from pulumi_gpu.celium import volume as c_vol
from pulumi_gpu.core.inputs import ResourceInputs
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.gpudev import disk as g_disk
from pulumi_gpu.gpudev import job as g_job
from pulumi_gpu.market import pod as placed
from pulumi_gpu.primeintellect import disk as p_disk
from pulumi_gpu.primeintellect import pod as p_pod
from pulumi_gpu.primeintellect import ssh_key as p_key
from pulumi_gpu.runpod import job as r_job
from pulumi_gpu.runpod import network_volume as r_vol
from pulumi_gpu.runpod import pod as r_pod
from pulumi_gpu.runpod import registry_auth as r_reg
from pulumi_gpu.runpod import ssh_key as r_key
from pulumi_gpu.runpod import template as r_tpl

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
    provider: type[GpuProvider[Any, Any]]
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
    Kind(PLACED, "pods", placed.Pod, placed.PodInputs, placed.PodProvider),
    Kind("celium", "ssh_keys", celium.SshKey, celium.SshKeyInputs, c_key.SshKeyProvider),
    Kind("celium", "templates", celium.Template, celium.TemplateInputs, c_tpl.TemplateProvider),
    Kind("celium", "disks", celium.Volume, celium.VolumeInputs, c_vol.VolumeProvider),
    Kind("celium", "pods", celium.Pod, celium.PodInputs, c_pod.PodProvider),
    Kind("celium", "jobs", celium.Job, celium.JobInputs, c_job.JobProvider),
    Kind("gpudev", "disks", gpudev.Disk, gpudev.DiskInputs, g_disk.DiskProvider),
    Kind("gpudev", "jobs", gpudev.Job, gpudev.JobInputs, g_job.JobProvider),
    Kind(
        "primeintellect",
        "ssh_keys",
        primeintellect.SshKey,
        primeintellect.SshKeyInputs,
        p_key.SshKeyProvider,
    ),
    Kind(
        "primeintellect",
        "disks",
        primeintellect.Disk,
        primeintellect.DiskInputs,
        p_disk.DiskProvider,
    ),
    Kind("primeintellect", "pods", primeintellect.Pod, primeintellect.PodInputs, p_pod.PodProvider),
    Kind("runpod", "ssh_keys", runpod.SshKey, runpod.SshKeyInputs, r_key.SshKeyProvider),
    Kind(
        "runpod",
        "registries",
        runpod.RegistryAuth,
        runpod.RegistryAuthInputs,
        r_reg.RegistryAuthProvider,
    ),
    Kind("runpod", "templates", runpod.Template, runpod.TemplateInputs, r_tpl.TemplateProvider),
    Kind(
        "runpod",
        "disks",
        runpod.NetworkVolume,
        runpod.NetworkVolumeInputs,
        r_vol.NetworkVolumeProvider,
    ),
    Kind(
        "runpod", "pods", runpod.Pod, runpod.PodInputs, r_pod.PodProvider, after_account_keys=True
    ),
    Kind(
        "runpod", "jobs", runpod.Job, runpod.JobInputs, r_job.JobProvider, after_account_keys=True
    ),
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
