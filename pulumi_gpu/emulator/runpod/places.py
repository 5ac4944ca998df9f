"""The rest of RunPod's catalog: data centers (``/v2/catalog/datacenters``) with the stock
of their GPUs and CPU flavors, and the CPU flavors (``/v2/catalog/cpus``)."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.inventory import (
    COMPLIANCE,
    CPU_FLAVORS,
    DATA_CENTER_BY_ID,
    DATA_CENTERS,
    GPU_MODELS,
    CpuFlavor,
    DataCenter,
    stock_level,
)
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.state import CloudError

CPU_STOCK = "HIGH"
"""Availability of every CPU flavor everywhere (guess: CPU capacity is not modelled)."""


class Places(RunPodTables):
    """Data centers and CPU flavors, as the catalog shows them."""

    def data_centers(self, query: dict[str, Any], dc_id: str | None = None) -> list[dict[str, Any]]:
        """Data centers passing the query's filters (one by id: 404 if unknown), with the
        availability arrays its ``include`` asks for."""
        with self.lock:
            self._purge()
            if dc_id is not None and dc_id not in DATA_CENTER_BY_ID:
                raise CloudError(404, f"data center {dc_id!r} not found")
            places = DATA_CENTERS if dc_id is None else [DATA_CENTER_BY_ID[dc_id]]
            return [
                self._data_center_json(dc, query["include"])
                for dc in places
                if dc_id is not None or _selected(dc, query)
            ]

    def cpu_types(self, query: dict[str, Any], cpu_id: str | None = None) -> list[dict[str, Any]]:
        """CPU flavors (one by id: 404 if unknown), with stock when ``include=AVAILABILITY``
        (which needs ``product``; ``vcpuCount`` needs it and must be a power of two)."""
        availability = "AVAILABILITY" in query["include"]
        if availability != bool(query["product"]):
            raise CloudError(400, "include=AVAILABILITY and product must be given together")
        vcpus = query["vcpuCount"]
        if vcpus is not None and not availability:
            raise CloudError(400, "vcpuCount valid only with include=AVAILABILITY")
        if vcpus is not None and vcpus & (vcpus - 1):
            raise CloudError(400, f"vcpuCount must be a power of two, not {vcpus}")
        if cpu_id is not None and cpu_id not in CPU_FLAVORS:
            raise CloudError(404, f"CPU type {cpu_id!r} not found")
        flavors = CPU_FLAVORS.values() if cpu_id is None else [CPU_FLAVORS[cpu_id]]
        return [_cpu_json(f, vcpus if availability else None, availability) for f in flavors]

    def _data_center_json(self, dc: DataCenter, include: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": dc.id,
            "name": dc.name,
            "region": dc.region,
            "globalNetwork": True,  # guess: pods may enable global networking anywhere
            "networkVolumeTypes": list(dc.volume_types),
            "compliance": list(COMPLIANCE.get(dc.id, ())),
        }
        gpus = self._gpu_stock(dc) if "GPU_AVAILABILITY" in include else []
        if gpus:  # omitted where no GPU is sold
            body["gpuAvailability"] = gpus
        if "CPU_AVAILABILITY" in include:
            body["cpuAvailability"] = [
                {"id": f.id, "name": f.name, "availability": CPU_STOCK}
                for f in CPU_FLAVORS.values()
            ]
        return body

    def _gpu_stock(self, dc: DataCenter) -> list[dict[str, Any]]:
        """The availability of each GPU type sold in ``dc``, for one GPU on the better of
        the two clouds (guess)."""
        return [
            {
                "id": m.id,
                "name": m.name,
                "availability": stock_level(
                    max(self._free(m.id, dc.id, cloud) for cloud in ("SECURE", "COMMUNITY")), 1
                ),
            }
            for m in GPU_MODELS
            if (m.id, dc.id) in self.cuda
        ]


def _selected(dc: DataCenter, query: dict[str, Any]) -> bool:
    """The list's filters: any of ``regions``; all of ``networkVolumeTypes`` and
    ``compliance``; ``globalNetwork`` (every data center has it)."""
    return (
        (not query["regions"] or dc.region in query["regions"])
        and set(query["networkVolumeTypes"]) <= set(dc.volume_types)
        and set(query["compliance"]) <= set(COMPLIANCE.get(dc.id, ()))
        and query["globalNetwork"] is not False
    )


def _cpu_json(flavor: CpuFlavor, vcpus: int | None, availability: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "group": flavor.group,
        "vcpu": {"min": flavor.min_vcpus, "max": flavor.max_vcpus},
        "ramGbPerVcpu": flavor.ram_per_vcpu,
        "price": {
            "securePerVcpu": flavor.price_per_vcpu,
            "serverlessPerVcpu": flavor.serverless_per_vcpu,
        },
    }
    if availability:
        fits = vcpus is None or flavor.min_vcpus <= vcpus <= flavor.max_vcpus
        body["availability"] = CPU_STOCK if fits else "NONE"
        if fits:
            body["dataCenters"] = [
                {"id": dc.id, "name": dc.name, "availability": CPU_STOCK} for dc in DATA_CENTERS
            ]
    return body
