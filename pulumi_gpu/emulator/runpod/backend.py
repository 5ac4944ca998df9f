"""RunPod's state and rules: pods on GPU capacity, templates, network volumes, the catalog.

Follows ``shared/reference/apis/runpod.md`` and the REST v2 OpenAPI document
(``tests/specs/runpod-rest-v2.openapi.json``). Where they are silent, choices are
marked "guess" and kept plausible. Where the spec contradicts itself, the
descriptions win over the examples, except for a pod's ``template`` link (see
:meth:`RunPodBackend.create_pod`).

What RunPod sells is in ``inventory.py``, who may call it and how often in
``access.py``; the HTTP shape (problem+json, headers, status codes) is in ``routes.py``.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import JSONResponse, Response

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.runpod.access import RateLimiter
from pulumi_gpu.emulator.runpod.inventory import (
    CPU_FLAVORS,
    DATA_CENTER_BY_ID,
    DATA_CENTERS,
    DC_IDS,
    DEFAULT_DISK_GB,
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
from pulumi_gpu.emulator.state import GONE, CloudError, Timeline

# Pod statuses
PROVISIONING, STARTING, RUNNING = "PROVISIONING", "STARTING", "RUNNING"
EXITED, ERROR, TERMINATED = "EXITED", "ERROR", "TERMINATED"
HOLDING = frozenset({PROVISIONING, STARTING, RUNNING, ERROR})
"""Statuses in which a pod holds its GPUs (guess for ERROR: the machine stays assigned)."""
ACTIONS: dict[str, tuple[str, ...]] = {
    RUNNING: ("stop", "restart", "terminate"),
    EXITED: ("start", "terminate"),
    ERROR: ("start", "terminate"),
    PROVISIONING: ("stop", "terminate"),
    STARTING: ("stop", "terminate"),
    TERMINATED: (),
}
"""Valid actions per status, from the ``podAction`` description. (The create example
shows ``["start", "terminate"]`` for a PROVISIONING pod; the description is followed.)"""
CONTAINER_FIELDS = ("image", "args", "disk", "ports", "env", "registry")
TEMPLATE_FIELDS = (
    *("name", "image", "args", "disk", "mounts", "ports", "env", "registry", "serverless"),
    *("public", "category", "startSsh", "startJupyter", "allowedCudaVersions"),
)

PROBLEM_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


@dataclass
class Timings:
    """Simulated seconds each transition takes (tests shorten them)."""

    provision: float = 20.0
    """PROVISIONING -> STARTING (machine allocated)."""
    boot: float = 60.0
    """STARTING -> RUNNING (container healthy)."""
    ports: float = 10.0
    """RUNNING -> public ports mapped (guess: v1 documents empty mappings while initializing)."""
    restart: float = 20.0
    """A restart, or a change of container settings on a running pod."""
    terminate: float = 30.0
    """How long a terminated pod still answers GET with TERMINATED before 404 (guess)."""


@dataclass
class Pod:
    id: str
    owner: str
    name: str
    container: dict[str, Any]
    """image, args, disk, ports, env, registry."""
    mounts: dict[str, Any]
    cloud: str
    data_center_id: str
    gpu: dict[str, Any] | None
    cpu: dict[str, Any] | None
    cuda_version: str | None
    template_id: str | None
    timeline: Timeline
    created_at: float
    ip: str
    ssh_token: str
    public_ports: dict[int, int] = field(default_factory=dict)
    locked: bool = False
    global_networking: bool = False
    logs: list[str] = field(default_factory=list)


@dataclass
class Template:
    id: str
    owner: str | None
    """None for RunPod's public catalog templates."""
    fields: dict[str, Any]


@dataclass
class NetworkVolume:
    id: str
    owner: str
    name: str
    size: int
    data_center: str
    type: str


