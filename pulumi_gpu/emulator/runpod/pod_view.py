"""How RunPod shows a pod (``Pod`` in the v2 spec): status and valid actions, SSH by proxy
once a machine is assigned and direct once ports are mapped, runtime, cost."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.inventory import CPU_FLAVORS, GPUS
from pulumi_gpu.emulator.runpod.model import (
    ACTIONS,
    EXITED,
    PROVISIONING,
    RUNNING,
    TERMINATED,
    Pod,
    copy_json,
    exposed,
)
from pulumi_gpu.emulator.runpod.tables import RunPodTables


class PodView(RunPodTables):
    """A pod's JSON."""

    def _pod_json(self, pod: Pod, *, seen: bool = False) -> dict[str, Any]:
        now = self.clock.now()
        status = pod.timeline.status(now)
        running = status == RUNNING
        mapped = running and now - pod.timeline.since(now) >= self.timings.ports
        tcp, http = (
            exposed(pod.container["ports"], "tcp"),
            exposed(pod.container["ports"], "http"),
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
            **{k: copy_json(v) for k, v in pod.container.items()},
            "mounts": copy_json(pod.mounts),
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


def _global_networking(pod: Pod) -> dict[str, Any]:
    if not pod.global_networking:
        return {"enabled": False}
    return {
        "enabled": True,
        "ip": f"10.65.{len(pod.id)}.42",
        "internalDns": f"{pod.id}.runpod.internal",
    }
