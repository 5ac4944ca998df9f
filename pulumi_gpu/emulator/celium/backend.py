"""Celium's state and rules: executors for rent, templates that must verify, pods, volumes.

Follows ``shared/reference/apis/celium.md``. Where the contract is silent, the
choices are marked "guess" and kept plausible: a rent of an unverified template or a
rented executor answers 400, deleting a template or volume still used by a pod
answers 400.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.state import GONE, CloudError, Timeline

# Template statuses
CREATED, UPDATED = "CREATED", "UPDATED"
VERIFY_PENDING, VERIFY_SUCCESS, VERIFY_FAILED = "VERIFY_PENDING", "VERIFY_SUCCESS", "VERIFY_FAILED"
# Pod statuses
PENDING, RUNNING, FAILED, STOPPED, DELETING = "PENDING", "RUNNING", "FAILED", "STOPPED", "DELETING"

CATEGORIES = ("DOCKER", "PYTORCH", "NVIDIA", "TENSOR_FLOW", "OPEN_AI", "UBUNTU")
NOT_DEBIAN = (
    "alpine",
    "busybox",
    "fedora",
    "centos",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "archlinux",
    "opensuse",
    "gentoo",
    "scratch",
)

API_KEYS = {"celium-emulator-key": 1000.0, "celium-empty-wallet": 0.0}
"""Keys the emulated Celium accepts, with the account balance behind each."""

# (machine name, $/GPU/h, VRAM MiB, driver)
GPU_MODELS = [
    ("NVIDIA H200", 3.10, 143771, "570.124.06"),
    ("NVIDIA H100 80GB HBM3", 2.25, 81559, "560.35.03"),
    ("NVIDIA A100-SXM4-80GB", 1.25, 81920, "550.90.07"),
    ("NVIDIA A100 80GB PCIe", 1.05, 81920, "550.90.07"),
    ("NVIDIA L40S", 0.85, 46068, "550.54.15"),
    ("NVIDIA RTX A6000", 0.55, 49140, "535.183.01"),
    ("NVIDIA GeForce RTX 4090", 0.35, 24564, "550.120"),
    ("NVIDIA GeForce RTX 3090", 0.20, 24576, "535.171.04"),
]
LOCATIONS = [
    {"country": "United States", "country_code": "US", "region": "CA", "city": "San Jose"},
    {"country": "United States", "country_code": "US", "region": "TX", "city": "Dallas"},
    {"country": "Canada", "country_code": "CA", "region": "QC", "city": "Montreal"},
    {"country": "Germany", "country_code": "DE", "region": "HE", "city": "Frankfurt"},
    {"country": "Netherlands", "country_code": "NL", "region": "NH", "city": "Amsterdam"},
    {"country": "Finland", "country_code": "FI", "region": "18", "city": "Helsinki"},
    {"country": "Japan", "country_code": "JP", "region": "13", "city": "Tokyo"},
]
COORDINATES = {
    "San Jose": (37.34, -121.89),
    "Dallas": (32.78, -96.80),
    "Montreal": (45.50, -73.57),
    "Frankfurt": (50.11, 8.68),
    "Amsterdam": (52.37, 4.90),
    "Helsinki": (60.17, 24.94),
    "Tokyo": (35.68, 139.69),
}


@dataclass
class Timings:
    """Simulated seconds each transition takes (tests shorten them)."""

    verify_start: float = 5.0
    verify: float = 180.0
    boot: float = 90.0
    delete: float = 15.0


@dataclass
class Executor:
    id: str
    machine_name: str
    gpu_count: int
    price_per_gpu: float
    memory_mib: int
    driver: str
    location: dict[str, Any]
    ip: str
    uptime_minutes: int
    tier: str
    rented_by: str | None = None

    @property
    def price_per_hour(self) -> float:
        return round(self.price_per_gpu * self.gpu_count, 4)


@dataclass
class Template:
    id: str
    owner: str
    fields: dict[str, Any]
    timeline: Timeline
    passes: bool
    created_at: float
    updated_at: float


@dataclass
class Pod:
    id: str
    owner: str
    pod_name: str
    executor_id: str
    template_id: str
    volume_id: str | None
    public_keys: list[str]
    ports: dict[str, int]
    timeline: Timeline
    created_at: float
    updated_at: float
    logs: list[str] = field(default_factory=list)


@dataclass
class Volume:
    id: str
    owner: str
    name: str
    description: str
    created_at: float
    updated_at: float


class CeliumBackend(EmulatedCloud):
    """The emulated Celium (Lium) compute API, served under ``/celium``."""

    name = "celium"

    def __init__(self, clock: SimClock, *, seed: int = 0) -> None:
        super().__init__(clock)
        self.seed = seed
        self.timings = Timings()
        self.balances = dict(API_KEYS)
        self.executors: dict[str, Executor] = {}
        self.templates: dict[str, Template] = {}
        self.pods: dict[str, Pod] = {}
        self.volumes: dict[str, Volume] = {}
        self.fail_next_pods: list[str] = []
        self.failing_images: set[str] = set()
        self._ids = random.Random(f"ids-{seed}")
        self._seed_inventory()

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        return (
            {"pulumi-gpu:celiumEndpoint": base_url},
            {"pulumi-gpu:celiumApiKey": "celium-emulator-key"},
        )

    # -- emulator controls ----------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.timings = Timings()
            self.balances = dict(API_KEYS)
            self.templates.clear()
            self.pods.clear()
            self.volumes.clear()
            self.fail_next_pods.clear()
            self.failing_images.clear()
            self._ids = random.Random(f"ids-{self.seed}")
            self._seed_inventory()

    def leftovers(self) -> dict[str, list[str]]:
        with self.lock:
            self._purge()
            return {
                "templates": sorted(self.templates),
                "pods": sorted(self.pods),
                "volumes": sorted(self.volumes),
            }

    def fail_pod(self, pod_id: str, reason: str = "container exited with code 1") -> None:
        """Make a pod FAILED now, with ``reason`` in its executor logs."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            pod.logs.append(reason)
            pod.timeline.go(self.clock.now(), FAILED)

    def remove_pod(self, pod_id: str) -> None:
        """Delete a pod out of band (as if from the web console)."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            self._release(pod)
            del self.pods[pod_id]

    def rentable(self) -> list[Executor]:
        with self.lock:
            self._purge()
            return [e for e in self.executors.values() if e.rented_by is None]

    # -- executors --------------------------------------------------------------------

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
                        ip=".".join(str(rng.randint(low, 254)) for low in (23, 0, 0, 2)),
                        uptime_minutes=rng.randint(60, 200_000),
                        tier=rng.choice(["secure", "spot"]),
                    )
                    self.executors[executor.id] = executor

    def list_executors(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            found = [e for e in self.executors.values() if e.rented_by is None]
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
            return [self._executor_json(e) for e in found[:size]]

    def _executor_json(self, e: Executor) -> dict[str, Any]:
        gpu = {
            "name": e.machine_name,
            "capacity": e.memory_mib,
            "cuda": "12.4",
            "pcie": "16",
            "gpu_utilization": 0,
            "memory_utilization": 0,
        }
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
            "specs": {
                "gpu": {"count": e.gpu_count, "driver": e.driver, "details": [gpu] * e.gpu_count},
                "cpu": {"count": 16 * e.gpu_count, "model": "AMD EPYC 7742 64-Core Processor"},
                "ram": {"total": 128 * 1024 * 1024 * e.gpu_count},
                "hard_disk": {"total": 2 * 1024**4},
                "os": "Ubuntu 22.04.4 LTS",
                "available_port_count": 20,
            },
        }

    # -- templates --------------------------------------------------------------------

    def list_templates(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            return [self._template_json(t) for t in self.templates.values() if t.owner == owner]

    def get_template(self, owner: str, template_id: str) -> dict[str, Any]:
        with self.lock:
            return self._template_json(self._template(template_id, owner))

    def create_template(self, owner: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            template = Template(
                id=self._new_id(),
                owner=owner,
                fields=fields,
                timeline=Timeline(now, CREATED),
                passes=True,
                created_at=now,
                updated_at=now,
            )
            self._verify(template, now)
            self.templates[template.id] = template
            return self._template_json(template)

    def replace_template(
        self, owner: str, template_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            template = self._template(template_id, owner)
            now = self.clock.now()
            template.fields = fields
            template.updated_at = now
            template.timeline.go(now, UPDATED)
            self._verify(template, now)
            return self._template_json(template)

    def delete_template(self, owner: str, template_id: str) -> dict[str, Any]:
        with self.lock:
            self._template(template_id, owner)
            users = [p.id for p in self.pods.values() if p.template_id == template_id]
            if users:  # guess: the real API's answer is not documented
                raise CloudError(400, f"Template is in use by pods: {', '.join(users)}")
            del self.templates[template_id]
            return {"detail": "Template deleted successfully"}

    def _verify(self, template: Template, now: float) -> None:
        image = template.fields["docker_image"]
        tag = template.fields.get("docker_image_tag") or "latest"
        base = image.rsplit("/", 1)[-1].lower()
        template.passes = not (
            base in NOT_DEBIAN or "alpine" in tag.lower() or image in self.failing_images
        )
        outcome = VERIFY_SUCCESS if template.passes else VERIFY_FAILED
        t = self.timings
        template.timeline.go(
            now,
            template.timeline.status(now),
            [(t.verify_start, VERIFY_PENDING), (t.verify_start + t.verify, outcome)],
        )

    def _template_json(self, t: Template) -> dict[str, Any]:
        status = t.timeline.status(self.clock.now())
        image = f"{t.fields['docker_image']}:{t.fields.get('docker_image_tag') or 'latest'}"
        logs = None
        if status == VERIFY_SUCCESS:
            logs = f"Pulled {image}\nInstalled openssh-server\nVerification passed"
        elif status == VERIFY_FAILED:
            logs = (
                f"Pulled {image}\n/bin/sh: apt-get: not found\n"
                "Verification failed: the image must be Debian/Ubuntu-based "
                "(verification installs openssh-server with apt)"
            )
        return {
            "id": t.id,
            "user_id": _user_id(t.owner),
            **t.fields,
            "status": status,
            "verification_logs": logs,
            "created_at": self.clock.iso(t.created_at, naive=True),
            "updated_at": self.clock.iso(t.updated_at, naive=True),
        }

    def _template(self, template_id: str, owner: str) -> Template:
        self._purge()
        template = self.templates.get(template_id)
        if template is None or template.owner != owner:
            raise CloudError(404, "404: Template not found")
        return template

    # -- pods -------------------------------------------------------------------------

    def rent(self, owner: str, executor_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._purge()
            executor = self.executors.get(executor_id)
            if executor is None:
                raise CloudError(404, "404: Executor not found")
            if executor.rented_by is not None:  # guess
                raise CloudError(400, "Executor is already rented")
            if self.balances.get(owner, 0.0) <= 0:
                raise CloudError(403, "Insufficient balance")
            template = self._template(body["template_id"], owner)
            status = template.timeline.status(self.clock.now())
            if status != VERIFY_SUCCESS:  # guess
                raise CloudError(400, f"Template is not verified (status {status})")
            keys = body.get("user_public_key") or []
            if not keys:  # guess, after the subnet's NoSshKeys error code
                raise CloudError(400, "NoSshKeys: at least one SSH public key is required")
            volume_id = body.get("volume_id")
            if volume_id is not None:
                self._volume(volume_id, owner)
            now = self.clock.now()
            rng = random.Random(f"{executor_id}-{now}")
            ports = {
                str(port): rng.randint(40000, 60000)
                for port in template.fields.get("internal_ports") or [22]
            }
            ports.setdefault("22", rng.randint(40000, 60000))
            outcome = FAILED if self.fail_next_pods else RUNNING
            pod = Pod(
                id=self._new_id(),
                owner=owner,
                pod_name=body["pod_name"],
                executor_id=executor_id,
                template_id=template.id,
                volume_id=volume_id,
                public_keys=list(keys),
                ports=ports,
                timeline=Timeline(now, PENDING, [(self.timings.boot, outcome)]),
                created_at=now,
                updated_at=now,
            )
            if outcome == FAILED:
                pod.logs.append(self.fail_next_pods.pop(0))
            executor.rented_by = pod.id
            self.pods[pod.id] = pod
            self.waits.started(pod.id)
            return self._pod_json(pod)

    def list_pods(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            pods = [self._pod_json(p) for p in self.pods.values() if p.owner == owner]
            for pod in pods:
                if pod["status"] == RUNNING:
                    self.waits.seen_ready(pod["id"])
            return pods

    def get_pod(self, owner: str, pod_id: str) -> dict[str, Any]:
        with self.lock:
            pod = self._pod(pod_id, owner)
            body = self._pod_json(pod)
            if body["status"] == RUNNING:
                self.waits.seen_ready(pod_id)
            return {**body, "executor_status": {"logs": list(pod.logs)}}

    def rename_pod(self, owner: str, pod_id: str, pod_name: str) -> dict[str, Any]:
        with self.lock:
            pod = self._pod(pod_id, owner)
            pod.pod_name = pod_name
            pod.updated_at = self.clock.now()
            return self._pod_json(pod)

    def delete_pod(self, owner: str, pod_id: str) -> dict[str, Any]:
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            if pod.timeline.status(now) != DELETING:
                pod.timeline.go(now, DELETING, [(self.timings.delete, GONE)])
            return self._pod_json(pod)

    def _pod_json(self, pod: Pod) -> dict[str, Any]:
        now = self.clock.now()
        status = pod.timeline.status(now)
        executor = self.executors[pod.executor_id]
        template = self.templates.get(pod.template_id)
        running = status == RUNNING
        price = executor.price_per_hour
        return {
            "id": pod.id,
            "pod_name": pod.pod_name,
            "status": status,
            "ssh_connect_cmd": f"ssh root@{executor.ip} -p {pod.ports['22']}" if running else None,
            "ports_mapping": dict(pod.ports) if running else {},
            "gpu_name": executor.machine_name,
            "gpu_count": str(executor.gpu_count),
            "cpu_name": "AMD EPYC 7742 64-Core Processor",
            "ram_total": 128 * 1024 * 1024 * executor.gpu_count,
            "is_favorite": False,
            "created_at": self.clock.iso(pod.created_at, naive=True),
            "updated_at": self.clock.iso(max(pod.updated_at, pod.timeline.since(now)), naive=True),
            "container_name": f"container_{pod.id}",
            "template": dict(template.fields) if template else None,
            "executor": {
                "id": executor.id,
                "machine_name": executor.machine_name,
                "price_per_hour": price,
                "executor_ip_address": executor.ip,
                "uptime_in_minutes": executor.uptime_minutes,
                "active": True,
            },
            "volume_id": pod.volume_id,
            "price": price,
            "removal_scheduled_at": None,
            "jupyter_installation_status": None,
            "jupyter_url": None,
        }

    def _pod(self, pod_id: str, owner: str | None) -> Pod:
        self._purge()
        pod = self.pods.get(pod_id)
        if pod is None or (owner is not None and pod.owner != owner):
            raise CloudError(404, "404: Pod not found")
        return pod

    def _release(self, pod: Pod) -> None:
        executor = self.executors.get(pod.executor_id)
        if executor is not None and executor.rented_by == pod.id:
            executor.rented_by = None

    # -- volumes ----------------------------------------------------------------------

    def list_volumes(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [self._volume_json(v) for v in self.volumes.values() if v.owner == owner]

    def get_volume(self, owner: str, volume_id: str) -> dict[str, Any]:
        with self.lock:
            return self._volume_json(self._volume(volume_id, owner))

    def create_volume(self, owner: str, name: str, description: str) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            volume = Volume(self._new_id(), owner, name, description, now, now)
            self.volumes[volume.id] = volume
            return self._volume_json(volume)

    def update_volume(self, owner: str, volume_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            volume = self._volume(volume_id, owner)
            for key in ("name", "description"):
                if changes.get(key) is not None:
                    setattr(volume, key, changes[key])
            volume.updated_at = self.clock.now()
            return self._volume_json(volume)

    def delete_volume(self, owner: str, volume_id: str) -> dict[str, Any]:
        with self.lock:
            self._volume(volume_id, owner)
            self._purge()
            users = [p.id for p in self.pods.values() if p.volume_id == volume_id]
            if users:  # guess: the real API's answer is not documented
                raise CloudError(400, f"Volume is attached to pods: {', '.join(users)}")
            del self.volumes[volume_id]
            return {"detail": "Volume deleted successfully"}

    def _volume(self, volume_id: str, owner: str) -> Volume:
        volume = self.volumes.get(volume_id)
        if volume is None or volume.owner != owner:
            raise CloudError(404, "404: Volume not found")
        return volume

    def _volume_json(self, v: Volume) -> dict[str, Any]:
        size = 4096 * sum(1 for p in self.pods.values() if p.volume_id == v.id)
        return {
            "id": v.id,
            "name": v.name,
            "description": v.description,
            "created_at": self.clock.iso(v.created_at, naive=True),
            "updated_at": self.clock.iso(v.updated_at, naive=True),
            "current_size_bytes": size,
            "current_file_count": 0,
            "current_size_gb": round(size / 1024**3, 3),
            "current_size_mb": round(size / 1024**2, 3),
            "last_metrics_update": None,
        }

    # -- helpers ----------------------------------------------------------------------

    def _purge(self) -> None:
        now = self.clock.now()
        for pod in [p for p in self.pods.values() if p.timeline.status(now) == GONE]:
            self._release(pod)
            del self.pods[pod.id]

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))


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


def _user_id(owner: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"celium-user:{owner}"))
