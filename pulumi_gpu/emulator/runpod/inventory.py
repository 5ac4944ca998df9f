"""What the emulated RunPod sells: data centers, GPU types with prices and stock, CPU
flavors, and the public templates every account can use.

Ids and names follow RunPod's catalog; prices, stock and CUDA versions are guesses
in the range RunPod lists (the real ones change by the hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DataCenter:
    id: str
    name: str
    country: str
    volume_types: tuple[str, ...]
    """Network volume tiers offered; the first is the data center's default."""

    @property
    def region(self) -> str:
        """The continent (``DataCenterRegion``)."""
        return "NORTH_AMERICA" if self.country in ("US", "CA") else "EUROPE"


DATA_CENTERS = [
    DataCenter("US-KS-2", "US Kansas 2", "US", ("STANDARD", "HIGH_PERFORMANCE")),
    DataCenter("US-TX-3", "US Texas 3", "US", ("STANDARD",)),
    DataCenter("US-CA-2", "US California 2", "US", ("HIGH_PERFORMANCE", "STANDARD")),
    DataCenter("CA-MTL-1", "Canada Montreal 1", "CA", ("STANDARD",)),
    DataCenter("EU-RO-1", "Europe Romania 1", "RO", ("STANDARD", "HIGH_PERFORMANCE")),
    DataCenter("EU-SE-1", "Europe Sweden 1", "SE", ("STANDARD",)),
    DataCenter("EUR-IS-1", "Europe Iceland 1", "IS", ()),
]
DATA_CENTER_BY_ID = {dc.id: dc for dc in DATA_CENTERS}
COMPLIANCE: dict[str, tuple[str, ...]] = {
    "US-KS-2": ("ISO_IEC_27001", "SOC_2_TYPE_2"),
    "US-TX-3": ("SOC_2_TYPE_2",),
    "US-CA-2": ("ISO_IEC_27001", "SOC_2_TYPE_2"),
    "EU-RO-1": ("GDPR", "ISO_IEC_27001", "SOC_2_TYPE_2"),
    "EU-SE-1": ("GDPR",),
    "EUR-IS-1": ("GDPR", "RENEWABLE"),
}
"""Certifications per data center (guess; none listed: none held)."""
DC_IDS = tuple(dc.id for dc in DATA_CENTERS)


@dataclass(frozen=True)
class GpuModel:
    id: str
    name: str
    pool: str | None
    manufacturer: str
    memory: int
    secure_price: float
    community_price: float | None
    """None: not offered on the community cloud."""
    serverless_price: float | None
    max_secure: int
    max_community: int

    def price(self, cloud: str) -> float:
        return self.secure_price if cloud == "SECURE" else self.community_price or 0.0

    def max_count(self, cloud: str) -> int:
        return self.max_secure if cloud == "SECURE" else self.max_community


def _gpu(id_: str, name: str, pool: str | None, memory: int, *prices_and_counts: Any) -> GpuModel:
    secure, community, serverless, max_secure, max_community = prices_and_counts
    maker = "AMD" if id_.startswith("AMD") else "NVIDIA"
    return GpuModel(
        id_, name, pool, maker, memory, secure, community, serverless, max_secure, max_community
    )


# id, name, serverless pool, GB; $/GPU/h secure, community, serverless; max GPUs secure, community
GPU_MODELS = [
    _gpu("NVIDIA GeForce RTX 3090", "RTX 3090", "AMPERE_24", 24, 0.43, 0.22, 0.00019, 8, 8),
    _gpu("NVIDIA GeForce RTX 4090", "RTX 4090", "ADA_24", 24, 0.69, 0.34, 0.00031, 8, 8),
    _gpu("NVIDIA RTX A6000", "RTX A6000", "AMPERE_48", 48, 0.49, 0.33, 0.00034, 8, 4),
    _gpu("NVIDIA L40S", "L40S", "ADA_48_PRO", 48, 0.86, None, 0.00053, 8, 0),
    _gpu("NVIDIA A100 80GB PCIe", "A100 PCIe", "AMPERE_80", 80, 1.64, 1.19, 0.00076, 8, 4),
    _gpu("NVIDIA A100-SXM4-80GB", "A100 SXM", "AMPERE_80", 80, 1.89, None, 0.00076, 8, 0),
    _gpu("NVIDIA H100 PCIe", "H100 PCIe", "HOPPER_141", 80, 2.39, 1.99, None, 8, 2),
    _gpu("NVIDIA H100 80GB HBM3", "H100 SXM", "HOPPER_141", 80, 2.69, None, 0.00116, 8, 0),
    _gpu("NVIDIA H200", "H200 SXM", None, 141, 3.99, None, None, 8, 0),
    _gpu("AMD Instinct MI300X OAM", "MI300X", None, 192, 2.49, None, None, 8, 0),
]
GPUS = {g.id: g for g in GPU_MODELS}

