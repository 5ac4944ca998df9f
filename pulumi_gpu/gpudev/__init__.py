"""GPU Dev API (PyTorch gpu-dev reservations): jobs, persistent disks, capacity lookups.

Configuration: the endpoint ``pulumi-gpu:gpudevEndpoint`` or ``GPU_DEV_API_URL``
(deployment-specific, required), and either an API key (``pulumi-gpu:gpudevApiKey``
(secret) or ``GPU_DEV_API_KEY``) or AWS credentials of the allowed role, exchanged at
``/v1/auth/aws-login`` for a key that is renewed when it expires
(``pulumi-gpu:gpudevAwsAccessKeyId``, ``gpudevAwsSecretAccessKey``,
``gpudevAwsSessionToken`` (secrets), or ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``).
"""

from pulumi_gpu.core.jobs import JobWait
from pulumi_gpu.gpudev.disk import Disk, DiskInputs
from pulumi_gpu.gpudev.job import GpuTypeName, Job, JobInputs
from pulumi_gpu.gpudev.lookups import (
    AccountPod,
    ClusterStatus,
    GpuAvailability,
    get_availability,
    get_cluster_status,
    get_pods,
)

__all__ = [
    "AccountPod",
    "ClusterStatus",
    "Disk",
    "DiskInputs",
    "GpuAvailability",
    "GpuTypeName",
    "Job",
    "JobInputs",
    "JobWait",
    "get_availability",
    "get_cluster_status",
    "get_pods",
]