class RunPodBackend(EmulatedCloud):
    """The emulated RunPod REST v2 API, served under ``/runpod`` (then ``/v2/...``)."""

    name = "runpod"

    def __init__(self, clock: SimClock, *, seed: int = 0) -> None:
        super().__init__(clock)
        self.seed = seed
        self.timings = Timings()
        self.rate = RateLimiter()
        self.pods: dict[str, Pod] = {}
        self.templates: dict[str, Template] = {}
        self.volumes: dict[str, NetworkVolume] = {}
        self.ssh_keys: dict[str, list[str]] = {}
        self.capacity: dict[tuple[str, str, str], int] = {}
        self.cuda: dict[tuple[str, str], str | None] = {}
        self.fail_next_pods: list[str] = []
        self._ids = random.Random(f"runpod-ids-{seed}")
        self._seed_inventory()

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        return (
            {"pulumi-gpu:runpodEndpoint": f"{base_url}/v2"},
            {"pulumi-gpu:runpodApiKey": "runpod-emulator-key"},
        )

    def render_error(self, error: CloudError) -> Response:
        """RFC 9457 problem+json, as RunPod v2 answers every error."""
        body: dict[str, Any] = {
            "title": PROBLEM_TITLES.get(error.status, "Error"),
            "status": error.status,
            "detail": error.message,
        }
        if error.extra.get("errors"):
            body["errors"] = list(error.extra["errors"])
        return JSONResponse(
            body, error.status, error.headers, media_type="application/problem+json"
        )

    def render_validation_error(self, errors: list[dict[str, Any]]) -> Response:
        failed = CloudError(422, "Request validation failed.", errors=validation_messages(errors))
        return self.render_error(failed)

    # -- emulator controls ----------------------------------------------------------

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.timings = Timings()
            self.rate.reset()
            self.pods.clear()
            self.templates.clear()
            self.volumes.clear()
            self.ssh_keys.clear()
            self.fail_next_pods.clear()
            self._ids = random.Random(f"runpod-ids-{self.seed}")
            self._seed_inventory()

    def leftovers(self) -> dict[str, list[str]]:
        with self.lock:
            self._purge()
            return {
                "pods": sorted(p.id for p in self._live_pods()),
                "templates": sorted(t.id for t in self.templates.values() if t.owner is not None),
                "network_volumes": sorted(self.volumes),
            }

    def stop_pod(self, pod_id: str) -> None:
        """Stop a pod out of band (from the console, or RunPod stopping it at $0 balance)."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            pod.timeline.go(self.clock.now(), EXITED)

    def remove_pod(self, pod_id: str) -> None:
        """Terminate a pod out of band: it is gone at once."""
        with self.lock:
            self._pod(pod_id, owner=None)
            del self.pods[pod_id]

    def fail_pod(self, pod_id: str, reason: str = "container exited with code 1") -> None:
        """Put a pod into ERROR now."""
        with self.lock:
            pod = self._pod(pod_id, owner=None)
            pod.logs.append(reason)
            pod.timeline.go(self.clock.now(), ERROR)

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

    # -- pods -------------------------------------------------------------------------

    def list_pods(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            return [self._pod_json(p, seen=True) for p in self._live_pods() if p.owner == owner]

    def get_pod(self, owner: str, pod_id: str) -> dict[str, Any]:
        with self.lock:
            return self._pod_json(self._pod(pod_id, owner), seen=True)

    def create_pod(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        """Place one pod of exactly the requested type, or answer 400 (no fallback).

        Contradiction in the spec: ``createPod`` says a pod made from a template keeps no
        link to it (``template`` null), while ``deleteTemplate`` refuses a template
        "referenced by a pod (see that pod's ``template`` field)" and every example shows
        the link. The emulator keeps the link (guess), so deleting a template in use
        answers 400.
        """
        with self.lock:
            self._purge()
            if ("gpu" in body) == ("cpu" in body):
                raise CloudError(400, "exactly one of gpu or cpu must be set")
            mounts = body.get("mounts") or {}
            template_id = body.get("templateId")
            template = self._readable_template(template_id, owner) if template_id else None
            if template is not None and template.fields.get("serverless"):
                problem = f"$.templateId: template {template_id} is a serverless template"
                raise CloudError(422, "Request validation failed.", errors=[problem])
            container = _merge_container(template.fields if template else {}, body, patch=False)
            _check_ports(container["ports"])
            if template is not None and not mounts and "gpu" in body:
                mounts = dict(template.fields.get("mounts") or {})
            if mounts.get("persistent") and mounts.get("network"):
                raise CloudError(400, "mounts: at most one of persistent or network may be set")
            if mounts.get("persistent") and "cpu" in body:
                raise CloudError(400, "mounts.persistent is not allowed on CPU pods")
            volume = None
            if mounts.get("network"):
                volume_id = mounts["network"][0]["volumeId"]
                volume = self.volumes.get(volume_id)
                if volume is None or volume.owner != owner:
                    raise CloudError(404, f"network volume {volume_id} not found")
            cloud = body.get("cloud") or "SECURE"
            if volume is not None and cloud != "SECURE":  # guess, after RunPod's docs
                raise CloudError(400, "network volumes can only be attached to SECURE cloud pods")
            preferred = list(body.get("dataCenterIds") or [])
            unknown = [dc for dc in preferred if dc not in DC_IDS]
            if unknown:
                raise CloudError(400, f"unknown data center(s): {', '.join(unknown)}")
            if volume is not None:
                if preferred and volume.data_center not in preferred:
                    raise CloudError(
                        400,
                        f"network volume {volume.id} is in {volume.data_center}, which is not "
                        f"among the pod's dataCenterIds ({', '.join(preferred)})",
                    )
                preferred = [volume.data_center]
            if "gpu" in body:
                gpu, cpu = self._place_gpu(body["gpu"], cloud, preferred, template), None
                data_center, cuda = gpu.pop("_dc"), gpu.pop("_cuda")
            else:
                cpu, gpu, cuda = _cpu_config(body["cpu"], cloud), None, None
                data_center = preferred[0] if preferred else DC_IDS[0]
            env = dict(container["env"])
            start_ssh = body.get("startSsh", template.fields["startSsh"] if template else False)
            if start_ssh and "PUBLIC_KEY" not in env and self.ssh_keys.get(owner):
                env["PUBLIC_KEY"] = "\n".join(self.ssh_keys[owner])
            jupyter = body.get(
                "startJupyter", template.fields["startJupyter"] if template else False
            )
            if jupyter and "JUPYTER_PASSWORD" not in env:
                env["JUPYTER_PASSWORD"] = self._token(20)
            container["env"] = env
            now = self.clock.now()
            t = self.timings
            outcome = ERROR if self.fail_next_pods else RUNNING
            pod = Pod(
                id=self._token(14),
                owner=owner,
                name=body["name"],
                container=container,
                mounts=_mount_json(mounts),
                cloud=cloud,
                data_center_id=data_center,
                gpu=gpu,
                cpu=cpu,
                cuda_version=cuda,
                template_id=template_id,
                timeline=Timeline(
                    now, PROVISIONING, [(t.provision, STARTING), (t.provision + t.boot, outcome)]
                ),
                created_at=now,
                ip=self._machine_ip(data_center),
                ssh_token=f"{self._ids.getrandbits(32):08x}",
                global_networking=bool(body.get("globalNetworking")),
            )
            if outcome == ERROR:
                pod.logs.append(self.fail_next_pods.pop(0))
            self._assign_ports(pod)
            self.pods[pod.id] = pod
            self.waits.started(pod.id)
            return self._pod_json(pod)

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

    def update_pod(self, owner: str, pod_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            status = pod.timeline.status(now)
            if status == TERMINATED:
                raise CloudError(404, "The requested Pod does not exist.")
            template_id = changes.get("templateId")
            template = self._readable_template(template_id, owner) if template_id else None
            old = dict(pod.container)
            pod.container = _merge_container(
                template.fields if template else {}, changes, patch=True, base=pod.container
            )
            if template is not None and "env" in changes:
                pod.container["env"] = {**template.fields.get("env", {}), **changes["env"]}
            _check_ports(pod.container["ports"])
            mounts_changed = self._patch_mounts(pod, changes.get("mounts"))
            if changes.get("name") is not None:
                pod.name = changes["name"]
            if changes.get("locked") is not None:
                pod.locked = bool(changes["locked"])
            if changes.get("globalNetworking") is not None:  # takes effect on the next start
                pod.global_networking = bool(changes["globalNetworking"])
            if (pod.container != old or mounts_changed) and status in (STARTING, RUNNING):
                # guess, after v1's "Editing a running Pod resets it completely"
                pod.timeline.go(now, STARTING, [(self.timings.restart, RUNNING)])
                self._assign_ports(pod)
            return self._pod_json(pod)

    def _patch_mounts(self, pod: Pod, mounts: dict[str, Any] | None) -> bool:
        if not mounts:
            return False
        current = pod.mounts
        if "network" in mounts:
            entries = mounts["network"] or []
            if not entries:
                raise CloudError(
                    400, "mounts.network: [] is not allowed (clearing mounts is not supported)"
                )
            if "network" not in current:
                raise CloudError(
                    400, "the mount kind is fixed at create: this pod has no network mount"
                )
            if entries[0]["volumeId"] != current["network"][0]["volumeId"]:
                raise CloudError(400, "the volumeId of a network mount cannot be changed")
            changed = bool(entries[0]["path"] != current["network"][0]["path"])
            current["network"] = [dict(entries[0])]
            return changed
        if "persistent" in mounts and mounts["persistent"] is not None:
            entry = mounts["persistent"]
            if "persistent" not in current:
                raise CloudError(
                    400, "the mount kind is fixed at create: this pod has no persistent mount"
                )
            if entry["size"] != current["persistent"]["size"]:  # guess: only path is documented
                raise CloudError(400, "the size of a persistent mount cannot be changed")
            changed = bool(entry["path"] != current["persistent"]["path"])
            current["persistent"] = dict(entry)
            return changed
        return False

    def pod_action(self, owner: str, pod_id: str, action: str) -> dict[str, Any] | None:
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            status = pod.timeline.status(now)
            if action not in ACTIONS.get(status, ()):
                raise CloudError(
                    409,
                    f"Action not valid for current pod status: cannot {action} a pod that is "
                    f"{status}; valid actions: {', '.join(ACTIONS.get(status, ())) or 'none'}",
                )
            t = self.timings
            if action == "terminate":
                self._terminate(pod, now)
                return None
            if action == "stop":
                pod.timeline.go(now, EXITED)
            elif action == "restart":
                pod.timeline.go(now, STARTING, [(t.restart, RUNNING)])
                self._assign_ports(pod)
            else:  # start: the machine was kept, so no PROVISIONING
                if pod.gpu is not None:
                    free = self._free(pod.gpu["id"], pod.data_center_id, pod.cloud)
                    if free < pod.gpu["count"]:  # guess: RunPod may also resume with 0 GPUs
                        raise CloudError(
                            400,
                            f"not enough free {pod.gpu['id']} in {pod.data_center_id} to start "
                            f"this pod ({free} free, {pod.gpu['count']} needed); try again later",
                        )
                pod.timeline.go(now, STARTING, [(t.boot, RUNNING)])
                self._assign_ports(pod)
            return self._pod_json(pod)

    def delete_pod(self, owner: str, pod_id: str) -> None:
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            if pod.timeline.status(now) == TERMINATED:
                raise CloudError(404, "The requested Pod does not exist.")
            self._terminate(pod, now)

    def _terminate(self, pod: Pod, now: float) -> None:
        pod.timeline.go(now, TERMINATED, [(self.timings.terminate, GONE)])

    def _pod_json(self, pod: Pod, *, seen: bool = False) -> dict[str, Any]:
        now = self.clock.now()
        status = pod.timeline.status(now)
        running = status == RUNNING
        mapped = running and now - pod.timeline.since(now) >= self.timings.ports
        tcp, http = (
            _exposed(pod.container["ports"], "tcp"),
            _exposed(pod.container["ports"], "http"),
        )
        proxy = None
        if status not in (PROVISIONING, TERMINATED):  # a machine is assigned
            user = f"{pod.id}-{pod.ssh_token}"
            proxy = {
                "host": "ssh.runpod.io",
                "port": 22,
                "username": user,
                "command": f"ssh {user}@ssh.runpod.io",
            }
        direct = None
        if mapped and 22 in tcp:
            port = pod.public_ports[22]
            direct = {
                "host": pod.ip,
                "port": port,
                "username": "root",
                "command": f"ssh root@{pod.ip} -p {port}",
            }
        runtime = None
        if running:
            ports = [
                {
                    "private": p,
                    "public": pod.public_ports[p] if mapped else None,
                    "type": "tcp",
                    "ip": pod.ip if mapped else None,
                }
                for p in tcp
            ]
            ports += [{"private": p, "public": None, "type": "http", "ip": None} for p in http]
            runtime = {
                "uptime": int(now - pod.timeline.since(now)),
                "gpus": [{"util": 0, "memoryUtil": 0}] * (pod.gpu["count"] if pod.gpu else 0),
                "cpu": {"util": 1},
                "memory": {"util": 3},
                "ports": ports,
            }
            if mapped and seen:
                self.waits.seen_ready(pod.id)
        body: dict[str, Any] = {
            "id": pod.id,
            "name": pod.name,
            "status": status,
            "actions": list(ACTIONS.get(status, ())),
            **{k: _copy(v) for k, v in pod.container.items()},
            "mounts": _copy(pod.mounts),
            "cloud": pod.cloud,
            "dataCenterId": pod.data_center_id,
            "cudaVersion": pod.cuda_version,
            "ssh": {"proxy": proxy, "direct": direct},
            "template": pod.template_id,
            "cost": 0.0 if status in (EXITED, TERMINATED) else self._cost(pod),
            "locked": pod.locked,
            "globalNetworking": _global_networking(pod),
            "runtime": runtime,
            "createdAt": self.clock.iso(pod.created_at),
            "startedAt": self.clock.iso(pod.timeline.since(now)) if running else None,
        }
        if pod.gpu is not None:
            body["gpu"] = dict(pod.gpu)
        if pod.cpu is not None:
            body["cpu"] = dict(pod.cpu)
        return body

    def _cost(self, pod: Pod) -> float:
        if pod.gpu is not None:
            return round(GPUS[pod.gpu["id"]].price(pod.cloud) * int(pod.gpu["count"]), 4)
        assert pod.cpu is not None
        return round(CPU_FLAVORS[pod.cpu["id"]].price_per_vcpu * int(pod.cpu["vcpuCount"]), 4)

    def _assign_ports(self, pod: Pod) -> None:
        """Public ports are mapped anew at every start (guess, as RunPod does)."""
        rng = random.Random(f"{pod.id}-{self.clock.now()}")
        pod.public_ports = {
            p: rng.randint(10000, 60000) for p in _exposed(pod.container["ports"], "tcp")
        }

    def _pod(self, pod_id: str, owner: str | None) -> Pod:
        self._purge()
        pod = self.pods.get(pod_id)
        if pod is None or (owner is not None and pod.owner != owner):
            raise CloudError(404, "The requested Pod does not exist.")
        return pod

    def _used(self, gpu_id: str, dc: str, cloud: str) -> int:
        now = self.clock.now()
        return sum(
            p.gpu["count"]
            for p in self.pods.values()
            if p.gpu is not None
            and p.gpu["id"] == gpu_id
            and p.data_center_id == dc
            and p.cloud == cloud
            and p.timeline.status(now) in HOLDING
        )

    def _free(self, gpu_id: str, dc: str, cloud: str) -> int:
        return max(self.capacity.get((gpu_id, dc, cloud), 0) - self._used(gpu_id, dc, cloud), 0)

    def _machine_ip(self, dc: str) -> str:
        first = 64 + DC_IDS.index(dc) * 16
        rest = (self._ids.randint(0, 255), self._ids.randint(0, 255), self._ids.randint(2, 254))
        return ".".join(str(part) for part in (first, *rest))

    # -- templates --------------------------------------------------------------------

    def list_templates(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [_template_json(t) for t in self.templates.values() if t.owner == owner]

    def get_template(self, owner: str, template_id: str) -> dict[str, Any]:
        with self.lock:
            return _template_json(self._readable_template(template_id, owner))

    def create_template(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._unique_template_name(owner, body["name"])
            fields = {**template_defaults(), **body}
            _check_ports(fields["ports"])
            template = Template(self._token(10), owner, fields)
            self.templates[template.id] = template
            return _template_json(template)

    def update_template(
        self, owner: str, template_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            template = self._own_template(template_id, owner)
            if changes.get("name") not in (None, template.fields["name"]):
                self._unique_template_name(owner, changes["name"])
            if changes.get("mounts") == {}:
                changes = {k: v for k, v in changes.items() if k != "mounts"}
            fields = {**template.fields, **changes}
            _check_ports(fields["ports"])
            template.fields = fields
            return _template_json(template)

    def delete_template(self, owner: str, template_id: str) -> None:
        with self.lock:
            self._own_template(template_id, owner)
            self._purge()
            users = [p.id for p in self._live_pods() if p.template_id == template_id]
            if users:
                raise CloudError(
                    400,
                    "Template is in use by a pod or serverless endpoint "
                    f"(pods: {', '.join(users)})",
                )
            del self.templates[template_id]

    def _unique_template_name(self, owner: str, name: str) -> None:
        # guess: v1 and GraphQL document unique template names; v2 says nothing
        if any(t.owner == owner and t.fields["name"] == name for t in self.templates.values()):
            raise CloudError(400, f"a template named {name!r} already exists")

    def _readable_template(self, template_id: str, owner: str) -> Template:
        template = self.templates.get(template_id)
        if template is None or template.owner not in (owner, None):
            raise CloudError(404, f"template {template_id} not found")
        return template

    def _own_template(self, template_id: str, owner: str) -> Template:
        template = self.templates.get(template_id)
        if template is None or template.owner != owner:
            raise CloudError(404, f"template {template_id} not found")
        return template

    # -- network volumes ----------------------------------------------------------------

    def list_volumes(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [_volume_json(v) for v in self.volumes.values() if v.owner == owner]

    def get_volume(self, owner: str, volume_id: str) -> dict[str, Any]:
        with self.lock:
            return _volume_json(self._volume(volume_id, owner))

    def create_volume(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            dc = DATA_CENTER_BY_ID.get(body["dataCenter"])
            if dc is None:  # guess: the wording is undocumented
                raise CloudError(400, f"unknown data center {body['dataCenter']!r}")
            if not dc.volume_types:
                raise CloudError(400, f"data center {dc.id} does not offer network volumes")
            kind = body.get("type") or dc.volume_types[0]
            if kind not in dc.volume_types:
                offered = ", ".join(dc.volume_types)
                raise CloudError(400, f"data center {dc.id} offers {offered} volumes, not {kind}")
            volume = NetworkVolume(self._token(10), owner, body["name"], body["size"], dc.id, kind)
            self.volumes[volume.id] = volume
            return _volume_json(volume)

    def update_volume(self, owner: str, volume_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            volume = self._volume(volume_id, owner)
            size = changes.get("size")
            if size is not None and size < volume.size:
                raise CloudError(
                    400,
                    f"network volume storage cannot be reduced: {volume.id} has {volume.size} GB, "
                    f"asked for {size} GB",
                )
            if size is not None:
                volume.size = size
            if changes.get("name") is not None:
                volume.name = changes["name"]
            return _volume_json(volume)

    def delete_volume(self, owner: str, volume_id: str) -> None:
        with self.lock:
            self._volume(volume_id, owner)
            self._purge()
            users = [
                p.id
                for p in self._live_pods()
                if any(m["volumeId"] == volume_id for m in p.mounts.get("network", []))
            ]
            if users:  # guess: the console refuses to delete an attached volume
                raise CloudError(
                    400, f"network volume {volume_id} is attached to pods: {', '.join(users)}"
                )
            del self.volumes[volume_id]

    def _volume(self, volume_id: str, owner: str) -> NetworkVolume:
        volume = self.volumes.get(volume_id)
        if volume is None or volume.owner != owner:
            raise CloudError(404, "resource not found")
        return volume

    # -- catalog ----------------------------------------------------------------------

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

    def get_ssh_keys(self, owner: str) -> dict[str, Any]:
        with self.lock:
            return {"keys": list(self.ssh_keys.get(owner, []))}

    def put_ssh_keys(self, owner: str, keys: list[str]) -> dict[str, Any]:
        with self.lock:
            self.ssh_keys[owner] = list(keys)
            return {"keys": list(keys)}

    # -- helpers ----------------------------------------------------------------------

    def _live_pods(self) -> list[Pod]:
        """Pods that exist (a terminated pod lingers a while, but not in lists)."""
        now = self.clock.now()
        return [p for p in self.pods.values() if p.timeline.status(now) != TERMINATED]

    def _purge(self) -> None:
        now = self.clock.now()
        for pod_id in [i for i, p in self.pods.items() if p.timeline.status(now) == GONE]:
            del self.pods[pod_id]

    def _token(self, length: int) -> str:
        alphabet = string.ascii_lowercase + string.digits
        return "".join(self._ids.choice(alphabet) for _ in range(length))


def _template_json(t: Template) -> dict[str, Any]:
    return {"id": t.id, **{k: _copy(t.fields.get(k)) for k in TEMPLATE_FIELDS}}


def _volume_json(v: NetworkVolume) -> dict[str, Any]:
    return {"id": v.id, "name": v.name, "size": v.size, "dataCenter": v.data_center, "type": v.type}


def _merge_container(
    template: dict[str, Any],
    body: dict[str, Any],
    *,
    patch: bool,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Container settings: the base (a pod's, on PATCH), then the template's, then the body's.

    ``env`` from a template is merged per key with the body's winning; on PATCH a given
    ``env`` replaces the pod's.
    """
    defaults: dict[str, Any] = {
        "image": None,
        "args": "",
        "disk": DEFAULT_DISK_GB,
        "ports": [],
        "env": {},
        "registry": None,
    }
    merged = dict(base) if base is not None else dict(defaults)
    for key in CONTAINER_FIELDS:
        if key in template:
            merged[key] = _copy(template[key])
    for key in CONTAINER_FIELDS:
        if key in body:
            merged[key] = _copy(body[key])
    if not patch and "env" in body and "env" in template:
        merged["env"] = {**template["env"], **body["env"]}
    if merged.get("image") is None:
        raise CloudError(
            422, "Request validation failed.", errors=["$: missing properties 'image'"]
        )
    return merged


