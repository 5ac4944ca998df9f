"""Celium (Lium, Bittensor subnet 51): templates, pods, jobs, volumes, SSH keys, and
lookups of executors, images, templates and the account's pods.

Configuration: ``pulumi-gpu:celiumApiKey`` (secret) or ``CELIUM_API_KEY``; endpoint
``pulumi-gpu:celiumEndpoint`` or ``CELIUM_API_URL`` (default ``https://lium.io/api``).
"""

from pulumi_gpu.celium.job import Job, JobInputs
from pulumi_gpu.celium.lookups import (
    AccountPod,
    DockerImage,
    Executor,
    get_default_images,
    get_executors,
    get_pod_logs,
    get_pods,
    get_templates,
)
from pulumi_gpu.celium.pod import ExecutorSelector, ExecutorSelectorArgs, Pod, PodInputs
from pulumi_gpu.celium.pod_inputs import Tier
from pulumi_gpu.celium.ssh_key import SshKey, SshKeyInputs
from pulumi_gpu.celium.template import Template, TemplateCategory, TemplateInputs
from pulumi_gpu.celium.volume import Volume, VolumeInputs
from pulumi_gpu.core.jobs import JobWait

__all__ = [
    "AccountPod",
    "DockerImage",
    "Executor",
    "ExecutorSelector",
    "ExecutorSelectorArgs",
    "Job",
    "JobInputs",
    "JobWait",
    "Pod",
    "PodInputs",
    "SshKey",
    "SshKeyInputs",
    "Template",
    "TemplateCategory",
    "TemplateInputs",
    "Tier",
    "Volume",
    "VolumeInputs",
    "get_default_images",
    "get_executors",
    "get_pod_logs",
    "get_pods",
    "get_templates",
]
