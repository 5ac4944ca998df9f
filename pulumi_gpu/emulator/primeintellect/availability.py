"""Prime Intellect availability: the offers of ``catalog.py`` with the capacity left after
the pods holding them (``/availability/gpus``, the legacy ``/availability/``), clusters of
their 8-GPU machines (``/multi-node``, ``/clusters``), the cheapest prices of each
(``/gpu-summary``, ``/multi-node-summary``), and where disks are sold."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.primeintellect.catalog import Offer, stock_status
from pulumi_gpu.emulator.primeintellect.tables import PrimeIntellectTables

CLUSTER_NODES = (2, 4)
"""Machines per cluster in the multi-node listings (guess)."""
_PRICES = ("onDemand", "communityPrice")


class Availability(PrimeIntellectTables):
    """``/availability/*`` and the capacity behind it."""

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

    def gpu_availability(
        self,
        owner: str,
        filters: dict[str, Any],
        page: int,
        page_size: int,
        *,
        clusters: bool = False,
    ) -> dict[str, Any]:
        """``/availability/gpus`` (``/multi-node`` with ``clusters``): a page of the rows."""
        with self.lock:
            self._purge()
            rows = self._rows(owner, filters, clusters)
            start = (page - 1) * page_size
            return {"items": rows[start : start + page_size], "totalCount": len(rows)}

    def legacy_availability(
        self,
        owner: str,
        filters: dict[str, Any],
        page: int,
        page_size: int,
        *,
        clusters: bool = False,
    ) -> dict[str, list[dict[str, Any]]]:
        """``/availability/`` (``/clusters``): a page of the rows, keyed by GPU type."""
        with self.lock:
            self._purge()
            start = (page - 1) * page_size
            grouped: dict[str, list[dict[str, Any]]] = {}
            for row in self._rows(owner, filters, clusters)[start : start + page_size]:
                grouped.setdefault(row["gpuType"], []).append(row)
            return grouped

    def price_summary(self, owner: str, *, clusters: bool = False) -> dict[str, Any]:
        """``/availability/gpu-summary`` (``/multi-node-summary``): the cheapest price of
        each GPU type and GPU count, in stock or not (guess)."""
        with self.lock:
            self._purge()
            summary: dict[str, dict[str, Any]] = {}
            for row in self._rows(owner, {}, clusters):
                counts = summary.setdefault(row["gpuType"], {})
                empty = {"onDemand": None, "communityPrice": None, "spotPrice": None}
                cheapest = counts.setdefault(str(row["gpuCount"]), {"cheapest": empty})["cheapest"]
                for key in ("onDemand", "communityPrice"):
                    price = row["prices"][key]
                    slot = "spotPrice" if row["isSpot"] else key
                    if price is not None and (cheapest[slot] is None or price < cheapest[slot]):
                        cheapest[slot] = price
            return summary

    def _rows(self, owner: str, filters: dict[str, Any], clusters: bool) -> list[dict[str, Any]]:
        """The ``GpuAvailability`` rows matching ``filters``: of machines, or of clusters."""
        if not clusters:
            return [
                self._offer_json(o) for o in self.offers if self._offer_matches(owner, o, filters)
            ]
        machines = {**filters, "gpu_count": None, "cloud_id": None}
        rows = [
            self._cluster_json(offer, nodes)
            for offer in self.offers
            if _clusterable(offer) and self._offer_matches(owner, offer, machines)
            for nodes in CLUSTER_NODES
        ]
        own = (("gpu_count", "gpuCount"), ("cloud_id", "cloudId"))  # the cluster's, not a node's
        return [r for r in rows if all(filters.get(k) in (None, r[field]) for k, field in own)]

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
            "isSpot": offer.spot,
            "prepaidTime": None,
        }

    def _cluster_json(self, offer: Offer, nodes: int) -> dict[str, Any]:
        """``nodes`` of an 8-GPU offer's machines joined by InfiniBand. guess: the emulator
        rents no clusters (a pod create with this ``cloudId`` finds no offer)."""
        row = self._offer_json(offer)
        prices = row["prices"]
        return {
            **row,
            "cloudId": f"{offer.cloud_id}-cluster-{nodes}",
            "gpuCount": offer.gpu_count * nodes,
            "interconnect": 3200,
            "interconnectType": "InfiniBand",
            "stockStatus": stock_status(self.free_capacity(offer) // nodes),
            "prices": {
                **prices,
                **{k: round(prices[k] * nodes, 2) for k in _PRICES if prices[k] is not None},
            },
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


def _clusterable(offer: Offer) -> bool:
    """Machines sold joined in clusters (guess: 8-GPU SXM machines, not spot)."""
    return offer.gpu_count == 8 and offer.socket.startswith("SXM") and not offer.spot