def _check_ports(ports: list[str]) -> None:
    for entry in ports:
        number, _, kind = entry.partition("/")
        if kind not in ("http", "tcp") or not number.isdigit() or not 1 <= int(number) <= 65535:
            raise CloudError(
                400, f"invalid port {entry!r}: expected <port>/http or <port>/tcp"
            )  # guess
    numbers = [entry.partition("/")[0] for entry in ports]
    if len(set(numbers)) != len(numbers):
        raise CloudError(400, f"ports must not repeat a port number: {ports}")


def _exposed(ports: list[str], kind: str) -> list[int]:
    return [int(p.partition("/")[0]) for p in ports if p.partition("/")[2] == kind]


def _mount_json(mounts: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if mounts.get("persistent"):
        found["persistent"] = dict(mounts["persistent"])
    if mounts.get("network"):
        found["network"] = [dict(m) for m in mounts["network"]]
    return found


def _cpu_config(request: dict[str, Any], cloud: str) -> dict[str, Any]:
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


def _global_networking(pod: Pod) -> dict[str, Any]:
    if not pod.global_networking:
        return {"enabled": False}
    return {
        "enabled": True,
        "ip": f"10.65.{len(pod.id)}.42",
        "internalDns": f"{pod.id}.runpod.internal",
    }


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def validation_messages(errors: list[dict[str, Any]]) -> list[str]:
    """FastAPI errors as RunPod's strings, e.g. ``"$: additional properties 'x' not allowed"``."""
    found = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "body"
        parts = loc[1:]
        if where == "body":
            parent = "$" + "".join(f".{p}" if not p.isdigit() else f"[{p}]" for p in parts[:-1])
            path = "$" + "".join(f".{p}" if not p.isdigit() else f"[{p}]" for p in parts)
        else:
            parent = path = f"{where}.{'.'.join(parts)}"
        kind = error.get("type", "")
        if kind == "extra_forbidden" and parts:
            found.append(f"{parent}: additional properties '{parts[-1]}' not allowed")
        elif kind == "missing" and parts:
            found.append(f"{parent}: missing properties '{parts[-1]}'")
        elif kind == "missing":
            found.append(f"{path}: a request body is required")
        else:
            found.append(f"{path}: {str(error.get('msg', 'invalid')).lower()}")
    return found
