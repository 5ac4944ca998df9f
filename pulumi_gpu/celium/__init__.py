"""Celium (Lium, Bittensor subnet 51): templates, pods, jobs, volumes, SSH keys and
executor lookups.

Configuration: ``pulumi-gpu:celiumApiKey`` (secret) or ``CELIUM_API_KEY``; endpoint
``pulumi-gpu:celiumEndpoint`` or ``CELIUM_API_URL`` (default ``https://lium.io/api``).
"""

from pulumi_gpu.celium.job import Job, JobInputs
from pulumi_gpu.celium.lookups import Executor, get_executors, get_pod_logs
from pulumi_gpu.celium.pod import ExecutorSelector, ExecutorSelectorArgs, Pod, PodInputs
from pulumi_gpu.celium.ssh_key import SshKey, SshKeyInputs
from pulumi_gpu.celium.template import Template, TemplateInputs
from pulumi_gpu.celium.volume import Volume, VolumeInputs

__all__ = [
    "Executor",
    "ExecutorSelector",
    "ExecutorSelectorArgs",
    "Job",
    "JobInputs",
    "Pod",
    "PodInputs",
    "SshKey",
    "SshKeyInputs",
    "Template",
    "TemplateInputs",
    "Volume",
    "VolumeInputs",
    "get_executors",
    "get_pod_logs",
]
