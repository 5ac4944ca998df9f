"""The RunPod catalog: GPU types with stock per data center and cloud (``/v2/catalog``),
and the public templates every account can use. What RunPod sells is in ``inventory.py``."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.inventory import (
    DATA_CENTERS,
    DC_IDS,
    GPU_MODELS,
    GPUS,
    PUBLIC_TEMPLATES,
    STOCK,
    GpuModel,
    gpu_json,
    stock_level,
    template_defaults,
    version,
)
from pulumi_gpu.emulator.runpod.model import Template
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.state import CloudError


class Catalog(RunPodTables):
    """Capacity and the catalog answers computed from it."""

    def _clear(self) -> None:
        """The tables, then what is for sale seeded again."""
        super()._clear()
        self._seed_inventory()

    def set_capacity(self, gpu_id: str, data_center: str, cloud: str, free: int) -> None:
        """GPUs of a type a data center has on a cloud (pods running there not counted)."""
        with self.lock:
            if gpu_id not in GPUS or data_center not in DC_IDS:
                raise CloudError(404, f"unknown GPU type {gpu_id!r} or data center {data_center!r}")
            self.capacity[(gpu_id, data_center, cloud)] = free + self._used(
                gpu_id, data_center, cloud
            )
            self.cuda.setdefault((gpu_id, data_center), "12.8")

    def _seed_inventory(self) -> None:
        """Stock from ``inventory.STOCK`` and RunPod's public templates."""
        self.capacity.clear()
        self.cuda.clear()
        for gpu_id, places in STOCK.items():
            for dc, (secure, community, cuda) in places.items():
                self.capacity[(gpu_id, dc, "SECURE")] = secure
                self.capacity[(gpu_id, dc, "COMMUNITY")] = community
                self.cuda[(gpu_id, dc)] = cuda
        self.templates.clear()
        for template_id, fields in PUBLIC_TEMPLATES.items():
            self.templates[template_id] = Template(
                template_id, None, {**template_defaults(), **fields, "public": True}
            )

    def gpu_types(self, query: dict[str, Any], gpu_id: str | None = None) -> list[dict[str, Any]]:
        """The catalog, with stock when ``include=AVAILABILITY`` (see the spec's rules)."""
        with self.lock:
            self._purge()
            availability = "AVAILABILITY" in (query.get("include") or [])
            if availability != bool(query.get("product")):
                raise CloudError(400, "include=AVAILABILITY and product must be given together")
            scoped = ("count", "cloud", "countryCodes", "cudaVersions", "minCudaVersion")
            needs = [name for name in scoped if query.get(name) not in (None, [])]
            if needs and not availability:
                raise CloudError(400, f"{', '.join(needs)} valid only with include=AVAILABILITY")
            if query.get("cudaVersions") and query.get("minCudaVersion"):
                raise CloudError(400, "cudaVersions and minCudaVersion are mutually exclusive")
            models = GPU_MODELS if gpu_id is None else [GPUS[gpu_id]] if gpu_id in GPUS else []
            if gpu_id is not None and not models:
                raise CloudError(404, f"GPU type {gpu_id!r} not found")
            found = []
            for model in models:
                body = gpu_json(model)
                if availability:
                    stock = self._stock(model, query)
                    if stock is None:
                        if gpu_id is None:
                            continue  # no data center in the asked countries
                        body["availability"] = "NONE"
                    else:
                        body.update(stock)
                found.append(body)
            return found

    def _stock(self, model: GpuModel, query: dict[str, Any]) -> dict[str, Any] | None:
        """Availability fields of one GPU type, or None when no data center qualifies."""
        count = int(query.get("count") or 1)
        cloud = query.get("cloud") or "SECURE"
        countries = set(query.get("countryCodes") or [])
        exact = set(query.get("cudaVersions") or [])
        minimum = query.get("minCudaVersion")
        places = [
            dc
            for dc in DATA_CENTERS
            if (model.id, dc.id) in self.cuda and (not countries or dc.country in countries)
        ]
        if not places:
            return None

        def cuda_ok(cuda: str | None) -> bool:
            if exact:
                return cuda in exact
            if minimum:
                return cuda is not None and version(cuda) >= version(minimum)
            return True

        def free(dc: str) -> int:
            if count > model.max_count(cloud) or not cuda_ok(self.cuda[(model.id, dc)]):
                return 0
            return self._free(model.id, dc, cloud)

        levels = [
            {"id": dc.id, "name": dc.name, "availability": stock_level(free(dc.id), count)}
            for dc in places
        ]
        result: dict[str, Any] = {
            "availability": stock_level(max(free(dc.id) for dc in places), count)
        }
        if any(level["availability"] != "NONE" for level in levels):
            result["dataCenters"] = levels
        versions: dict[str, bool] = {}
        for dc in places:
            cuda = self.cuda[(model.id, dc.id)]
            if cuda is not None and cuda_ok(cuda):
                versions[cuda] = versions.get(cuda, False) or free(dc.id) >= count
        if versions:
            ordered = sorted(versions.items(), key=lambda item: version(item[0]), reverse=True)
            result["cudaVersions"] = [{"version": v, "available": a} for v, a in ordered]
        return result

    # -- account ----------------------------------------------------------------------
