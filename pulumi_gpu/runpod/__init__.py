"""RunPod (REST v2): pods, jobs, templates, network volumes, SSH keys, registry credentials
and the GPU catalog.

Configuration: ``pulumi-gpu:runpodApiKey`` (secret) or ``RUNPOD_API_KEY``; endpoint
``pulumi-gpu:runpodEndpoint`` or ``RUNPOD_API_URL`` (default ``https://api.runpod.io/v2``).
"""

from pulumi_gpu.core.jobs import JobWait
from pulumi_gpu.runpod.job import Job, JobInputs, OnFinish
from pulumi_gpu.runpod.lookups import (
    AccountPod,
    DataCenter,
    GpuOffer,
    get_data_centers,
    get_gpu_types,
    get_pod_logs,
    get_pods,
)
from pulumi_gpu.runpod.models import CloudType, DataCenterRegion, LogSource
from pulumi_gpu.runpod.network_volume import NetworkVolume, NetworkVolumeInputs, VolumeType
from pulumi_gpu.runpod.pod import Pod, PodInputs
from pulumi_gpu.runpod.pod_inputs import DesiredStatus
from pulumi_gpu.runpod.registry_auth import RegistryAuth, RegistryAuthInputs
from pulumi_gpu.runpod.ssh_key import SshKey, SshKeyInputs
from pulumi_gpu.runpod.template import Template, TemplateCategory, TemplateInputs

__all__ = [
    "AccountPod",
    "CloudType",
    "DataCenter",
    "DataCenterRegion",
    "DesiredStatus",
    "GpuOffer",
    "Job",
    "JobInputs",
    "JobWait",
    "LogSource",
    "NetworkVolume",
    "NetworkVolumeInputs",
    "OnFinish",
    "Pod",
    "PodInputs",
    "RegistryAuth",
    "RegistryAuthInputs",
    "SshKey",
    "SshKeyInputs",
    "Template",
    "TemplateCategory",
    "TemplateInputs",
    "VolumeType",
    "get_data_centers",
    "get_gpu_types",
    "get_pod_logs",
    "get_pods",
]
