"""How Prime Intellect shows a pod (``APIPodConfig``): status and installation status by
phase, SSH and ports once installed, attached disks; its log and the pod history."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.primeintellect.model import (
    DELETING,
    FAILED,
    INSTALLING,
    PENDING,
    POD_VIEW,
    PROVISIONING,
    READY,
    STOPPED,
    TERMINATED,
    Pod,
    page,
    user_id,
    wallet_id,
)
from pulumi_gpu.emulator.primeintellect.tables import PrimeIntellectTables


class PodView(PrimeIntellectTables):
    """A pod's JSON, log and history."""

    def pod_logs(self, owner: str, pod_id: str, tail: int | None) -> dict[str, str]:
        """``/pods/{id}/log``: the pod's last ``tail`` log lines (default 100), newest last,
        as ``{"logs": "<lines joined by newlines>"}``.

        guess: the spec leaves the answer's schema open and the official CLI has no pod
        log command; it reads every other log route of the API as an object whose
        ``logs`` is one string (``prime_sandboxes`` ``SandboxLogsResponse``, ``prime_cli``
        ``api/rl.py`` ``get_logs``; PrimeIntellect-ai/prime @ 66fb4b7), a reading that
        rejects a bare list."""
        return {"logs": "\n".join(self._log_lines(owner, pod_id, tail))}

    def _log_lines(self, owner: str, pod_id: str, tail: int | None) -> list[str]:
        with self.lock:
            pod = self._pod(pod_id, owner)
            now = self.clock.now()
            offer = pod.offer
            lines: list[tuple[float, str]] = [
                (
                    pod.created_at,
                    f"Provisioning {offer.gpu_count}x {offer.gpu_type} ({offer.socket}) "
                    f"on {offer.provider} {offer.center.id}",
                )
            ]
            for at, phase in pod.timeline.history(now):
                if phase == PENDING:
                    lines.append((at, "Machine allocated, booting"))
                elif phase == INSTALLING:
                    lines.append((at, f"Installing image {pod.image}"))
                elif phase == READY:
                    lines.append((at, "Installation finished; SSH is available"))
                elif phase == FAILED and pod.failure is not None:
                    lines.append((at, f"Installation failed: {pod.failure.reason}"))
                elif phase == DELETING:
                    lines.append((at, "Deleting pod"))
                elif phase == TERMINATED:
                    lines.append((at, "Pod terminated"))
                elif phase == STOPPED:
                    lines.append((at, "Pod stopped"))
            text = [f"{self.clock.iso(at)} {line}" for at, line in lines]
            count = 100 if tail is None else max(0, tail)
            return text[-count:] if count else []

    def pod_history(
        self, owner: str, sort_by: str, sort_order: str, offset: int, limit: int
    ) -> dict[str, Any]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            entries = [e for e in self.history if e.json["userId"] == user_id(owner)]
            entries += [
                self._history_entry(p)
                for p in self.pods.values()
                if p.owner == owner and p.timeline.status(now) == TERMINATED
            ]
            key = "terminated_at" if sort_by == "terminatedAt" else "created_at"
            entries.sort(key=lambda e: getattr(e, key), reverse=sort_order == "desc")
            shown = [e.json for e in entries[offset : offset + limit]]
            return page(shown, len(entries), offset, limit)

    def _pod_json(self, pod: Pod) -> dict[str, Any]:
        now = self.clock.now()
        phase = pod.timeline.status(now)
        status, installation = self._status(pod, now)
        ready = phase == READY
        reachable = phase in (INSTALLING, READY)
        ssh = next(p for p in pod.ports if p["usedBy"] == "SSH")
        attached = "MOUNTED" if ready else "ATTACHED"
        return {
            "id": pod.id,
            "userId": user_id(pod.owner),
            "teamId": None,
            "walletId": wallet_id(pod.owner),
            "name": pod.name,
            "type": "HOSTED",
            "providerType": pod.offer.provider,
            "status": status,
            "installationStatus": installation,
            "installationFailure": (
                pod.failure.reason if phase == FAILED and pod.failure is not None else None
            ),
            "installationProgress": self._progress(pod, now),
            "createdAt": self.clock.iso(pod.created_at),
            "updatedAt": self.clock.iso(max(pod.created_at, pod.timeline.since(now))),
            "terminatedAt": (
                self.clock.iso(pod.terminated_at)
                if phase == TERMINATED and pod.terminated_at
                else None
            ),
            "gpuName": pod.offer.gpu_type,
            "gpuCount": pod.offer.gpu_count,
            "socket": pod.offer.socket,
            "priceHr": pod.price,
            "stoppedPriceHr": None,
            "provisioningPriceHr": 0.0,
            "environmentType": pod.image,
            "customTemplateId": pod.custom_template_id,
            "clusterId": None,
            "primePortMapping": [dict(p) for p in pod.ports] if ready else [],
            "sshConnection": f"root@{pod.ip} -p {ssh['external']}" if ready else None,
            "ip": pod.ip if reachable else None,
            "resources": {
                "memory": pod.memory,
                "disk": pod.disk_size,
                "shared_disk": sum(self.disks[d].size for d in pod.disks if d in self.disks),
                "vcpus": pod.vcpus,
            },
            "attachedResources": [
                {
                    "resourceType": "DISK",
                    "id": disk_id,
                    "status": attached,
                    "isDetachable": True,
                    "mountPath": "/workspace" if index == 0 else f"/workspace-{index + 1}",
                    "resourcePath": None,
                    "size": self.disks[disk_id].size if disk_id in self.disks else None,
                    "isShared": True,
                }
                for index, disk_id in enumerate(pod.disks)
            ],
            "isSpot": pod.offer.spot,
            "autoRestart": pod.auto_restart,
            # read by the official CLI's Pod model, not in the spec's schema (guess)
            "jupyterPassword": pod.jupyter_password,
        }

    def _status(self, pod: Pod, now: float) -> tuple[str, str]:
        """(status, installationStatus) of the pod now."""
        phase = pod.timeline.status(now)
        if phase == STOPPED:
            before = [p for _, p in pod.timeline.history(now) if p != STOPPED]
            return STOPPED, POD_VIEW[before[-1]][1]
        return POD_VIEW.get(phase, ("UNKNOWN", "PENDING"))

    def _progress(self, pod: Pod, now: float) -> int | None:
        phase = pod.timeline.status(now)
        if phase in (PROVISIONING, PENDING):
            return 0
        if phase == INSTALLING:
            elapsed = now - pod.timeline.since(now)
            return min(99, int(100 * elapsed / max(self.timings.install, 1e-9)))
        if phase == READY:
            return 100
        if phase == FAILED:
            return pod.failed_at_progress
        return None

    def _note_ready(self, pods: list[dict[str, Any]]) -> None:
        for pod in pods:
            if pod.get("installationStatus") == "FINISHED" and pod.get("sshConnection"):
                self.waits.seen_ready(pod["id"])
