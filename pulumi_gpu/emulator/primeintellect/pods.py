"""Prime Intellect pods: created on an offer with capacity (PROVISIONING -> PENDING ->
ACTIVE while the image installs -> installed, or ERROR with ``installationFailure``),
deleted (DELETING -> TERMINATED, kept a while, then only in the history)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any

from pulumi_gpu.emulator.primeintellect.catalog import REQUIRES_MAX_PRICE, Offer
from pulumi_gpu.emulator.primeintellect.model import (
    ACTIVE,
    DEFAULT_IMAGE,
    DELETING,
    FAILED,
    INSTALLING,
    PENDING,
    PROVISIONING,
    READY,
    SSH_ON_PORT_22,
    TERMINATED,
    Disk,
    PhaseTimeline,
    Pod,
    PodFailure,
    address,
    page,
)
from pulumi_gpu.emulator.primeintellect.pod_view import PodView
from pulumi_gpu.emulator.state import GONE, CloudError


class Pods(PodView):
    """``/pods``: the caller's pods."""

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
            # guess: wording SkyPilot classifies; refuse_rents: the catalog was stale
            if self.free_capacity(offer) <= 0 or self._capacity_refusal():
                raise CloudError(
                    400,
                    f"No capacity: {offer.gpu_count}x {offer.gpu_type} ({offer.cloud_id}) "
                    f"in {offer.center.id} is out of stock",
                )
            max_price = _price_cap(spec.get("maxPrice"))
            if max_price is not None and price > max_price + 1e-9:  # guess
                raise CloudError(
                    400, f"Current price {price:.2f} USD/hr is above maxPrice {max_price:.2f}"
                )
            disks = self._attachable_disks(owner, body.get("disks") or [], offer)
            ssh_key = self._pod_key(owner, spec.get("sshKeyId"))
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
                ip=self._ssh_host(address(pod_id)),
                ports=self._ports(pod_id, offer, spec.get("jupyterPassword") is not None),
                timeline=self._pod_timeline(now, failure),
                created_at=now,
                failure=failure,
                failed_at_progress=50 if failure and failure.stage == "installation" else 0,
                ssh_key_id=ssh_key.id if ssh_key else None,
                public_keys=[ssh_key.public_key] if ssh_key else [],
            )
            self._ssh_created("pods", pod.id)
            self.pods[pod.id] = pod
            self.waits.started(pod.id)
            return self._pod_json(pod)

    def _find_offer(self, provider: str, spec: dict[str, Any]) -> Offer:
        """The offer the create names. guess: a request without ``socket`` (the spec
        requires one, but a client whose own catalog has no socket column cannot name it)
        matches the offer of any socket; a socket that is named must be the offer's."""
        socket = spec.get("socket")
        candidates = [
            o
            for o in self.offers
            if o.provider == provider
            and (o.cloud_id, o.gpu_type, o.gpu_count)
            == (spec["cloudId"], spec["gpuType"], spec["gpuCount"])
            and socket in (None, o.socket)
            and spec.get("dataCenterId") in (None, o.center.id)
        ]
        if not candidates:  # guess
            where = f" in {spec['dataCenterId']}" if spec.get("dataCenterId") else ""
            raise CloudError(
                400,
                f"No offer {spec['cloudId']} with {spec['gpuCount']}x {spec['gpuType']} "
                f"({socket or 'any socket'}) from {provider}{where}",
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
        ssh = 22 if own_address else rng.randint(10000, 60000)  # guess: a listener's if any
        ports = [
            {
                "internal": "22",
                "external": str(self._ssh_listen("pods", pod_id, ssh)),
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

    def _ssh_due_pods(self, pod_id: str) -> float | None:
        """Its banner comes ``timings.ssh_banner`` after it is installed; a terminated
        pod's SSH port closes."""
        pod, now = self.pods.get(pod_id), self.clock.now()
        phase = GONE if pod is None else pod.timeline.status(now)
        if pod is None or phase in (TERMINATED, GONE):
            return None
        if phase != READY:
            return math.inf
        return pod.timeline.since(now) + self.timings.ssh_banner

    def list_pods(self, owner: str, offset: int, limit: int) -> dict[str, Any]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            live = [
                p
                for p in self.pods.values()
                if p.owner == owner and p.timeline.status(now) != TERMINATED
            ]
            shown = [self._pod_json(p) for p in live[offset : offset + limit]]
            self._note_ready(shown)
            return page(shown, len(live), offset, limit)

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


def _price_cap(max_price: float | None) -> float | None:
    """The hourly price a create may not exceed, or None for no cap. guess: the spec only
    types ``maxPrice`` (number or null); 0 reads as "no cap", as clients send it (no offer
    is free), and still counts as a price named where a provider requires one
    (PrimeIntellect-ai/prime#141: any non-null value was accepted there)."""
    return None if max_price == 0 else max_price
