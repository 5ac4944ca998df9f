"""The Prime Intellect emulator's data: pod phases and how each shows, accounts, timings,
the rows of its tables (pods, disks, SSH keys, history), and small helpers the modules
share."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.emulator.primeintellect.catalog import DiskOffer, Offer
from pulumi_gpu.emulator.state import GONE, Timeline

# Pod phases (each maps to status / installationStatus, see POD_VIEW)
PROVISIONING, PENDING, INSTALLING, READY = "PROVISIONING", "PENDING", "INSTALLING", "READY"
FAILED, DELETING, TERMINATED = "FAILED", "DELETING", "TERMINATED"
STOPPED = "STOPPED"
# Disk statuses (DiskStatusEnum; besides PROVISIONING, DELETING, TERMINATED)
ACTIVE, ERROR = "ACTIVE", "ERROR"

API_KEYS = {
    "prime-emulator-key": 1000.0,
    "prime-empty-wallet": 0.0,
    "prime-second-account-key": 1000.0,
}
"""Keys the emulated Prime Intellect accepts, with the wallet balance behind each; each
key is its own account."""
SECOND_ACCOUNT_KEY = "prime-second-account-key"

DEFAULT_IMAGE = "ubuntu_22_cuda_12"
SSH_ON_PORT_22 = frozenset({"hyperstack", "lambdalabs", "datacrunch", "nebius", "primecompute"})
"""Providers that give each pod its own address (SSH on 22); others map a high port."""

POD_VIEW: dict[str, tuple[str, str]] = {
    PROVISIONING: ("PROVISIONING", "PENDING"),
    PENDING: ("PENDING", "PENDING"),
    INSTALLING: ("ACTIVE", "ACTIVE"),
    READY: ("ACTIVE", "FINISHED"),
    FAILED: ("ERROR", "ERROR"),
    DELETING: ("DELETING", "TERMINATED"),
    TERMINATED: ("TERMINATED", "TERMINATED"),
}
"""Pod phase -> (status, installationStatus). A STOPPED pod keeps the installationStatus
of the phase it was stopped in (guess: no stop endpoint, nothing documented)."""


class PhaseTimeline(Timeline):
    """A :class:`Timeline` that can also tell which phases have begun (for the pod log)."""

    def history(self, now: float) -> list[tuple[float, str]]:
        """(start, phase) of every phase begun by ``now``, oldest first."""
        return [
            (at, status) for at, status in zip(self._at, self._status, strict=True) if at <= now
        ]


@dataclass
class Timings:
    """Simulated seconds each transition takes (tests shorten them)."""

    provision: float = 60.0
    pending: float = 20.0
    install: float = 60.0
    delete: float = 20.0
    linger: float = 300.0
    """How long a TERMINATED pod or disk still answers GET before it is gone (guess)."""
    disk_provision: float = 30.0
    disk_delete: float = 15.0
    ssh_banner: float = 5.0
    """Installed -> the SSH port sends its banner (sshd up; guess)."""


@dataclass
class PodFailure:
    """A failure planned for the next pod: during ``installation`` or ``provisioning``."""

    reason: str
    stage: str = "installation"


@dataclass
class Pod:
    id: str
    owner: str
    name: str
    offer: Offer
    image: str
    custom_template_id: str | None
    disk_size: int
    vcpus: int
    memory: int
    env_vars: list[dict[str, str]]
    jupyter_password: str | None
    disks: list[str]
    auto_restart: bool
    max_price: float | None
    price: float
    ip: str
    ports: list[dict[str, Any]]
    timeline: PhaseTimeline
    created_at: float
    failure: PodFailure | None = None
    failed_at_progress: int = 0
    terminated_at: float | None = None
    ssh_key_id: str | None = None
    """The account's key the pod was created with (``sshKeyId``, else the primary key)."""
    public_keys: list[str] = field(default_factory=list)
    """The public keys authorized on the pod, as they were at its create."""


@dataclass
class Disk:
    id: str
    owner: str
    name: str
    size: int
    offer: DiskOffer
    timeline: Timeline
    created_at: float
    updated_at: float
    terminated_at: float | None = None
    failure: str | None = None
    """Why an injected failure put the disk in ERROR (the API shows no reason)."""


@dataclass
class SshKey:
    """An account's SSH public key (``APISSHKeyConfig``)."""

    id: str
    owner: str
    name: str
    public_key: str
    created_at: float
    updated_at: float
    is_primary: bool = False


@dataclass
class HistoryEntry:
    """A terminated pod that is gone from ``/pods``; ``/pods/history`` keeps it."""

    json: dict[str, Any]
    created_at: float
    terminated_at: float


def alive(timeline: Timeline, now: float) -> bool:
    """Whether a pod or disk still counts: listed, in the leftovers, holding capacity."""
    return timeline.status(now) not in (TERMINATED, GONE)


def page(items: list[dict[str, Any]], total: int, offset: int, limit: int) -> dict[str, Any]:
    return {"total_count": total, "offset": offset, "limit": limit, "data": items}


def address(pod_id: str) -> str:
    rng = random.Random(f"ip-{pod_id}")
    return ".".join(str(rng.randint(low, 254)) for low in (23, 0, 0, 2))


def user_id(owner: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"primeintellect-user:{owner}").hex


def wallet_id(owner: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"primeintellect-wallet:{owner}").hex
