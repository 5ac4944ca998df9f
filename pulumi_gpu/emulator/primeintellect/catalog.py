"""What the emulated Prime Intellect sells: GPU offers and disk locations.

Prime Intellect fronts many providers; an offer (an ``/availability/gpus`` row) is one
GPU configuration (type, socket, count) of one provider in one data center, with its
price, the images it can run, and the disk / vCPU / memory ranges a pod may ask for.
The catalog is built deterministically from the seed: which GPUs each data center
has is fixed below (tests rely on it), prices and capacity vary with the seed.

Enums follow ``primeintellect-compute.openapi.yml``. Where the contract is silent
the choices are marked "guess".
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from typing import Any

from pulumi_gpu.emulator.primeintellect.enums import IMAGES

REQUIRES_MAX_PRICE = frozenset({"massedcompute"})
"""Providers that refuse a pod without ``maxPrice`` ("Missing field: max_price not
specified", PrimeIntellect-ai/prime#141)."""

# (gpu type, socket, GB per GPU, USD per hour per GPU on secure cloud, short name)
GPU_MODELS: dict[tuple[str, str], tuple[int, float, str]] = {
    ("H100_80GB", "SXM5"): (80, 2.49, "H100-SXM5"),
    ("H100_80GB", "PCIe"): (80, 1.99, "H100"),
    ("H200_141GB", "SXM5"): (141, 3.39, "H200"),
    ("B200_180GB", "SXM6"): (180, 5.49, "B200"),
    ("A100_80GB", "SXM4"): (80, 1.39, "A100-80G-SXM4"),
    ("A100_80GB", "PCIe"): (80, 1.19, "A100-80G"),
    ("A100_40GB", "SXM4"): (40, 0.99, "A100-40G"),
    ("L40S_48GB", "PCIe"): (48, 0.89, "L40S"),
    ("A6000_48GB", "PCIe"): (48, 0.49, "A6000"),
    ("RTX4090_24GB", "PCIe"): (24, 0.34, "RTX4090"),
}

_BASIC_IMAGES = (
    "ubuntu_22_cuda_12",
    "cuda_12_1_pytorch_2_4",
    "cuda_12_4_pytorch_2_5",
    "cuda_12_4_pytorch_2_6",
    "cuda_12_6_pytorch_2_7",
)


@dataclass(frozen=True)
class DataCenter:
    """One provider's location and what it sells there."""

    provider: str
    id: str
    country: str
    region: str
    security: str
    gpus: tuple[tuple[str, str], ...]
    fixed_specs: bool = False
    """The provider sells fixed machines: disk, vCPUs and memory cannot be chosen."""
    images: tuple[str, ...] = IMAGES
    disks: bool = True
    """Whether the location sells network disks (``/availability/disks``)."""
    multinode_disks: bool = True


DATA_CENTERS: tuple[DataCenter, ...] = (
    DataCenter(
        "hyperstack",
        "CANADA-1",
        "CA",
        "canada",
        "secure_cloud",
        (
            ("H100_80GB", "SXM5"),
            ("H100_80GB", "PCIe"),
            ("H200_141GB", "SXM5"),
            ("A100_80GB", "SXM4"),
            ("A100_80GB", "PCIe"),
            ("L40S_48GB", "PCIe"),
            ("A6000_48GB", "PCIe"),
        ),
    ),
    DataCenter(
        "hyperstack",
        "NORWAY-1",
        "NO",
        "eu_north",
        "secure_cloud",
        (("H100_80GB", "PCIe"), ("A100_80GB", "PCIe"), ("L40S_48GB", "PCIe")),
    ),
    DataCenter(
        "hyperstack",
        "US-1",
        "US",
        "united_states",
        "secure_cloud",
        (("H100_80GB", "SXM5"), ("H200_141GB", "SXM5")),
    ),
    DataCenter(
        "lambdalabs",
        "us-east-1",
        "US",
        "united_states",
        "secure_cloud",
        (
            ("H100_80GB", "SXM5"),
            ("A100_80GB", "SXM4"),
            ("A100_40GB", "SXM4"),
            ("A6000_48GB", "PCIe"),
        ),
        fixed_specs=True,
        images=_BASIC_IMAGES,  # guess: no custom templates on fixed machines
        disks=False,
    ),
    DataCenter(
        "lambdalabs",
        "us-west-2",
        "US",
        "united_states",
        "secure_cloud",
        (("H100_80GB", "PCIe"), ("A100_40GB", "SXM4")),
        fixed_specs=True,
        images=_BASIC_IMAGES,
        disks=False,
    ),
    DataCenter(
        "datacrunch",
        "FIN-01",
        "FI",
        "eu_north",
        "secure_cloud",
        (
            ("H100_80GB", "SXM5"),
            ("H200_141GB", "SXM5"),
            ("B200_180GB", "SXM6"),
            ("A100_80GB", "SXM4"),
            ("L40S_48GB", "PCIe"),
        ),
    ),
    DataCenter(
        "datacrunch",
        "ICE-01",
        "IS",
        "eu_north",
        "secure_cloud",
        (("H100_80GB", "SXM5"), ("A100_80GB", "SXM4")),
    ),
    DataCenter(
        "runpod",
        "US-TX-3",
        "US",
        "united_states",
        "secure_cloud",
        (
            ("H100_80GB", "SXM5"),
            ("H100_80GB", "PCIe"),
            ("A100_80GB", "PCIe"),
            ("L40S_48GB", "PCIe"),
            ("A6000_48GB", "PCIe"),
            ("RTX4090_24GB", "PCIe"),
        ),
        multinode_disks=False,
    ),
    DataCenter(
        "runpod",
        "EU-RO-1",
        "RO",
        "eu_east",
        "community_cloud",
        (
            ("H100_80GB", "PCIe"),
            ("A100_80GB", "PCIe"),
            ("A6000_48GB", "PCIe"),
            ("RTX4090_24GB", "PCIe"),
        ),
        multinode_disks=False,
    ),
    DataCenter(
        "massedcompute",
        "US-KS-1",
        "US",
        "united_states",
        "secure_cloud",
        (
            ("H100_80GB", "PCIe"),
            ("A100_80GB", "PCIe"),
            ("L40S_48GB", "PCIe"),
            ("A6000_48GB", "PCIe"),
        ),
        disks=False,
    ),
    DataCenter(
        "nebius",
        "eu-north1",
        "FI",
        "eu_north",
        "secure_cloud",
        (("H100_80GB", "SXM5"), ("H200_141GB", "SXM5"), ("B200_180GB", "SXM6")),
    ),
    DataCenter(
        "primecompute",
        "US-CA-2",
        "US",
        "united_states",
        "secure_cloud",
        (("H100_80GB", "SXM5"), ("A100_80GB", "SXM4")),
    ),
)

GPU_COUNTS = (1, 2, 4, 8)


def _cloud_id(provider: str, gpu_type: str, socket: str, count: int) -> str:
    """Provider-style machine names (the seed's hyperstack example is ``n3-H100x1``)."""
    short = GPU_MODELS[(gpu_type, socket)][2]
    if provider == "hyperstack":
        return f"n3-{short}x{count}"
    if provider == "lambdalabs":
        return f"gpu_{count}x_{short.lower().replace('-', '_')}"
    if provider == "datacrunch":
        return f"{count}{short}.{GPU_MODELS[(gpu_type, socket)][0]}S"
    if provider == "runpod":
        return f"NVIDIA {short} x{count}"
    if provider == "nebius":
        return f"gpu-{short.lower()}-{count}gpu"
    return f"{provider}-{count}x{gpu_type}-{socket}"


@dataclass(frozen=True)
class SpecRange:
    """A ``CustomSpecValue``: what a pod may ask for, and the price of more."""

    min: int
    default: int
    max: int
    price_per_unit: float
    step: int = 1

    def admits(self, value: int) -> bool:
        return self.min <= value <= self.max and (value - self.min) % self.step == 0

    def extra_price(self, value: int) -> float:
        """Hourly price of asking for more than the default (included in the price)."""
        return max(0, value - self.default) * self.price_per_unit

    def describe(self, unit: str) -> str:
        step = f" in steps of {self.step}" if self.step > 1 else ""
        return f"{self.min} to {self.max}{unit}{step}"

    def json(self) -> dict[str, Any]:
        return {
            "minCount": self.min,
            "defaultCount": self.default,
            "maxCount": self.max,
            "pricePerUnit": self.price_per_unit,
            "step": self.step,
            "defaultIncludedInPrice": True,
            "additionalInfo": None,
        }


@dataclass
class Offer:
    """One ``GpuAvailability`` row with the capacity behind it."""

    cloud_id: str
    gpu_type: str
    socket: str
    gpu_count: int
    gpu_memory: int
    center: DataCenter
    price: float
    disk: SpecRange
    vcpu: SpecRange
    memory: SpecRange
    capacity: int
    provisioning_minutes: int
    images: tuple[str, ...] = field(default=IMAGES)
    spot: bool = False
    """Sold as spot (``isSpot``): cheaper, and the provider may take the machine back."""

    @property
    def provider(self) -> str:
        return self.center.provider

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies an offer: provider, data center and cloud id."""
        return (self.center.provider, self.center.id, self.cloud_id)


@dataclass(frozen=True)
class DiskOffer:
    """One ``DiskAvailability`` row."""

    center: DataCenter
    cloud_id: str
    spec: SpecRange


def stock_status(free: int) -> str:
    """Capacity left -> the API's coarse ``stockStatus``."""
    if free <= 0:
        return "Unavailable"
    if free <= 2:
        return "Low"
    if free <= 6:
        return "Medium"
    return "High"


def build_offers(seed: int, provisioning_seconds: float) -> list[Offer]:
    """Every data center's GPUs in 1x/2x/4x/8x (not RTX 4090 x8), seeded price and stock."""
    rng = random.Random(f"primeintellect-offers-{seed}")
    minutes = max(1, math.ceil(provisioning_seconds / 60))
    offers: list[Offer] = []
    for center in DATA_CENTERS:
        community = center.security == "community_cloud"
        for gpu_type, socket in center.gpus:
            memory_gb, per_gpu, _ = GPU_MODELS[(gpu_type, socket)]
            for count in GPU_COUNTS:
                if gpu_type == "RTX4090_24GB" and count == 8:
                    continue
                factor = rng.uniform(0.9, 1.2) * (0.75 if community else 1.0)
                offers.append(
                    Offer(
                        cloud_id=_cloud_id(center.provider, gpu_type, socket, count),
                        gpu_type=gpu_type,
                        socket=socket,
                        gpu_count=count,
                        gpu_memory=memory_gb,
                        center=center,
                        price=round(per_gpu * count * factor, 2),
                        disk=_spec(center, 100 * count, 50, 2000 * count, 0.00005),
                        vcpu=_spec(center, 16 * count, 4 * count, 32 * count, 0.01, step=2),
                        memory=_spec(center, 96 * count, 32 * count, 240 * count, 0.002),
                        capacity=rng.choice((0, 2, 3, 5, 8, 12, 20, 20)),
                        provisioning_minutes=minutes,
                        images=center.images,
                    )
                )
    return offers + _spot_offers(offers, seed)


SPOT_CENTERS = ("CANADA-1",)
"""Where the emulator sells spot machines. guess: the API says only ``isSpot`` per offer."""


def _spot_offers(offers: list[Offer], seed: int) -> list[Offer]:
    """Spot twins of the 1- and 8-GPU offers of :data:`SPOT_CENTERS`: their own cloud
    id, about half the price (guess), their own stock."""
    rng = random.Random(f"primeintellect-spot-{seed}")
    return [
        replace(
            offer,
            cloud_id=f"{offer.cloud_id}_spot",
            price=round(offer.price * 0.55, 2),
            capacity=rng.choice((2, 5, 8)),
            spot=True,
        )
        for offer in offers
        if offer.center.id in SPOT_CENTERS and offer.gpu_count in (1, 8)
    ]


def _spec(
    center: DataCenter, default: int, low: int, high: int, unit: float, *, step: int = 1
) -> SpecRange:
    if center.fixed_specs:  # a fixed machine: exactly what it has
        return SpecRange(default, default, default, 0.0)
    return SpecRange(low, default, high, unit, step)


def build_disk_offers() -> list[DiskOffer]:
    """One disk product per data center that sells disks (sizes in GB, price per GB-hour)."""
    return [
        DiskOffer(
            center=center,
            cloud_id=f"{center.provider}-{center.id.lower()}-nvme",
            spec=SpecRange(10, 100, 16000 if center.multinode_disks else 4000, 0.00007),
        )
        for center in DATA_CENTERS
        if center.disks
    ]
