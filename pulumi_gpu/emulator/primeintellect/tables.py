"""The emulated Prime Intellect's tables, error shape, and the lookups every resource
module shares."""

from __future__ import annotations

import random
import uuid
from typing import Any

from fastapi.responses import JSONResponse, Response

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.primeintellect.catalog import (
    DiskOffer,
    Offer,
    build_disk_offers,
    build_offers,
)
from pulumi_gpu.emulator.primeintellect.model import (
    API_KEYS,
    TERMINATED,
    Disk,
    HistoryEntry,
    Pod,
    PodFailure,
    SshKey,
    Timings,
    alive,
    user_id,
)
from pulumi_gpu.emulator.ssh_banners import BannerListeners
from pulumi_gpu.emulator.state import GONE, owned


class PrimeIntellectTables(EmulatedCloud):
    """State of the emulated Prime Intellect. Objects belong to the API key that made
    them; a lookup with an ``owner`` answers 404 for another key's object, as for a
    missing one (``owner=None``: the emulator's own controls, which see everything)."""

    name = "primeintellect"
    timings: Timings
    balances: dict[str, float]
    offers: list[Offer]
    disk_offers: list[DiskOffer]
    pods: dict[str, Pod]
    disks: dict[str, Disk]
    ssh_keys: dict[str, SshKey]
    history: list[HistoryEntry]
    fail_next_pods: list[PodFailure]
    """Failures planned for the next created pods, in order."""
    fail_next_disks: list[str]
    """Reasons of the next created disks, which go to ERROR instead of ACTIVE."""

    def __init__(
        self, clock: SimClock, *, seed: int = 0, banners: BannerListeners | None = None
    ) -> None:
        self._resets = -1  # the first _clear is the start, not a reset
        super().__init__(clock, seed=seed, banners=banners)

    def _clear(self) -> None:
        # A cloud never hands out an id twice, not even after a reset.
        self._resets += 1
        self.timings = Timings()
        self.balances = dict(API_KEYS)
        self.pods = {}
        self.disks = {}
        self.ssh_keys = {}
        self.history = []
        self.fail_next_pods = []
        self.fail_next_disks = []
        suffix = f"-{self._resets}" if self._resets else ""
        self._ids = random.Random(f"primeintellect-ids-{self.seed}{suffix}")
        self.offers = build_offers(self.seed, self.timings.provision + self.timings.pending)
        self.disk_offers = build_disk_offers()

    def render_validation_error(self, errors: list[dict[str, Any]]) -> Response:
        """422 in the spec's ``ErrorResponse`` shape, plus FastAPI's ``detail`` (guess).

        The OpenAPI document declares ``{"errors": [{"param", "details"}]}``; the
        official CLI reads ``{"detail": [...]}``. Both keys are sent so that either
        reader finds what it expects (``ErrorResponse`` allows extra keys).
        """
        shaped = [
            {
                "param": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query")),
                "details": str(e.get("msg", "")),
            }
            for e in errors
        ]
        return JSONResponse({"errors": shaped, "detail": errors}, 422)

    def free_capacity(self, offer: Offer) -> int:
        with self.lock:
            now = self.clock.now()
            used = sum(1 for p in self.pods.values() if p.offer is offer and alive(p.timeline, now))
            return max(0, offer.capacity - used)

    def _pod(self, pod_id: str, owner: str | None) -> Pod:
        self._purge()
        return owned(self.pods, pod_id, owner, "Pod not found")

    def _disk(self, disk_id: str, owner: str | None) -> Disk:
        self._purge()
        return owned(self.disks, disk_id, owner, "Disk not found")

    def _ssh_key(self, key_id: str, owner: str | None) -> SshKey:
        return owned(self.ssh_keys, key_id, owner, "SSH key not found")  # guess: the wording

    def _pod_key(self, owner: str, key_id: str | None) -> SshKey | None:
        """The key a new pod gets: the account's key named by ``sshKeyId``, else the
        account's primary key, else none."""
        if key_id is not None:  # guess: 404 as for an unknown disk (the spec names no answer)
            return self._ssh_key(key_id, owner)
        # guess: the spec is silent; the primary key, as the CLI's pods expect
        return next((k for k in self.ssh_keys.values() if k.owner == owner and k.is_primary), None)

    def _disk_users(self, disk: Disk, now: float) -> list[str]:
        return [
            p.id
            for p in self.pods.values()
            if disk.id in p.disks and p.timeline.status(now) != TERMINATED
        ]

    def _history_entry(self, pod: Pod) -> HistoryEntry:
        terminated = pod.terminated_at if pod.terminated_at is not None else self.clock.now()
        hours = max(0.0, terminated - pod.created_at) / 3600
        return HistoryEntry(
            json={
                "id": pod.id,
                "name": pod.name,
                "providerType": pod.offer.provider,
                "provisionedBy": None,
                "type": "Instance",
                "createdAt": self.clock.iso(pod.created_at),
                "terminatedAt": self.clock.iso(terminated),
                "gpuName": pod.offer.gpu_type,
                "gpuCount": pod.offer.gpu_count,
                "socket": pod.offer.socket,
                "priceHr": pod.price,
                "userId": user_id(pod.owner),
                "teamId": None,
                "totalBilledPrice": round(pod.price * hours, 4),
            },
            created_at=pod.created_at,
            terminated_at=terminated,
        )

    def _purge(self) -> None:
        now = self.clock.now()
        for pod in [p for p in self.pods.values() if p.timeline.status(now) == GONE]:
            self.history.append(self._history_entry(pod))
            del self.pods[pod.id]
        for disk in [d for d in self.disks.values() if d.timeline.status(now) == GONE]:
            del self.disks[disk.id]

    def _new_id(self) -> str:
        return uuid.UUID(int=self._ids.getrandbits(128), version=4).hex