# GPU id -> data center -> (free GPUs on SECURE, free GPUs on COMMUNITY, CUDA version)
STOCK: dict[str, dict[str, tuple[int, int, str | None]]] = {
    "NVIDIA GeForce RTX 3090": {"EU-RO-1": (4, 12, "12.4"), "US-TX-3": (0, 6, "12.2")},
    "NVIDIA GeForce RTX 4090": {
        "US-KS-2": (16, 8, "12.8"),
        "EU-RO-1": (8, 16, "12.8"),
        "CA-MTL-1": (4, 0, "12.4"),
    },
    "NVIDIA RTX A6000": {"US-KS-2": (8, 4, "12.4"), "EU-SE-1": (4, 0, "12.2")},
    "NVIDIA L40S": {"US-TX-3": (16, 0, "12.8"), "EU-RO-1": (8, 0, "12.8")},
    "NVIDIA A100 80GB PCIe": {"US-KS-2": (8, 0, "12.6"), "EU-SE-1": (4, 2, "12.4")},
    "NVIDIA A100-SXM4-80GB": {"US-TX-3": (16, 0, "12.6")},
    "NVIDIA H100 PCIe": {"CA-MTL-1": (2, 0, "12.8")},
    "NVIDIA H100 80GB HBM3": {"US-KS-2": (16, 0, "12.8"), "EU-RO-1": (8, 0, "12.8")},
    "NVIDIA H200": {"US-CA-2": (0, 0, "12.8")},  # listed, never in stock
    "AMD Instinct MI300X OAM": {"EU-RO-1": (8, 0, None)},
}


@dataclass(frozen=True)
class CpuFlavor:
    id: str
    name: str
    group: str
    min_vcpus: int
    max_vcpus: int
    ram_per_vcpu: float
    price_per_vcpu: float
    serverless_per_vcpu: float


CPU_FLAVORS = {
    f.id: f
    for f in (
        CpuFlavor("cpu3c", "Compute-Optimized", "Gen 3", 2, 32, 2.0, 0.03, 0.025),
        CpuFlavor("cpu3g", "General Purpose", "Gen 3", 2, 32, 4.0, 0.035, 0.03),
        CpuFlavor("cpu5c", "Compute-Optimized", "Gen 5", 2, 32, 2.0, 0.04, 0.035),
    )
}
"""CPU flavors, sold in every data center (guess: CPU stock is not modelled)."""

DEFAULT_DISK_GB = 50
"""Container disk of a pod or template created without one (guess, after v1's default)."""


def template_defaults() -> dict[str, Any]:
    """A template's fields when the create body leaves them out (the spec's defaults)."""
    return {
        "args": "",
        "disk": DEFAULT_DISK_GB,
        "mounts": {},
        "ports": [],
        "env": {},
        "registry": None,
        "category": "NVIDIA",
        "public": False,
        "serverless": False,
        "startSsh": True,
        "startJupyter": True,
        "allowedCudaVersions": [],
    }


PUBLIC_TEMPLATES: dict[str, dict[str, Any]] = {
    "runpod-torch-v240": {
        "name": "RunPod Pytorch 2.4.0",
        "image": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
        "ports": ["8888/http", "22/tcp"],
        "disk": 50,
        "mounts": {"persistent": {"size": 20, "path": "/workspace"}},
    },
    "runpod-ubuntu": {
        "name": "Runpod Ubuntu",
        "image": "runpod/base:0.6.2-cpu",
        "ports": ["22/tcp"],
        "disk": 20,
        "mounts": {},
        "category": "CPU",
    },
}
"""Public catalog templates every account can read and create pods from."""


def gpu_json(model: GpuModel) -> dict[str, Any]:
    """A ``GpuType`` without availability."""
    price: dict[str, float] = {"secure": model.secure_price, "community": model.price("COMMUNITY")}
    if model.serverless_price is not None:
        price["serverless"] = model.serverless_price
    return {
        "id": model.id,
        "name": model.name,
        "pool": model.pool,
        "manufacturer": model.manufacturer,
        "memory": model.memory,
        "secure": model.max_secure > 0,
        "community": model.community_price is not None and model.max_community > 0,
        "price": price,
        "maxCount": {"secure": model.max_secure, "community": model.max_community},
    }


def stock_level(free: int, count: int) -> str:
    """Stock level of ``free`` GPUs for pods of ``count`` (guess: thresholds unpublished)."""
    pods = free // max(count, 1)
    if pods >= 8:
        return "HIGH"
    if pods >= 3:
        return "MEDIUM"
    return "LOW" if pods >= 1 else "NONE"


def version(text: str) -> tuple[int, ...]:
    """'12.4' -> (12, 4), compared numerically (12.11 > 12.2)."""
    return tuple(int(part) for part in text.split("."))
