"""RunPod pods: created on exactly the requested machine (PROVISIONING -> STARTING ->
RUNNING), edited (a running pod restarts), started, stopped (EXITED, also when the
container's command ends: ``container.py``), restarted and terminated (TERMINATED for a
while, then gone). ERROR is a failed container."""

from __future__ import annotations

import math
import random
from typing import Any

from pulumi_gpu.emulator.runpod.container import Container
from pulumi_gpu.emulator.runpod.inventory import DC_IDS, DEFAULT_DISK_GB
from pulumi_gpu.emulator.runpod.model import (
    ACTIONS,
    CONTAINER_FIELDS,
    ERROR,
    EXITED,
    PROVISIONING,
    RUNNING,
    STARTING,
    TERMINATED,
    Pod,
    check_ports,
    copy_json,
    exposed,
)
from pulumi_gpu.emulator.runpod.placement import Placement, cpu_config
from pulumi_gpu.emulator.runpod.pod_view import PodView
from pulumi_gpu.emulator.state import GONE, CloudError, Timeline


class Pods(PodView, Placement, Container):
    """``/v2/pods``: the caller's pods."""

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
            check_ports(container["ports"])
            self._check_registry(owner, container["registry"])
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
                cpu, gpu, cuda = cpu_config(body["cpu"], cloud), None, None
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
            refusal = self._pull_refusal(container["image"], container["registry"])
            outcome = ERROR if self.fail_next_pods or refusal else RUNNING
            then = [(t.provision, STARTING), (t.provision + t.boot, outcome)]
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
                timeline=Timeline(now, PROVISIONING, then),
                created_at=now,
                ip=self._ssh_host(self._machine_ip(data_center)),
                ssh_token=f"{self._ids.getrandbits(32):08x}",
                global_networking=bool(body.get("globalNetworking")),
            )
            if outcome == ERROR:
                reason = refusal or self.fail_next_pods.pop(0)
                pod.logs.append((now + t.provision + t.boot, reason))
            self._declared(pod, now, then)
            self._ssh_created("pods", pod.id)
            self._assign_ports(pod)
            self.pods[pod.id] = pod
            self.waits.started(pod.id)
            return self._pod_json(pod)

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
            container = _merge_container(
                template.fields if template else {}, changes, patch=True, base=pod.container
            )
            if template is not None and "env" in changes:
                container["env"] = {**template.fields.get("env", {}), **changes["env"]}
            check_ports(container["ports"])
            if container["registry"] != old["registry"]:
                self._check_registry(owner, container["registry"])
            pod.container = container
            mounts_changed = self._patch_mounts(pod, changes.get("mounts"))
            if changes.get("name") is not None:
                pod.name = changes["name"]
            if changes.get("locked") is not None:
                pod.locked = bool(changes["locked"])
            if changes.get("globalNetworking") is not None:  # takes effect on the next start
                pod.global_networking = bool(changes["globalNetworking"])
            if (pod.container != old or mounts_changed) and status in (STARTING, RUNNING):
                # guess, after v1's "Editing a running Pod resets it completely": the image
                # is pulled again, with the credentials it names now
                refusal = self._pull_refusal(container["image"], container["registry"])
                self._go(
                    pod, now, STARTING, [(self.timings.restart, ERROR if refusal else RUNNING)]
                )
                if refusal:
                    pod.logs.append((now + self.timings.restart, refusal))
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
                self._go(pod, now, STARTING, [(t.restart, RUNNING)])
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
                self._go(pod, now, STARTING, [(t.boot, RUNNING)])
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

    def _assign_ports(self, pod: Pod) -> None:
        """Public ports are mapped anew at every start (guess, as RunPod does); 22 is a
        new SSH listener's."""
        rng = random.Random(f"{pod.id}-{self.clock.now()}")
        pod.public_ports = {
            p: rng.randint(10000, 60000) for p in exposed(pod.container["ports"], "tcp")
        }
        if 22 in pod.public_ports:
            pod.public_ports[22] = self._ssh_listen("pods", pod.id, pod.public_ports[22])

    def _ssh_due_pods(self, pod_id: str) -> float | None:
        """Its banner comes ``timings.ssh_banner`` after its ports are mapped; a
        terminated pod's SSH port closes."""
        pod, now = self.pods.get(pod_id), self.clock.now()
        status = GONE if pod is None else pod.timeline.status(now)
        if pod is None or status in (TERMINATED, GONE):
            return None
        if status != RUNNING or 22 not in exposed(pod.container["ports"], "tcp"):
            return math.inf
        return pod.timeline.since(now) + self.timings.ports + self.timings.ssh_banner


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
            merged[key] = copy_json(template[key])
    for key in CONTAINER_FIELDS:
        if key in body:
            merged[key] = copy_json(body[key])
    if not patch and "env" in body and "env" in template:
        merged["env"] = {**template["env"], **body["env"]}
    if merged.get("image") is None:
        raise CloudError(
            422, "Request validation failed.", errors=["$: missing properties 'image'"]
        )
    return merged


def _mount_json(mounts: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if mounts.get("persistent"):
        found["persistent"] = dict(mounts["persistent"])
    if mounts.get("network"):
        found["network"] = [dict(m) for m in mounts["network"]]
    return found
