"""Read-only RunPod lookups for Pulumi programs: the GPU catalog with prices and stock,
the data centers, the account's pods, a pod's log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from pulumi_gpu.core.checking import Choices
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.lookup import AccountPod, gpu_label, lookup, oldest_first, upper_case
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.models import (
    CloudType,
    DataCenter,
    DataCenterRegion,
    GpuType,
    LogSource,
)

__all__ = [
    "AccountPod",
    "DataCenter",
    "GpuOffer",
    "get_data_centers",
    "get_gpu_types",
    "get_pod_logs",
    "get_pods",
]


def catalog_choices(client: RunPodClient, field: str) -> Choices | None:
    """What RunPod takes for an input naming a GPU type or data centers: its catalog's
    ids (checked at preview, see ``GpuProvider.choices``)."""
    if field == "gpu_type":
        return Choices("GPU type", {g.id for g in client.list_gpu_types()})
    if field in ("data_center_ids", "data_center_id"):
        return Choices("data center", {d.id for d in client.list_data_centers()})
    return None


class GpuOffer(BaseModel):
    """One GPU type as a pod of ``gpu_count`` GPUs on ``cloud`` would get it now."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="GPU type id, for runpod.Pod(gpu_type=...).")
    name: str = Field(description="Short name, e.g. 'RTX 4090'.")
    manufacturer: str = Field(description="NVIDIA, AMD or UNKNOWN.")
    memory_gb: int = Field(description="VRAM per GPU in GB.")
    cloud: CloudType = Field(
        description="SECURE or COMMUNITY: the cloud the prices and stock are for."
    )
    gpu_count: int = Field(description="GPUs per pod the prices and stock are for.")
    price_per_gpu: float = Field(description="USD per GPU per hour (list price).")
    price_per_hour: float = Field(description="USD per hour for the pod's GPUs.")
    availability: str = Field(description="Stock now: NONE, LOW, MEDIUM or HIGH.")
    data_centers: dict[str, str] = Field(
        default_factory=dict, description="Data center id -> stock there (NONE omitted)."
    )
    cuda_versions: list[str] = Field(
        default_factory=list, description="CUDA versions with free capacity, newest first."
    )
    max_gpus_per_pod: int = Field(description="The most GPUs of this type one pod can have.")

    @property
    def in_stock(self) -> bool:
        return self.availability != "NONE"


def _offer(gpu: GpuType, cloud: CloudType, count: int) -> GpuOffer:
    price = gpu.price_per_gpu(cloud)
    return GpuOffer(
        id=gpu.id,
        name=gpu.name,
        manufacturer=gpu.manufacturer,
        memory_gb=gpu.memory,
        cloud=cloud,
        gpu_count=count,
        price_per_gpu=price,
        price_per_hour=round(price * count, 4),
        availability=gpu.availability or "NONE",
        data_centers={d.id: d.availability for d in gpu.data_centers if d.availability != "NONE"},
        cuda_versions=[c.version for c in gpu.cuda_versions if c.available],
        max_gpus_per_pod=gpu.max_gpus(cloud),
    )


@lookup
def get_gpu_types(
    *,
    gpu_count: int = 1,
    cloud: CloudType = "SECURE",
    name: str | None = None,
    manufacturer: str | None = None,
    min_memory_gb: int | None = None,
    max_price_per_hour: float | None = None,
    in_stock: bool = False,
    data_center_id: str | None = None,
    country_codes: Sequence[str] | None = None,
    min_cuda_version: str | None = None,
) -> list[GpuOffer]:
    """GPU types for pods of ``gpu_count`` GPUs on ``cloud``, cheapest first.

    Filters: ``name`` (part of the id or short name, case-insensitive), ``manufacturer``,
    ``min_memory_gb`` per GPU, ``max_price_per_hour`` for the pod's GPUs, ``in_stock``
    (availability other than NONE), ``data_center_id`` (in stock there),
    ``country_codes`` (ISO codes of the data centers, e.g. ``["US", "CA"]``) and
    ``min_cuda_version``. Types that cannot have ``gpu_count`` GPUs on ``cloud`` are left
    out. Credentials come from ``pulumi-gpu:runpodApiKey`` / ``RUNPOD_API_KEY``.

    Example::

        cheapest = runpod.get_gpu_types(min_memory_gb=80, in_stock=True)[0]
        pod = runpod.Pod("trainer", gpu_type=cheapest.id, image="runpod/pytorch:2.4.0")
    """
    if gpu_count < 1:
        raise GpuCloudError(f"gpu_count must be at least 1, got {gpu_count}")
    codes = [c.upper() for c in country_codes or []]
    catalog = runpod_client().list_gpu_types(
        availability=True,
        count=gpu_count,
        cloud=cloud,
        country_codes=codes or None,
        min_cuda_version=min_cuda_version,
    )
    offers = [
        _offer(g, cloud, gpu_count)
        for g in catalog
        if g.offered_in(cloud) and g.max_gpus(cloud) >= gpu_count
    ]
    wanted = name.lower() if name else None
    found = [
        o
        for o in offers
        if (wanted is None or wanted in f"{o.id} {o.name}".lower())
        and (manufacturer is None or o.manufacturer.lower() == manufacturer.lower())
        and (min_memory_gb is None or o.memory_gb >= min_memory_gb)
        and (max_price_per_hour is None or o.price_per_hour <= max_price_per_hour + 1e-9)
        and (not in_stock or o.in_stock)
        and (data_center_id is None or data_center_id in o.data_centers)
    ]
    return sorted(found, key=lambda o: (o.price_per_hour, o.id))


@lookup
def get_pod_logs(pod_id: str, *, tail: int = 100, source: LogSource = "container") -> list[str]:
    """The last ``tail`` lines (at most 5000) of a pod's log: ``source`` "container" (what
    it prints) or "system" (RunPod's own: image pull, start).

    Example::

        print("\\n".join(runpod.get_pod_logs(pod_id, tail=20)))
    """
    return [line for _, line in runpod_client().pod_logs(pod_id, tail=tail, source=source)]


@lookup
def get_data_centers(
    *,
    region: Annotated[DataCenterRegion, BeforeValidator(upper_case)] | None = None,
    gpu_type: str | None = None,
) -> list[DataCenter]:
    """RunPod's data centers, by id: each with its ``region`` (e.g. ``EUROPE``), the
    ``network_volume_types`` it hosts, ``compliance``, ``global_network`` and
    ``gpus_in_stock`` (GPU type id -> stock). ``gpu_type``: only where that type is in
    stock now.

    Example::

        dc = runpod.get_data_centers(region="EUROPE", gpu_type="NVIDIA H100 80GB HBM3")[0]
        volume = runpod.NetworkVolume("data", size_gb=100, data_center_id=dc.id)
    """
    found = runpod_client().list_data_centers(regions=[region] if region else None)
    if gpu_type is not None:
        found = [dc for dc in found if gpu_type in dc.gpus_in_stock]
    return sorted(found, key=lambda dc: dc.id)


@lookup
def get_pods() -> list[AccountPod]:
    """Every pod of the account now, whoever made it, oldest first.

    Example::

        pulumi.export("runpod_pods", [f"{p.name} {p.status}" for p in runpod.get_pods()])
    """
    pods = runpod_client().list_pods()
    found = [
        AccountPod(
            cloud="runpod",
            id=pod.id,
            name=pod.name,
            status=pod.status,
            gpu=gpu_label(pod.gpu.count, pod.gpu.id) if pod.gpu else "",
            cost_per_hour=pod.cost,
            created_at=pod.created_at,
        )
        for pod in pods
    ]
    return oldest_first(found)
