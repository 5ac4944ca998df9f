"""Prime Intellect's state and rules: offers with capacity, pods, disks, history.

Follows ``shared/reference/apis/primeintellect.md`` and the OpenAPI document. A pod
goes PROVISIONING -> PENDING -> ACTIVE, then installs its image (``installationStatus``
ACTIVE with ``installationProgress`` rising) until FINISHED, when ``sshConnection``,
``ip`` and ``primePortMapping`` are filled in. A failed installation is ERROR with
``installationFailure``. DELETE makes it DELETING, then TERMINATED (in the history),
then it is gone. Disks go PROVISIONING -> ACTIVE and are attached to pods at create.

Where the contract is silent the choices are marked "guess": the wording of the
400 answers (only "Missing field: max_price not specified" is real), 402 for an empty
wallet, a TERMINATED pod or disk still answering GET for a while, and the pod log
as a list of lines.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.primeintellect.catalog import (
    REQUIRES_MAX_PRICE,
    DiskOffer,
    Offer,
    build_disk_offers,
    build_offers,
    stock_status,
)
from pulumi_gpu.emulator.state import GONE, CloudError, Timeline

# Pod phases (each maps to status / installationStatus, see _POD_VIEW)
PROVISIONING, PENDING, INSTALLING, READY = "PROVISIONING", "PENDING", "INSTALLING", "READY"
FAILED, DELETING, TERMINATED = "FAILED", "DELETING", "TERMINATED"
# Disk statuses
ACTIVE = "ACTIVE"

API_KEYS = {"prime-emulator-key": 1000.0, "prime-empty-wallet": 0.0}
"""Keys the emulated Prime Intellect accepts, with the wallet balance behind each."""

DEFAULT_IMAGE = "ubuntu_22_cuda_12"
SSH_ON_PORT_22 = frozenset({"hyperstack", "lambdalabs", "datacrunch", "nebius", "primecompute"})
"""Providers that give each pod its own address (SSH on 22); others map a high port."""

_POD_VIEW: dict[str, tuple[str, str]] = {
    PROVISIONING: ("PROVISIONING", "PENDING"),
    PENDING: ("PENDING", "PENDING"),
    INSTALLING: ("ACTIVE", "ACTIVE"),
    READY: ("ACTIVE", "FINISHED"),
    FAILED: ("ERROR", "ERROR"),
    DELETING: ("DELETING", "TERMINATED"),
    TERMINATED: ("TERMINATED", "TERMINATED"),
}
"""Pod phase -> (status, installationStatus)."""


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


@dataclass
class HistoryEntry:
    """A terminated pod that is gone from ``/pods``; ``/pods/history`` keeps it."""

    json: dict[str, Any]
    created_at: float
    terminated_at: float


class PrimeIntellectBackend(EmulatedCloud):
    """The emulated Prime Intellect compute API, served under ``/primeintellect``."""

    name = "primeintellect"

    def __init__(self, clock: SimClock, *, seed: int = 0) -> None:
        super().__init__(clock)
        self.seed = seed
        self.timings = Timings()
        self.balances = dict(API_KEYS)
        self.offers: list[Offer] = []
        self.disk_offers: list[DiskOffer] = []
        self.pods: dict[str, Pod] = {}
        self.disks: dict[str, Disk] = {}
        self.history: list[HistoryEntry] = []
        self.fail_next_pods: list[PodFailure] = []
        self._resets = 0
        self._ids = random.Random(f"primeintellect-ids-{seed}")
        self._seed_catalog()

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        return (
            {"pulumi-gpu:primeEndpoint": f"{base_url}/api/v1"},
            {"pulumi-gpu:primeApiKey": "prime-emulator-key"},
        )

    def render_validation_error(self, errors: list[dict[str, Any]]) -> Any:
        """422 in the spec's ``ErrorResponse`` shape, plus FastAPI's ``detail`` (guess).

        The OpenAPI document declares ``{"errors": [{"param", "details"}]}``; the
        official CLI reads ``{"detail": [...]}``. Both keys are sent so that either
        reader finds what it expects (``ErrorResponse`` allows extra keys).
        """
        from fastapi.responses import JSONResponse

        shaped = [
            {
                "param": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query")),
                "details": str(e.get("msg", "")),
            }
            for e in errors
        ]
        return JSONResponse({"errors": shaped, "detail": errors}, 422)

    # -- emulator controls ----------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.timings = Timings()
            self.balances = dict(API_KEYS)
            self.pods.clear()
            self.disks.clear()
            self.history.clear()
            self.fail_next_pods.clear()
            # A cloud never hands out an id twice, not even after a reset.
            self._resets += 1
            self._ids = random.Random(f"primeintellect-ids-{self.seed}-{self._resets}")
            self._seed_catalog()

    def _seed_catalog(self) -> None:
        self.offers = build_offers(self.seed, self.timings.provision + self.timings.pending)
        self.disk_offers = build_disk_offers()

    def leftovers(self) -> dict[str, list[str]]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            return {
                "pods": sorted(p.id for p in self.pods.values() if _alive(p.timeline, now)),
                "disks": sorted(d.id for d in self.disks.values() if _alive(d.timeline, now)),
            }

    def fail_pod(self, pod_id: str, reason: str) -> None:
        """Make a pod's installation fail now, with ``reason`` as ``installationFailure``."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            now = self.clock.now()
            pod.failure = PodFailure(reason)
            pod.failed_at_progress = self._progress(pod, now) or 0
            pod.timeline.go(now, FAILED)

    def remove_pod(self, pod_id: str) -> None:
        """Terminate a pod out of band (as if from the web console): TERMINATED at once."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            now = self.clock.now()
            pod.terminated_at = now
            pod.timeline.go(now, TERMINATED, [(self.timings.linger, GONE)])

    def remove_disk(self, disk_id: str) -> None:
        """Delete a disk out of band: TERMINATED at once."""
        with self.lock:
            disk = self._disk(disk_id, owner=None)
            now = self.clock.now()
            disk.terminated_at = now
            disk.timeline.go(now, TERMINATED, [(self.timings.linger, GONE)])

    def set_capacity(self, capacity: int, **match: str | int | None) -> list[str]:
        """Set the capacity of every offer matching ``match`` (gpu_type, provider, ...)."""
        with self.lock:
            changed = []
            for offer in self.offers:
                values = {
                    "gpu_type": offer.gpu_type,
                    "gpu_count": offer.gpu_count,
                    "socket": offer.socket,
                    "provider": offer.provider,
                    "data_center_id": offer.center.id,
                    "cloud_id": offer.cloud_id,
                }
                if all(v is None or values[k] == v for k, v in match.items()):
                    offer.capacity = capacity
                    changed.append(offer.cloud_id)
            return changed

    def free_capacity(self, offer: Offer) -> int:
        with self.lock:
            now = self.clock.now()
            used = sum(
                1 for p in self.pods.values() if p.offer is offer and _alive(p.timeline, now)
            )
            return max(0, offer.capacity - used)

    # -- availability -----------------------------------------------------------------

    def gpu_availability(
        self, owner: str, filters: dict[str, Any], page: int, page_size: int
    ) -> dict[str, Any]:
        with self.lock:
            self._purge()
            found = [o for o in self.offers if self._offer_matches(owner, o, filters)]
            start = (page - 1) * page_size
            return {
                "items": [self._offer_json(o) for o in found[start : start + page_size]],
                "totalCount": len(found),
            }

    def _offer_matches(self, owner: str, offer: Offer, filters: dict[str, Any]) -> bool:
        center = offer.center
        checks = (
            ("gpu_type", offer.gpu_type),
            ("gpu_count", offer.gpu_count),
            ("socket", offer.socket),
            ("security", center.security),
            ("data_center_id", center.id),
            ("cloud_id", offer.cloud_id),
        )
        if any(filters.get(k) is not None and filters[k] != v for k, v in checks):
            return False
        regions = filters.get("regions")
        if regions and center.region not in regions:
            return False
        disk_ids = filters.get("disks")
        if disk_ids:
            for disk_id in disk_ids:
                disk = self.disks.get(disk_id)
                if disk is None or disk.owner != owner or disk.offer.center != center:
                    return False
        return True

    def _offer_json(self, offer: Offer) -> dict[str, Any]:
        center = offer.center
        community = center.security == "community_cloud"
        sxm = offer.socket.startswith("SXM")
        return {
            "cloudId": offer.cloud_id,
            "gpuType": offer.gpu_type,
            "socket": offer.socket,
            "provider": center.provider,
            "region": center.region,
            "dataCenter": center.id,
            "country": center.country,
            "gpuCount": offer.gpu_count,
            "gpuMemory": offer.gpu_memory,
            "disk": offer.disk.json(),
            "sharedDisk": {},
            "vcpu": offer.vcpu.json(),
            "memory": offer.memory.json(),
            "internetSpeed": 10000 if not community else 1000,
            "interconnect": 900 if sxm and offer.gpu_count > 1 else None,
            "interconnectType": "NVLink" if sxm and offer.gpu_count > 1 else None,
            "provisioningTime": offer.provisioning_minutes,
            "stockStatus": stock_status(self.free_capacity(offer)),
            "security": center.security,
            "prices": {
                "onDemand": None if community else offer.price,
                "communityPrice": offer.price if community else None,
                "isVariable": False,
                "currency": "USD",
            },
            "images": list(offer.images),
            "isSpot": False,
            "prepaidTime": None,
        }

    def disk_availability(
        self, filters: dict[str, Any], page: int, page_size: int
    ) -> dict[str, Any]:
        with self.lock:
            found = [
                d
                for d in self.disk_offers
                if (filters.get("data_center_id") in (None, d.center.id))
                and (filters.get("cloud_id") in (None, d.cloud_id))
                and (not filters.get("regions") or d.center.region in filters["regions"])
            ]
            start = (page - 1) * page_size
            items = [
                {
                    "cloudId": d.cloud_id,
                    "provider": d.center.provider,
                    "dataCenter": d.center.id,
                    "country": d.center.country,
                    "region": d.center.region,
                    "spec": d.spec.json(),
                    "stockStatus": "Available",
                    "security": d.center.security,
                    "isMultinode": d.center.multinode_disks,
                }
                for d in found[start : start + page_size]
            ]
            return {"items": items, "totalCount": len(found)}

    # -- pods -------------------------------------------------------------------------

    def create_pod(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._purge()
            spec = body["pod"]
            provider = body["provider"]["type"]
            offer = self._find_offer(provider, spec)
            if provider in REQUIRES_MAX_PRICE and spec.get("maxPrice") is None:
                raise CloudError(400, "Missing field: max_price not specified")
            image = spec.get("image") or DEFAULT_IMAGE
            template = spec.get("customTemplateId")
            if image == "custom_template" and not template:  # guess
                raise CloudError(400, "customTemplateId is required when image is custom_template")
            if template and image != "custom_template":  # guess
                raise CloudError(400, "customTemplateId requires image custom_template")
            if image not in offer.images:  # guess
                raise CloudError(
                    400,
                    f"Image {image} is not available on {offer.cloud_id}; "
                    f"available: {', '.join(offer.images)}",
                )
            sizes = {}
            for key, spec_range, unit in (
                ("diskSize", offer.disk, " GB"),
                ("vcpus", offer.vcpu, ""),
                ("memory", offer.memory, " GB"),
            ):
                value = spec.get(key)
                if value is None:
                    value = spec_range.default
                elif not spec_range.admits(value):  # guess
                    raise CloudError(
                        400,
                        f"{key} {value} is not allowed for {offer.cloud_id}: "
                        f"{spec_range.describe(unit)}",
                    )
                sizes[key] = value
            price = round(
                offer.price
                + offer.disk.extra_price(sizes["diskSize"])
                + offer.vcpu.extra_price(sizes["vcpus"])
                + offer.memory.extra_price(sizes["memory"]),
                4,
            )
            if self.free_capacity(offer) <= 0:  # guess: wording SkyPilot classifies
                raise CloudError(
                    400,
                    f"No capacity: {offer.gpu_count}x {offer.gpu_type} ({offer.cloud_id}) "
                    f"in {offer.center.id} is out of stock",
                )
            max_price = spec.get("maxPrice")
            if max_price is not None and price > max_price + 1e-9:  # guess
                raise CloudError(
                    400, f"Current price {price:.2f} USD/hr is above maxPrice {max_price:.2f}"
                )
            disks = self._attachable_disks(owner, body.get("disks") or [], offer)
            if self.balances.get(owner, 0.0) < price:  # guess: one hour must be covered
                raise CloudError(402, "Insufficient balance: add funds to your wallet")
            now = self.clock.now()
            pod_id = self._new_id()
            failure = self.fail_next_pods.pop(0) if self.fail_next_pods else None
            pod = Pod(
                id=pod_id,
                owner=owner,
                name=spec.get("name") or f"pod-{pod_id[:8]}",
                offer=offer,
                image=image,
                custom_template_id=template,
                disk_size=sizes["diskSize"],
                vcpus=sizes["vcpus"],
                memory=sizes["memory"],
                env_vars=list(spec.get("envVars") or []),
                jupyter_password=spec.get("jupyterPassword"),
                disks=[d.id for d in disks],
                auto_restart=bool(spec.get("autoRestart")),
                max_price=max_price,
                price=price,
                ip=_address(pod_id),
                ports=self._ports(pod_id, offer, spec.get("jupyterPassword") is not None),
                timeline=self._pod_timeline(now, failure),
                created_at=now,
                failure=failure,
                failed_at_progress=50 if failure and failure.stage == "installation" else 0,
            )
            self.pods[pod.id] = pod
            self.waits.started(pod.id)
            return self._pod_json(pod)

    def _find_offer(self, provider: str, spec: dict[str, Any]) -> Offer:
        wanted = {
            "cloud_id": spec["cloudId"],
            "gpu_type": spec["gpuType"],
            "socket": spec["socket"],
            "gpu_count": spec["gpuCount"],
        }
        candidates = [
            o
            for o in self.offers
            if o.provider == provider
            and (o.cloud_id, o.gpu_type, o.socket, o.gpu_count) == tuple(wanted.values())
            and spec.get("dataCenterId") in (None, o.center.id)
        ]
        if not candidates:  # guess
            where = f" in {spec['dataCenterId']}" if spec.get("dataCenterId") else ""
            raise CloudError(
                400,
                f"No offer {spec['cloudId']} with {spec['gpuCount']}x {spec['gpuType']} "
                f"({spec['socket']}) from {provider}{where}",
            )
        candidates.sort(key=lambda o: -self.free_capacity(o))
        offer = candidates[0]
        for key, actual in (("country", offer.center.country), ("security", offer.center.security)):
            if spec.get(key) is not None and spec[key] != actual:  # guess
                raise CloudError(
                    400, f"{key} {spec[key]} does not match the offer {offer.cloud_id} ({actual})"
                )
        return offer

    def _attachable_disks(self, owner: str, disk_ids: Iterable[str], offer: Offer) -> list[Disk]:
        now = self.clock.now()
        disks = []
        for disk_id in disk_ids:
            disk = self._disk(disk_id, owner)
            status = disk.timeline.status(now)
            if status != ACTIVE:  # guess
                raise CloudError(400, f"Disk {disk_id} is not ready (status {status})")
            if disk.offer.center != offer.center:  # guess
                raise CloudError(
                    400,
                    f"Disk {disk_id} is in {disk.offer.center.provider} {disk.offer.center.id}; "
                    f"the pod's offer is in {offer.provider} {offer.center.id}",
                )
            users = self._disk_users(disk, now)
            if users and not disk.offer.center.multinode_disks:  # guess
                raise CloudError(400, f"Disk {disk_id} is already attached to pod {users[0]}")
            disks.append(disk)
        return disks

    def _pod_timeline(self, now: float, failure: PodFailure | None) -> PhaseTimeline:
        t = self.timings
        if failure is not None and failure.stage == "provisioning":
            return PhaseTimeline(now, PROVISIONING, [(t.provision, FAILED)])
        installing = t.provision + t.pending
        last = (t.install / 2, FAILED) if failure is not None else (t.install, READY)
        return PhaseTimeline(
            now,
            PROVISIONING,
            [(t.provision, PENDING), (installing, INSTALLING), (installing + last[0], last[1])],
        )

    def _ports(self, pod_id: str, offer: Offer, jupyter: bool) -> list[dict[str, Any]]:
        rng = random.Random(f"ports-{pod_id}")
        own_address = offer.provider in SSH_ON_PORT_22
        ports = [
            {
                "internal": "22",
                "external": "22" if own_address else str(rng.randint(10000, 60000)),
                "protocol": "TCP",
                "usedBy": "SSH",
                "description": "SSH",
            }
        ]
        if jupyter:  # guess: Jupyter is exposed when a password is set
            ports.append(
                {
                    "internal": "8888",
                    "external": "8888" if own_address else str(rng.randint(10000, 60000)),
                    "protocol": "TCP",
                    "usedBy": "JUPYTER_NOTEBOOK",
                    "description": "Jupyter Notebook",
                }
            )
        return ports

    def list_pods(self, owner: str, offset: int, limit: int) -> dict[str, Any]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            live = [
                p
                for p in self.pods.values()
                if p.owner == owner and p.timeline.status(now) != TERMINATED
            ]
            page = [self._pod_json(p) for p in live[offset : offset + limit]]
            self._note_ready(page)
            return _page(page, len(live), offset, limit)

    def get_pod(self, owner: str, pod_id: str) -> dict[str, Any]:
        with self.lock:
            body = self._pod_json(self._pod(pod_id, owner))
            self._note_ready([body])
            return body

    def pod_statuses(self, owner: str, pod_ids: list[str]) -> dict[str, Any]:
        """``/pods/status``: the caller's pods among ``pod_ids``; unknown ids are left out."""
        with self.lock:
            self._purge()
            found = []
            for pod_id in dict.fromkeys(pod_ids):
                pod = self.pods.get(pod_id)
                if pod is None or pod.owner != owner:
                    continue
                full = self._pod_json(pod)
                found.append(
                    {
                        "podId": pod.id,
                        "providerType": pod.offer.provider,
                        "status": full["status"],
                        "sshConnection": full["sshConnection"],
                        "ip": full["ip"],
                        "installationStatus": full["installationStatus"],
                        "installationFailure": full["installationFailure"],
                        "installationProgress": full["installationProgress"],
                        # read by the official CLI, not in the spec's schema
                        "priceHr": full["priceHr"],
                        "primePortMapping": full["primePortMapping"],
                    }
                )
            self._note_ready([{**s, "id": s["podId"]} for s in found])
            return {"data": found, "status": "success"}

    def delete_pod(self, owner: str, pod_id: str) -> dict[str, Any]:
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            phase = pod.timeline.status(now)
            if phase == TERMINATED:
                raise CloudError(404, "Pod not found")
            if phase != DELETING:
                pod.terminated_at = now + self.timings.delete
                pod.timeline.go(
                    now,
                    DELETING,
                    [
                        (self.timings.delete, TERMINATED),
                        (self.timings.delete + self.timings.linger, GONE),
                    ],
                )
            return {"status": "DELETING"}

    def pod_logs(self, owner: str, pod_id: str, tail: int | None) -> list[str]:
        """The pod's log lines so far (a JSON list of strings, guess), newest last."""
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            offer = pod.offer
            lines: list[tuple[float, str]] = [
                (
                    pod.created_at,
                    f"Provisioning {offer.gpu_count}x {offer.gpu_type} ({offer.socket}) "
                    f"on {offer.provider} {offer.center.id}",
                )
            ]
            for at, phase in pod.timeline.history(now):
                if phase == PENDING:
                    lines.append((at, "Machine allocated, booting"))
                elif phase == INSTALLING:
                    lines.append((at, f"Installing image {pod.image}"))
                elif phase == READY:
                    lines.append((at, "Installation finished; SSH is available"))
                elif phase == FAILED and pod.failure is not None:
                    lines.append((at, f"Installation failed: {pod.failure.reason}"))
                elif phase == DELETING:
                    lines.append((at, "Deleting pod"))
                elif phase == TERMINATED:
                    lines.append((at, "Pod terminated"))
            text = [f"{self.clock.iso(at)} {line}" for at, line in lines]
            count = 100 if tail is None else max(0, tail)
            return text[-count:] if count else []

    def pod_history(
        self, owner: str, sort_by: str, sort_order: str, offset: int, limit: int
    ) -> dict[str, Any]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            entries = [e for e in self.history if e.json["userId"] == _user_id(owner)]
            entries += [
                self._history_entry(p)
                for p in self.pods.values()
                if p.owner == owner and p.timeline.status(now) == TERMINATED
            ]
            key = "terminated_at" if sort_by == "terminatedAt" else "created_at"
            entries.sort(key=lambda e: getattr(e, key), reverse=sort_order == "desc")
            page = [e.json for e in entries[offset : offset + limit]]
            return _page(page, len(entries), offset, limit)

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
                "userId": _user_id(pod.owner),
                "teamId": None,
                "totalBilledPrice": round(pod.price * hours, 4),
            },
            created_at=pod.created_at,
            terminated_at=terminated,
        )

    def _pod_json(self, pod: Pod) -> dict[str, Any]:
        now = self.clock.now()
        phase = pod.timeline.status(now)
        status, installation = _POD_VIEW.get(phase, ("UNKNOWN", "PENDING"))
        ready = phase == READY
        reachable = phase in (INSTALLING, READY)
        ssh = next(p for p in pod.ports if p["usedBy"] == "SSH")
        attached = "MOUNTED" if ready else "ATTACHED"
        return {
            "id": pod.id,
            "userId": _user_id(pod.owner),
            "teamId": None,
            "walletId": _wallet_id(pod.owner),
            "name": pod.name,
            "type": "HOSTED",
            "providerType": pod.offer.provider,
            "status": status,
            "installationStatus": installation,
            "installationFailure": (
                pod.failure.reason if phase == FAILED and pod.failure is not None else None
            ),
            "installationProgress": self._progress(pod, now),
            "createdAt": self.clock.iso(pod.created_at),
            "updatedAt": self.clock.iso(max(pod.created_at, pod.timeline.since(now))),
            "terminatedAt": (
                self.clock.iso(pod.terminated_at)
                if phase == TERMINATED and pod.terminated_at
                else None
            ),
            "gpuName": pod.offer.gpu_type,
            "gpuCount": pod.offer.gpu_count,
            "socket": pod.offer.socket,
            "priceHr": pod.price,
            "stoppedPriceHr": None,
            "provisioningPriceHr": 0.0,
            "environmentType": pod.image,
            "customTemplateId": pod.custom_template_id,
            "clusterId": None,
            "primePortMapping": [dict(p) for p in pod.ports] if ready else [],
            "sshConnection": f"root@{pod.ip} -p {ssh['external']}" if ready else None,
            "ip": pod.ip if reachable else None,
            "resources": {
                "memory": pod.memory,
                "disk": pod.disk_size,
                "shared_disk": sum(self.disks[d].size for d in pod.disks if d in self.disks),
                "vcpus": pod.vcpus,
            },
            "attachedResources": [
                {
                    "resourceType": "DISK",
                    "id": disk_id,
                    "status": attached,
                    "isDetachable": True,
                    "mountPath": "/workspace" if index == 0 else f"/workspace-{index + 1}",
                    "resourcePath": None,
                    "size": self.disks[disk_id].size if disk_id in self.disks else None,
                    "isShared": True,
                }
                for index, disk_id in enumerate(pod.disks)
            ],
            "isSpot": False,
            "autoRestart": pod.auto_restart,
            # read by the official CLI's Pod model, not in the spec's schema (guess)
            "jupyterPassword": pod.jupyter_password,
        }

    def _progress(self, pod: Pod, now: float) -> int | None:
        phase = pod.timeline.status(now)
        if phase in (PROVISIONING, PENDING):
            return 0
        if phase == INSTALLING:
            elapsed = now - pod.timeline.since(now)
            return min(99, int(100 * elapsed / max(self.timings.install, 1e-9)))
        if phase == READY:
            return 100
        if phase == FAILED:
            return pod.failed_at_progress
        return None

    def _note_ready(self, pods: list[dict[str, Any]]) -> None:
        for pod in pods:
            if pod.get("installationStatus") == "FINISHED" and pod.get("sshConnection"):
                self.waits.seen_ready(pod["id"])

    def _pod(self, pod_id: str, owner: str | None) -> Pod:
        self._purge()
        pod = self.pods.get(pod_id)
        if pod is None or (owner is not None and pod.owner != owner):
            raise CloudError(404, "Pod not found")
        return pod

    # -- disks ------------------------------------------------------------------------

    def create_disk(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._purge()
            spec = body["disk"]
            provider = body["provider"]["type"]
            offers = [
                d
                for d in self.disk_offers
                if d.center.provider == provider
                and spec.get("dataCenterId") in (None, d.center.id)
                and spec.get("cloudId") in (None, d.cloud_id)
            ]
            if not offers:  # guess
                where = f" in {spec['dataCenterId']}" if spec.get("dataCenterId") else ""
                raise CloudError(400, f"{provider} offers no disks{where}")
            offer = offers[0]  # guess: the provider's first location when none is given
            if spec.get("country") not in (None, offer.center.country):  # guess
                raise CloudError(400, f"country {spec['country']} does not match {offer.center.id}")
            size = spec["size"]
            if not offer.spec.admits(size):  # guess
                raise CloudError(
                    400,
                    f"size {size} is not allowed in {offer.center.id}: "
                    f"{offer.spec.describe(' GB')}",
                )
            if self.balances.get(owner, 0.0) <= 0:  # guess
                raise CloudError(402, "Insufficient balance: add funds to your wallet")
            now = self.clock.now()
            disk_id = self._new_id()
            disk = Disk(
                id=disk_id,
                owner=owner,
                name=spec.get("name") or f"disk-{disk_id[:8]}",
                size=size,
                offer=offer,
                timeline=Timeline(now, "PROVISIONING", [(self.timings.disk_provision, ACTIVE)]),
                created_at=now,
                updated_at=now,
            )
            self.disks[disk_id] = disk
            return self._disk_json(disk)

    def list_disks(self, owner: str, offset: int, limit: int) -> dict[str, Any]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            live = [
                d
                for d in self.disks.values()
                if d.owner == owner and d.timeline.status(now) != TERMINATED
            ]
            page = [self._disk_json(d) for d in live[offset : offset + limit]]
            return _page(page, len(live), offset, limit)

    def get_disk(self, owner: str, disk_id: str) -> dict[str, Any]:
        with self.lock:
            return self._disk_json(self._disk(disk_id, owner))

    def rename_disk(self, owner: str, disk_id: str, name: str) -> dict[str, Any]:
        with self.lock:
            disk = self._disk(disk_id, owner)
            if disk.timeline.status(self.clock.now()) in (DELETING, TERMINATED):  # guess
                raise CloudError(400, f"Disk {disk_id} is being deleted")
            disk.name = name
            disk.updated_at = self.clock.now()
            return self._disk_json(disk)

    def delete_disk(self, owner: str, disk_id: str) -> dict[str, Any]:
        with self.lock:
            disk = self._disk(disk_id, owner)
            now = self.clock.now()
            status = disk.timeline.status(now)
            if status == TERMINATED:
                raise CloudError(404, "Disk not found")
            users = self._disk_users(disk, now)
            if users:  # guess
                raise CloudError(
                    400, f"Disk {disk_id} is attached to pods {', '.join(users)}; delete them first"
                )
            if status != DELETING:
                t = self.timings
                disk.terminated_at = now + t.disk_delete
                disk.timeline.go(
                    now, DELETING, [(t.disk_delete, TERMINATED), (t.disk_delete + t.linger, GONE)]
                )
            return {"status": "DELETING"}

    def _disk_users(self, disk: Disk, now: float) -> list[str]:
        return [
            p.id
            for p in self.pods.values()
            if disk.id in p.disks and p.timeline.status(now) != TERMINATED
        ]

    def _disk_json(self, disk: Disk) -> dict[str, Any]:
        now = self.clock.now()
        status = disk.timeline.status(now)
        price = round(disk.size * disk.offer.spec.price_per_unit, 6)
        return {
            "id": disk.id,
            "name": disk.name,
            "createdAt": self.clock.iso(disk.created_at),
            "updatedAt": self.clock.iso(max(disk.updated_at, disk.timeline.since(now))),
            "terminatedAt": (
                self.clock.iso(disk.terminated_at)
                if status == TERMINATED and disk.terminated_at
                else None
            ),
            "status": status,
            "providerType": disk.offer.center.provider,
            "size": disk.size,
            "info": {
                "country": disk.offer.center.country,
                "dataCenterId": disk.offer.center.id,
                "cloudId": disk.offer.cloud_id,
                "isMultinode": disk.offer.center.multinode_disks,
            },
            "priceHr": price,
            "stoppedPriceHr": price,
            "provisioningPriceHr": 0.0,
            "userId": _user_id(disk.owner),
            "teamId": None,
            "walletId": _wallet_id(disk.owner),
            "pods": self._disk_users(disk, now),
            "clusters": [],
        }

    def _disk(self, disk_id: str, owner: str | None) -> Disk:
        self._purge()
        disk = self.disks.get(disk_id)
        if disk is None or (owner is not None and disk.owner != owner):
            raise CloudError(404, "Disk not found")
        return disk

    # -- helpers ----------------------------------------------------------------------

    def _purge(self) -> None:
        now = self.clock.now()
        for pod in [p for p in self.pods.values() if p.timeline.status(now) == GONE]:
            self.history.append(self._history_entry(pod))
            del self.pods[pod.id]
        for disk in [d for d in self.disks.values() if d.timeline.status(now) == GONE]:
            del self.disks[disk.id]

    def _new_id(self) -> str:
        return uuid.UUID(int=self._ids.getrandbits(128), version=4).hex


def _alive(timeline: Timeline, now: float) -> bool:
    return timeline.status(now) not in (TERMINATED, GONE)


def _page(items: list[dict[str, Any]], total: int, offset: int, limit: int) -> dict[str, Any]:
    return {"total_count": total, "offset": offset, "limit": limit, "data": items}


def _address(pod_id: str) -> str:
    rng = random.Random(f"ip-{pod_id}")
    return ".".join(str(rng.randint(low, 254)) for low in (23, 0, 0, 2))


def _user_id(owner: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"primeintellect-user:{owner}").hex


def _wallet_id(owner: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"primeintellect-wallet:{owner}").hex
