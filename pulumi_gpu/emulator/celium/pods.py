"""Celium pods: rented on an executor from a verified template (PENDING -> RUNNING, or
FAILED), renamed, deleted now or at a scheduled time (DELETING, then gone and the
executor listed again); their template's startup commands run once RUNNING, and their
output is the pod's log."""

from __future__ import annotations

import math
import random
from typing import Any

from pulumi_gpu.emulator.celium.executors import CPU_MODEL, ram_kib, specs
from pulumi_gpu.emulator.celium.model import (
    FAILED,
    PENDING,
    RUNNING,
    VERIFY_SUCCESS,
    Pod,
)
from pulumi_gpu.emulator.celium.tables import CeliumTables
from pulumi_gpu.emulator.commands import Script, simulate
from pulumi_gpu.emulator.runs import Run
from pulumi_gpu.emulator.state import GONE, CloudError, Timeline


class Pods(CeliumTables):
    """``POST /executors/{id}/rent`` and ``/pods``: the caller's pods."""

    def rent(self, owner: str, executor_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._purge()
            executor = self.executors.get(executor_id)
            if executor is None:
                raise CloudError(404, "404: Executor not found")
            # guess; refuse_rents: rented by someone else since the listing
            if executor.rented_by is not None or self._capacity_refusal():
                raise CloudError(400, "Executor is already rented")
            if self.balances.get(owner, 0.0) <= 0:
                raise CloudError(403, "Insufficient balance")
            template = self._readable_template(body["template_id"], owner)
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
            pod_id = self._new_id()
            ports["22"] = self._ssh_listen("pods", pod_id, ports["22"])
            self._ssh_created("pods", pod_id)
            pod = Pod(
                id=pod_id,
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
                run=Run.of(now + self.timings.boot, _startup(template.fields)),
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
            self._remove(pod, self.clock.now())
            return self._pod_json(pod)

    def schedule_removal(self, owner: str, pod_id: str, at: float | None) -> dict[str, Any]:
        """``POST`` (``at``) or ``DELETE`` (None) ``/pods/{id}/schedule-removal``: the pod
        is removed as by a DELETE when the clock reaches ``at``; a time already past
        removes it now (guess). Answers the pod (guess: the answer is undocumented)."""
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            pod.removal_at = at
            if at is not None and at <= now:
                self._remove(pod, now)
            return self._pod_json(pod)

    def pod_logs(self, owner: str, pod_id: str, tail: int | None) -> str:
        """What the startup commands printed so far, one line each; the last ``tail``
        lines (None: all, guess). ``follow`` changes nothing: the answer ends (guess)."""
        with self.lock:
            pod = self._pod(pod_id, owner)
            lines = [line for _, line in pod.run.seen(pod.timeline, RUNNING, self.clock.now())]
        if tail is not None:
            lines = lines[len(lines) - tail :] if tail else []
        return "".join(f"{line}\n" for line in lines)

    def _ssh_due_pods(self, pod_id: str) -> float | None:
        """Its banner comes ``timings.ssh_banner`` after it is RUNNING; a gone pod's SSH
        port closes (a deleting one's is silent)."""
        pod, now = self.pods.get(pod_id), self.clock.now()
        status = GONE if pod is None else pod.timeline.status(now)
        if pod is None or status == GONE:
            return None
        if status != RUNNING or (pod.removal_at is not None and pod.removal_at <= now):
            return math.inf
        return pod.timeline.since(now) + self.timings.ssh_banner

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
            "cpu_name": CPU_MODEL,
            "ram_total": ram_kib(executor),
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
                "specs": specs(executor, busy=running),
            },
            "volume_id": pod.volume_id,
            "price": price,
            "removal_scheduled_at": (
                None if pod.removal_at is None else self.clock.iso(pod.removal_at, naive=True)
            ),
            "jupyter_installation_status": None,
            "jupyter_url": None,
        }


def _startup(template: dict[str, Any]) -> Script:
    """What the template's ``startup_commands`` do (the pod stays RUNNING after them, guess:
    the container keeps running its SSH daemon)."""
    return simulate(template.get("startup_commands") or "", template.get("environment") or {})
