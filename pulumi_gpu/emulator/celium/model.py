"""The Celium emulator's data: status names, accounts, what is for rent, timings, and the
rows of its tables (executors, templates, pods, volumes, SSH keys)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.emulator.runs import Run
from pulumi_gpu.emulator.state import Timeline

# Template statuses
CREATED, UPDATED = "CREATED", "UPDATED"
VERIFY_PENDING, VERIFY_SUCCESS, VERIFY_FAILED = "VERIFY_PENDING", "VERIFY_SUCCESS", "VERIFY_FAILED"
# Pod statuses
PENDING, RUNNING, FAILED, STOPPED, DELETING = "PENDING", "RUNNING", "FAILED", "STOPPED", "DELETING"

CATEGORIES = ("DOCKER", "PYTORCH", "NVIDIA", "TENSOR_FLOW", "OPEN_AI", "UBUNTU")
NOT_DEBIAN = (
    "alpine",
    "busybox",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "archlinux",
    "opensuse",
    "gentoo",
    "scratch",
)


@dataclass(frozen=True)
class Account:
    """Who an API key belongs to (``GET /users/me``) and the balance it starts with."""

    username: str
    balance: float


ACCOUNTS = {
    "celium-emulator-key": Account("emulator-user", 1000.0),
    "celium-empty-wallet": Account("empty-wallet-user", 0.0),
    "celium-second-account-key": Account("second-user", 1000.0),
}
"""Keys the emulated Celium accepts; each key is its own account (usernames are guesses)."""
SECOND_ACCOUNT_KEY = "celium-second-account-key"

# (machine name, $/GPU/h, VRAM MiB, driver)
GPU_MODELS = [
    ("NVIDIA H200", 3.10, 143771, "570.124.06"),
    ("NVIDIA H100 80GB HBM3", 2.25, 81559, "560.35.03"),
    ("NVIDIA A100-SXM4-80GB", 1.25, 81920, "550.90.07"),
    ("NVIDIA A100 80GB PCIe", 1.05, 81920, "550.90.07"),
    ("NVIDIA L40S", 0.85, 46068, "550.54.15"),
    ("NVIDIA RTX A6000", 0.55, 49140, "535.183.01"),
    ("NVIDIA GeForce RTX 4090", 0.35, 24564, "550.120"),
    ("NVIDIA GeForce RTX 3090", 0.20, 24576, "535.171.04"),
]
LOCATIONS = [
    {"country": "United States", "country_code": "US", "region": "CA", "city": "San Jose"},
    {"country": "United States", "country_code": "US", "region": "TX", "city": "Dallas"},
    {"country": "Canada", "country_code": "CA", "region": "QC", "city": "Montreal"},
    {"country": "Germany", "country_code": "DE", "region": "HE", "city": "Frankfurt"},
    {"country": "Netherlands", "country_code": "NL", "region": "NH", "city": "Amsterdam"},
    {"country": "Finland", "country_code": "FI", "region": "18", "city": "Helsinki"},
    {"country": "Japan", "country_code": "JP", "region": "13", "city": "Tokyo"},
]
COORDINATES = {
    "San Jose": (37.34, -121.89),
    "Dallas": (32.78, -96.80),
    "Montreal": (45.50, -73.57),
    "Frankfurt": (50.11, 8.68),
    "Amsterdam": (52.37, 4.90),
    "Helsinki": (60.17, 24.94),
    "Tokyo": (35.68, 139.69),
}

DEFAULT_IMAGE_CUDA = ((570, "12.8.1"), (550, "12.4.1"), (535, "12.2.2"), (0, "12.1.1"))
"""(lowest driver major version, CUDA version) of the default images, newest first (guess)."""


def default_images_of(cuda: str) -> list[dict[str, str]]:
    """The images Celium makes for machines of one CUDA version, PyTorch first (guess:
    Datura's ``daturaai/pytorch`` and ``daturaai/ubuntu`` repositories, tags after theirs)."""
    return [
        {
            "docker_image": "daturaai/pytorch",
            "docker_image_tag": f"2.6.0-py3.11-cuda{cuda}-devel-ubuntu22.04",
        },
        {"docker_image": "daturaai/ubuntu", "docker_image_tag": f"22.04-cuda{cuda}"},
    ]


CELIUM = "celium"
"""The owner of Celium's own public templates: no API key, so no caller owns them."""


@dataclass
class Timings:
    """Simulated seconds each transition takes (tests shorten them)."""

    verify_start: float = 5.0
    verify: float = 180.0
    boot: float = 90.0
    delete: float = 15.0
    ssh_banner: float = 5.0
    """RUNNING -> the SSH port sends its banner (sshd up; guess)."""


@dataclass
class Executor:
    id: str
    machine_name: str
    gpu_count: int
    price_per_gpu: float
    memory_mib: int
    driver: str
    location: dict[str, Any]
    ip: str
    uptime_minutes: int
    tier: str
    rented_by: str | None = None

    @property
    def price_per_hour(self) -> float:
        return round(self.price_per_gpu * self.gpu_count, 4)


@dataclass
class Template:
    id: str
    owner: str
    fields: dict[str, Any]
    timeline: Timeline
    passes: bool
    created_at: float
    updated_at: float
    failure: str | None = None
    """An injected verification failure: the line its logs show instead of apt's."""

    @property
    def public(self) -> bool:
        """Readable and rentable by every account (``is_private: false``)."""
        return self.fields.get("is_private") is False


@dataclass
class Pod:
    id: str
    owner: str
    pod_name: str
    executor_id: str
    template_id: str
    volume_id: str | None
    public_keys: list[str]
    ports: dict[str, int]
    timeline: Timeline
    created_at: float
    updated_at: float
    run: Run
    """The template's ``startup_commands``, run from the moment the pod is RUNNING."""
    logs: list[str] = field(default_factory=list)
    removal_at: float | None = None
    """``removal_scheduled_at``: when the pod is removed as by a DELETE."""


@dataclass
class Volume:
    id: str
    owner: str
    name: str
    description: str
    created_at: float
    updated_at: float


@dataclass
class SshKey:
    id: str
    owner: str
    name: str
    public_key: str
    created_at: float


def user_id(owner: str) -> str:
    """The stable user UUID behind an API key (``/users/me``, a template's ``user_id``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"celium-user:{owner}"))
