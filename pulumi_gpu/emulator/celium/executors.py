"""What the emulated Celium rents out: executors (machines), their listing filters, and the
default images made for their drivers."""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

from pulumi_gpu.emulator.celium.model import (
    COORDINATES,
    DEFAULT_IMAGE_CUDA,
    GPU_MODELS,
    LOCATIONS,
    Executor,
    default_images_of,
)
from pulumi_gpu.emulator.celium.tables import CeliumTables


class Executors(CeliumTables):
    """``GET /executors``: machines not rented now, seeded from the emulator's seed."""

    def _clear(self) -> None:
        """The tables, then what is for sale seeded again."""
        super()._clear()
        self._seed_inventory()

    def rentable(self) -> list[Executor]:
        with self.lock:
            self._purge()
            return [e for e in self.executors.values() if e.rented_by is None]

    def _seed_inventory(self) -> None:
        """Every GPU model in 1x/2x/4x/8x machines (several of each), seeded prices/places."""
        rng = random.Random(self.seed)
        self.executors.clear()
        for name, price, memory, driver in GPU_MODELS:
            for count, machines in ((1, 3), (2, 2), (4, 2), (8, 3)):
                for _ in range(machines):
                    executor = Executor(
                        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        machine_name=name,
                        gpu_count=count,
                        price_per_gpu=round(price * rng.uniform(0.85, 1.2), 3),
                        memory_mib=memory,
                        driver=driver,
                        location=_with_coordinates(rng.choice(LOCATIONS)),
                        # guess: with SSH listeners, every machine is this host
                        ip=self._ssh_host(
                            ".".join(str(rng.randint(low, 254)) for low in (23, 0, 0, 2))
                        ),
                        uptime_minutes=rng.randint(60, 200_000),
                        tier=rng.choice(["secure", "spot"]),
                    )
                    self.executors[executor.id] = executor

    def list_executors(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            found = self.rentable()
            names = filters.get("machine_names")
            if names:
                wanted = {n.strip() for n in names.split(",")}
                found = [e for e in found if e.machine_name in wanted]
            found = [e for e in found if _within(e.gpu_count, filters, "gpu_count")]
            found = [
                e
                for e in found
                if _within(e.price_per_gpu * e.gpu_count, filters, "price_per_hour")
            ]
            found = [e for e in found if _within(e.uptime_minutes, filters, "uptime_minutes")]
            if filters.get("lat") is not None and filters.get("lon") is not None:
                limit = filters.get("max_distance_mile") or 100.0
                found = [
                    e
                    for e in found
                    if _miles(filters["lat"], filters["lon"], e.location["lat"], e.location["lon"])
                    <= limit
                ]
            size = filters.get("size") or 1000
            return [_executor_json(e) for e in found[:size]]


def default_images(driver_version: str | None) -> list[dict[str, str]]:
    """``GET /executors/default-docker-image``: the images made for a machine's driver,
    PyTorch first. guess: only the driver matters (not ``gpu_model``); an unknown driver
    gets the oldest CUDA; the answer has only ``docker_image`` and ``docker_image_tag``."""
    major = (driver_version or "").split(".")[0]
    driver = int(major) if major.isdigit() else 0
    cuda = next(version for lowest, version in DEFAULT_IMAGE_CUDA if driver >= lowest)
    return default_images_of(cuda)


CPU_MODEL = "AMD EPYC 7742 64-Core Processor"


def ram_kib(e: Executor) -> int:
    """The machine's memory, in KiB (guess: the contract gives no unit)."""
    return 128 * 1024 * 1024 * e.gpu_count


def specs(e: Executor, *, busy: bool = False) -> dict[str, Any]:
    """The machine's ``specs``, with the utilization of a pod at work when ``busy``
    (guess: fixed figures; the real ones are sampled by Celium's validators)."""
    gpu_load, cpu_load, ram_load = (87, 35, 42) if busy else (0, 1, 3)
    gpu = {
        "name": e.machine_name,
        "capacity": e.memory_mib,
        "cuda": "12.4",
        "pcie": "16",
        "gpu_utilization": gpu_load,
        "memory_utilization": gpu_load // 2,
    }
    return {
        "gpu": {"count": e.gpu_count, "driver": e.driver, "details": [gpu] * e.gpu_count},
        "cpu": {"count": 16 * e.gpu_count, "model": CPU_MODEL, "utilization": cpu_load},
        "ram": {"total": ram_kib(e), "utilization": ram_load},
        "hard_disk": {"total": 2 * 1024**4},
        "os": "Ubuntu 22.04.4 LTS",
        "available_port_count": 20,
    }


def _executor_json(e: Executor) -> dict[str, Any]:
    return {
        "id": e.id,
        "machine_name": e.machine_name,
        "price_per_gpu": e.price_per_gpu,
        "price_per_hour": e.price_per_hour,
        "executor_ip_address": e.ip,
        "validator_hotkey": "5F" + uuid.UUID(e.id).hex[:30],
        "uptime_in_minutes": e.uptime_minutes,
        "status": "available",
        "tier": e.tier,
        "location": {**e.location, "region_name": e.location["region"], "timezone": "UTC"},
        "max_cuda_version": 12.4,
        "specs": specs(e),
    }


def _with_coordinates(place: dict[str, str]) -> dict[str, Any]:
    lat, lon = COORDINATES[place["city"]]
    return {**place, "lat": lat, "lon": lon}


def _within(value: float, filters: dict[str, Any], name: str) -> bool:
    low, high = filters.get(f"{name}_gte"), filters.get(f"{name}_lte")
    return (low is None or value >= low) and (high is None or value <= high)


def _miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(a))
