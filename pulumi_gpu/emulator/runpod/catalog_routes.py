"""RunPod's catalog over HTTP (``/v2/catalog/...``): GPU types, CPU flavors, data centers
and public templates. Query values outside the spec's enums and patterns answer 422
"Request validation failed."; the rules between parameters are the backend's (400)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query

from pulumi_gpu.emulator.state import CloudError

if TYPE_CHECKING:
    from pulumi_gpu.emulator.runpod.backend import RunPodBackend

CloudName = Literal["SECURE", "COMMUNITY"]
VcpuCount = Annotated[int | None, Query(ge=2)]
DC_INCLUDES = ("GPU_AVAILABILITY", "CPU_AVAILABILITY")
REGIONS = (
    *("NORTH_AMERICA", "SOUTH_AMERICA", "EUROPE", "ASIA", "MIDDLE_EAST", "AFRICA"),
    *("OCEANIA", "ANTARCTICA", "UNKNOWN"),
)
VOLUME_TYPES = ("STANDARD", "HIGH_PERFORMANCE")
COMPLIANCE = (
    *("GDPR", "ISO_IEC_27001", "ISO_14001", "PCI_DSS", "HITRUST", "SOC_1_TYPE_2"),
    *("SOC_2_TYPE_2", "SOC_3_TYPE_2", "ITAR", "FISMA_HIGH", "HIPAA", "RENEWABLE"),
)


def add_catalog_routes(router: APIRouter, backend: RunPodBackend) -> None:
    """Serve ``/v2/catalog/{gpus,cpus,datacenters,templates}`` on RunPod's router."""

    @router.get("/v2/catalog/gpus")
    async def list_gpus(
        include: str | None = None,
        product: str | None = None,
        count: int | None = None,
        cloud: CloudName | None = None,
        countryCodes: str | None = None,
        cudaVersions: str | None = None,
        minCudaVersion: str | None = None,
    ) -> dict[str, Any]:
        query = _gpu_query(
            include, product, count, cloud, countryCodes, cudaVersions, minCudaVersion
        )
        return {"gpus": backend.gpu_types(query)}

    @router.get("/v2/catalog/gpus/{gpu_id}")
    async def get_gpu(
        gpu_id: str,
        include: str | None = None,
        product: str | None = None,
        count: int | None = None,
        cloud: CloudName | None = None,
        countryCodes: str | None = None,
        cudaVersions: str | None = None,
        minCudaVersion: str | None = None,
    ) -> dict[str, Any]:
        query = _gpu_query(
            include, product, count, cloud, countryCodes, cudaVersions, minCudaVersion
        )
        return backend.gpu_types(query, gpu_id)[0]

    @router.get("/v2/catalog/cpus")
    async def list_cpus(
        include: str | None = None, product: str | None = None, vcpuCount: VcpuCount = None
    ) -> dict[str, Any]:
        return {"cpus": backend.cpu_types(_cpu_query(include, product, vcpuCount))}

    @router.get("/v2/catalog/cpus/{cpu_id}")
    async def get_cpu(
        cpu_id: str,
        include: str | None = None,
        product: str | None = None,
        vcpuCount: VcpuCount = None,
    ) -> dict[str, Any]:
        return backend.cpu_types(_cpu_query(include, product, vcpuCount), cpu_id)[0]

    @router.get("/v2/catalog/datacenters")
    async def list_data_centers(
        include: str | None = None,
        regions: str | None = None,
        networkVolumeTypes: str | None = None,
        compliance: str | None = None,
        globalNetwork: bool | None = None,
    ) -> dict[str, Any]:
        bad: list[str] = []
        query = {
            "include": _listed(include, DC_INCLUDES, bad),
            "regions": _listed(regions, REGIONS, bad),
            "networkVolumeTypes": _listed(networkVolumeTypes, VOLUME_TYPES, bad),
            "compliance": _listed(compliance, COMPLIANCE, bad),
            "globalNetwork": globalNetwork,
        }
        _refuse(bad)
        return {"dataCenters": backend.data_centers(query)}

    @router.get("/v2/catalog/datacenters/{dc_id}")
    async def get_data_center(dc_id: str, include: str | None = None) -> dict[str, Any]:
        bad: list[str] = []
        query = {"include": _listed(include, DC_INCLUDES, bad)}
        _refuse(bad)
        return backend.data_centers(query, dc_id)[0]

    @router.get("/v2/catalog/templates")
    async def list_public_templates(
        source: Literal["official", "verified", "community"] = "official",
    ) -> dict[str, Any]:
        return {"templates": backend.public_templates(source)}


def _gpu_query(
    include: str | None,
    product: str | None,
    count: int | None,
    cloud: CloudName | None,
    country_codes: str | None,
    cuda_versions: str | None,
    min_cuda_version: str | None,
) -> dict[str, Any]:
    includes, products = _csv(include), _csv(product)
    bad = [i for i in includes if i != "AVAILABILITY"] + [
        p for p in products if p not in ("POD", "CLUSTER", "SERVERLESS")
    ]
    codes, versions = _csv(country_codes), _csv(cuda_versions)
    bad += [c for c in codes if len(c) != 2 or not c.isalpha() or not c.isupper()]
    bad += [v for v in versions if not _is_version(v, minor=True)]
    if min_cuda_version is not None and not _is_version(min_cuda_version, minor=False):
        bad.append(min_cuda_version)
    if bad or (count is not None and count < 1):
        raise CloudError(
            422,
            "Request validation failed.",
            errors=[f"query: invalid value {v!r}" for v in [*bad, *([count] if not bad else [])]],
        )
    return {
        "include": includes,
        "product": products,
        "count": count,
        "cloud": cloud,
        "countryCodes": codes,
        "cudaVersions": versions,
        "minCudaVersion": min_cuda_version,
    }


def _cpu_query(include: str | None, product: str | None, vcpus: int | None) -> dict[str, Any]:
    bad: list[str] = []
    query = {
        "include": _listed(include, ("AVAILABILITY",), bad),
        "product": _listed(product, ("POD", "SERVERLESS"), bad),
        "vcpuCount": vcpus,
    }
    _refuse(bad)
    return query


def _listed(value: str | None, allowed: Collection[str], bad: list[str]) -> list[str]:
    """A comma-separated parameter's values; those not ``allowed`` are added to ``bad``."""
    values = _csv(value)
    bad += [v for v in values if v not in allowed]
    return values


def _refuse(bad: list[str]) -> None:
    if bad:
        raise CloudError(
            422, "Request validation failed.", errors=[f"query: invalid value {v!r}" for v in bad]
        )


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _is_version(text: str, *, minor: bool) -> bool:
    parts = text.split(".")
    if minor and len(parts) != 2:
        return False
    return 1 <= len(parts) <= 2 and all(p.isdigit() for p in parts)
