"""Prime Intellect disks: bought in a data center that sells them (PROVISIONING ->
ACTIVE, or ERROR), attached to pods at their create, renamed, deleted (DELETING ->
TERMINATED, kept a while)."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.primeintellect.model import (
    ACTIVE,
    DELETING,
    ERROR,
    TERMINATED,
    Disk,
    page,
    user_id,
    wallet_id,
)
from pulumi_gpu.emulator.primeintellect.tables import PrimeIntellectTables
from pulumi_gpu.emulator.state import GONE, CloudError, Timeline


class Disks(PrimeIntellectTables):
    """``/disks``: the caller's disks."""

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
            failure = self.fail_next_disks.pop(0) if self.fail_next_disks else None
            outcome = ACTIVE if failure is None else ERROR
            disk = Disk(
                id=disk_id,
                owner=owner,
                name=spec.get("name") or f"disk-{disk_id[:8]}",
                size=size,
                offer=offer,
                timeline=Timeline(now, "PROVISIONING", [(self.timings.disk_provision, outcome)]),
                created_at=now,
                updated_at=now,
                failure=failure,
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
            shown = [self._disk_json(d) for d in live[offset : offset + limit]]
            return page(shown, len(live), offset, limit)

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
            "userId": user_id(disk.owner),
            "teamId": None,
            "walletId": wallet_id(disk.owner),
            "pods": self._disk_users(disk, now),
            "clusters": [],
        }
