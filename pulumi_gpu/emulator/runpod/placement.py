"""Where a new RunPod pod lands: exactly the GPU type and count asked for, in a data
center with free GPUs and an accepted CUDA version (no fallback), or a CPU flavor."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.inventory import CPU_FLAVORS, DC_IDS, GPUS, version
from pulumi_gpu.emulator.runpod.model import Template
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.state import CloudError


class Placement(RunPodTables):
    """Choosing a machine for a pod."""

    def _place_gpu(
        self,
        request: dict[str, Any],
        cloud: str,
        preferred: list[str],
        template: Template | None,
    ) -> dict[str, Any]:
        gpu_id, count = request["id"], int(request.get("count") or 1)
        model = GPUS.get(gpu_id)
        if model is None:  # guess: the wording is undocumented
            raise CloudError(400, f"unknown GPU type {gpu_id!r}; see GET /v2/catalog/gpus")
        allowed = request.get("allowedCudaVersions")
        minimum = request.get("minCudaVersion")
        if allowed and minimum:
            raise CloudError(400, "gpu.allowedCudaVersions and gpu.minCudaVersion are exclusive")
        if allowed is None and minimum is None and template is not None:
            allowed = template.fields.get("allowedCudaVersions") or None
        offered = model.max_count(cloud)
        if offered == 0:
            raise CloudError(400, f"{gpu_id} is not offered on the {cloud} cloud")
        if count > offered:
            raise CloudError(
                400, f"at most {offered} x {gpu_id} fit on one pod on the {cloud} cloud"
            )
        candidates = preferred or sorted(DC_IDS, key=lambda dc: -self._free(gpu_id, dc, cloud))
        for dc in candidates:
            if (gpu_id, dc) not in self.cuda:
                continue
            cuda = self.cuda[(gpu_id, dc)]
            if allowed and cuda not in allowed:
                continue
            if minimum and (cuda is None or version(cuda) < version(minimum)):
                continue
            if self._free(gpu_id, dc, cloud) >= count:
                if self._capacity_refusal():  # refuse_rents: the catalog was stale
                    break
                return {"id": gpu_id, "count": count, "_dc": dc, "_cuda": cuda}
        tried = candidates if preferred else [dc for dc in DC_IDS if (gpu_id, dc) in self.cuda]
        wanted = f"{count} x {gpu_id} on the {cloud} cloud"
        if allowed:
            wanted += f" with CUDA {', '.join(allowed)}"
        if minimum:
            wanted += f" with CUDA >= {minimum}"
        raise CloudError(
            400,
            "There are no longer any instances available with the requested specifications: "
            f"{wanted} (data centers: {', '.join(tried) or 'none'})",
        )

    def _machine_ip(self, dc: str) -> str:
        first = 64 + DC_IDS.index(dc) * 16
        rest = (self._ids.randint(0, 255), self._ids.randint(0, 255), self._ids.randint(2, 254))
        return ".".join(str(part) for part in (first, *rest))


def cpu_config(request: dict[str, Any], cloud: str) -> dict[str, Any]:
    flavor = CPU_FLAVORS.get(request["id"])
    if flavor is None:
        raise CloudError(400, f"unknown CPU flavor {request['id']!r}; see GET /v2/catalog/cpus")
    vcpus = int(request["vcpuCount"])
    low, high = flavor.min_vcpus, flavor.max_vcpus
    if vcpus & (vcpus - 1) or not low <= vcpus <= high:
        raise CloudError(
            400, f"vcpuCount must be a power of two between {low} and {high} for {flavor.id}"
        )
    if cloud != "SECURE":  # guess: the catalog only prices CPU pods on the secure cloud
        raise CloudError(400, "CPU pods run on the SECURE cloud only")
    return {"id": flavor.id, "vcpuCount": vcpus, "memory": max(int(flavor.ram_per_vcpu * vcpus), 1)}
