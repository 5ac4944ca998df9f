"""RunPod's state and rules: pods on GPU capacity, templates, network volumes, the catalog.

Follows ``shared/reference/apis/runpod.md`` and the REST v2 OpenAPI document
(``tests/specs/runpod-rest-v2.openapi.json``). Where they are silent, choices are
marked "guess" and kept plausible. Where the spec contradicts itself, the
descriptions win over the examples, except for a pod's ``template`` link (see
:meth:`Pods.create_pod`).

One module per resource, each a part of :class:`RunPodBackend`: ``pods.py`` (with
``placement.py`` and ``pod_view.py``), ``templates.py``, ``volumes.py``,
``registries.py``, ``catalog.py`` (GPU types) and ``places.py`` (data centers, CPU
flavors), over the tables of ``tables.py`` and the rows of ``model.py``; this module adds
the account and the out-of-band controls. What RunPod sells is in ``inventory.py``, who
may call it and how often in ``access.py``; the HTTP shape (problem+json in
``problems.py``, headers, status codes) is in ``routes.py`` (the catalog's in
``catalog_routes.py``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from pulumi_gpu.emulator.commands import Script
from pulumi_gpu.emulator.runpod.catalog import Catalog
from pulumi_gpu.emulator.runpod.model import ERROR, EXITED
from pulumi_gpu.emulator.runpod.places import Places
from pulumi_gpu.emulator.runpod.pods import Pods
from pulumi_gpu.emulator.runpod.registries import Registries
from pulumi_gpu.emulator.runpod.templates import Templates
from pulumi_gpu.emulator.runpod.volumes import Volumes
from pulumi_gpu.emulator.state import CloudError

__all__ = ["RunPodBackend"]


class RunPodBackend(Pods, Templates, Volumes, Registries, Catalog, Places):
    """The emulated RunPod REST v2 API, served under ``/runpod`` (then ``/v2/...``).

    Out-of-band controls, per kind: pods vanish (gone at once, GPUs freed), fail
    (ERROR, the state of a container that cannot run; it keeps its machine, guess),
    stop (EXITED, as when RunPod stops a pod at a $0 balance), run (declares how its
    command's run goes: EXITED when it ends), ``fail_next`` (ERROR when it would have
    become RUNNING); templates and network volumes only vanish.
    """

    default_failure = "container exited with code 1"

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        return {"pulumi-gpu:runpodEndpoint": f"{base_url}/v2"}, _secrets("runpod-emulator-key")

    def other_account(self) -> dict[str, str]:
        """The key of account ``user_2`` (see ``access.API_KEYS``)."""
        return _secrets("runpod-second-account-key")

    def kinds(self) -> tuple[str, ...]:
        return ("pods", "templates", "network_volumes", "ssh_keys", "registries")

    def leftovers(self) -> dict[str, list[str]]:
        with self.lock:
            self._purge()
            return {
                "pods": sorted(p.id for p in self._live_pods()),
                "templates": sorted(t.id for t in self.templates.values() if t.owner is not None),
                "network_volumes": sorted(self.volumes),
                "ssh_keys": sorted(fingerprint(k) for keys in self.ssh_keys.values() for k in keys),
                "registries": sorted(self.registries),
            }

    # -- account ----------------------------------------------------------------------

    def get_ssh_keys(self, owner: str) -> dict[str, Any]:
        with self.lock:
            return {"keys": list(self.ssh_keys.get(owner, []))}

    def put_ssh_keys(self, owner: str, keys: list[str]) -> dict[str, Any]:
        with self.lock:
            self.ssh_keys[owner] = list(keys)
            return {"keys": list(keys)}

    # -- out-of-band controls, per kind (see EmulatedCloud) -----------------------------

    def stop_pod(self, pod_id: str) -> None:
        """Stop a pod out of band (from the console, or RunPod stopping it at $0 balance)."""
        self.stop("pods", pod_id)

    def remove_pod(self, pod_id: str) -> None:
        """Terminate a pod out of band: it is gone at once."""
        self.vanish("pods", pod_id)

    def _vanish_pods(self, pod_id: str) -> None:
        del self.pods[self._pod(pod_id, owner=None).id]

    def _vanish_templates(self, template_id: str) -> None:
        del self.templates[self._own_template(template_id, owner=None).id]

    def _vanish_network_volumes(self, volume_id: str) -> None:
        del self.volumes[self._volume(volume_id, owner=None).id]

    def _vanish_registries(self, registry_id: str) -> None:
        del self.registries[self._registry(registry_id, owner=None).id]

    def make_private(self, repository: str, username: str, password: str) -> None:
        """Pulls of ``repository`` (e.g. ``ghcr.io/acme/app``) now need credentials with
        this username and password: a pod without them goes to ERROR, saying why."""
        with self.lock:
            self.private_images[repository] = (username, password)

    def _vanish_ssh_keys(self, key_fingerprint: str) -> None:
        """An account key, named by its fingerprint (keys have no id in the API)."""
        owners = [o for o, ks in self.ssh_keys.items() if key_fingerprint in map(fingerprint, ks)]
        if not owners:
            raise CloudError(404, f"ssh key {key_fingerprint} not found")
        for owner in owners:
            keys = self.ssh_keys[owner]
            self.ssh_keys[owner] = [k for k in keys if fingerprint(k) != key_fingerprint]

    def _fail_pods(self, pod_id: str, reason: str) -> None:
        pod = self._pod(pod_id, owner=None)
        now = self.clock.now()
        pod.logs.append((now, reason))
        pod.timeline.go(now, ERROR)

    def _stop_pods(self, pod_id: str) -> None:
        self._pod(pod_id, owner=None).timeline.go(self.clock.now(), EXITED)

    def _run_pods(self, pod_id: str, script: Script) -> None:
        self._redeclare(self._pod(pod_id, owner=None), script)


def _secrets(api_key: str) -> dict[str, str]:
    return {"pulumi-gpu:runpodApiKey": api_key}


def fingerprint(public_key: str) -> str:
    """``SHA256:...`` of an OpenSSH public key, as ``ssh-keygen -lf`` prints it (how the
    emulator names account keys in its leftovers and controls)."""
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True) if len(parts) > 1 else b""
    except (binascii.Error, ValueError):
        blob = public_key.encode()
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
