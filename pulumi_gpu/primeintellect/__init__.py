"""Prime Intellect: pods from availability offers, network disks, SSH keys, availability
lookups.

Configuration: ``pulumi-gpu:primeApiKey`` (secret) or ``PRIME_API_KEY``; endpoint
``pulumi-gpu:primeEndpoint`` or ``PRIME_API_URL`` (default
``https://api.primeintellect.ai/api/v1``); team ``pulumi-gpu:primeTeamId`` or
``PRIME_TEAM_ID``.
"""

from pulumi_gpu.primeintellect.disk import Disk, DiskInputs
from pulumi_gpu.primeintellect.job import NO_JOBS, Job
from pulumi_gpu.primeintellect.lookups import (
    AccountPod,
    DiskOffer,
    GpuOffer,
    HistoryEntry,
    OfferQuery,
    get_availability,
    get_disk_availability,
    get_pod_history,
    get_pod_logs,
    get_pods,
)
from pulumi_gpu.primeintellect.models import (
    GpuType,
    Image,
    ProviderType,
    Region,
    Security,
    Socket,
)
from pulumi_gpu.primeintellect.pod import Pod, PodInputs
from pulumi_gpu.primeintellect.ssh_key import SshKey, SshKeyInputs

__all__ = [
    "NO_JOBS",
    "AccountPod",
    "Disk",
    "DiskInputs",
    "DiskOffer",
    "GpuOffer",
    "GpuType",
    "HistoryEntry",
    "Image",
    "Job",
    "OfferQuery",
    "Pod",
    "PodInputs",
    "ProviderType",
    "Region",
    "Security",
    "Socket",
    "SshKey",
    "SshKeyInputs",
    "get_availability",
    "get_disk_availability",
    "get_pod_history",
    "get_pod_logs",
    "get_pods",
]
