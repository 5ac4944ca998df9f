"""Celium's state and rules: executors for rent, templates that must verify, pods, volumes.

Follows ``shared/reference/apis/celium.md``. Where the contract is silent, the
choices are marked "guess" and kept plausible: a rent of an unverified template or a
rented executor answers 400, deleting a template or volume still used by a pod
answers 400, and Celium's own public templates (one per default image, no ``user_id``)
are there from the start, with made-up names.

One module per resource, each a part of :class:`CeliumBackend`: ``executors.py``,
``templates.py``, ``pods.py``, ``volumes.py``, ``ssh_keys.py``, over the tables of
``tables.py`` and the rows of ``model.py``; this module adds the account and the
out-of-band controls. The HTTP shape is in ``routes.py``.
"""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.celium.executors import Executors
from pulumi_gpu.emulator.celium.model import (
    ACCOUNTS,
    CELIUM,
    FAILED,
    RUNNING,
    SECOND_ACCOUNT_KEY,
    STOPPED,
    VERIFY_FAILED,
    user_id,
)
from pulumi_gpu.emulator.celium.pods import Pods
from pulumi_gpu.emulator.celium.ssh_keys import SshKeys
from pulumi_gpu.emulator.celium.templates import Templates
from pulumi_gpu.emulator.celium.volumes import Volumes
from pulumi_gpu.emulator.commands import Script

__all__ = ["CeliumBackend"]


class CeliumBackend(Pods, Templates, Volumes, SshKeys, Executors):
    """The emulated Celium (Lium) compute API, served under ``/celium``.

    Out-of-band controls, per kind: templates vanish or fail verification
    (VERIFY_FAILED, the reason in ``verification_logs``; ``fail_next``: the next
    template created fails at the end of its verification); pods vanish (the executor
    is listed again), fail (FAILED, the reason in ``executor_status.logs``), stop
    (STOPPED; guess: the executor stays rented), run (declares how the startup commands
    of a pod running or about to run go: their lines; the pod stays RUNNING), ``fail_next``
    (FAILED when it would have become RUNNING); volumes only vanish.
    """

    default_failure = "container exited with code 1"

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        return {"pulumi-gpu:celiumEndpoint": base_url}, _secrets("celium-emulator-key")

    def other_account(self) -> dict[str, str]:
        return _secrets(SECOND_ACCOUNT_KEY)

    def kinds(self) -> tuple[str, ...]:
        return ("templates", "pods", "volumes", "ssh_keys")

    def leftovers(self) -> dict[str, list[str]]:
        with self.lock:
            self._purge()
            return {
                "templates": sorted(i for i, t in self.templates.items() if t.owner != CELIUM),
                "pods": sorted(self.pods),
                "volumes": sorted(self.volumes),
                "ssh_keys": sorted(self.ssh_keys),
            }

    def me(self, owner: str) -> dict[str, Any]:
        """``GET /users/me``: the account behind the key (guess: only ``id`` and ``balance``
        are documented; ``username`` is what the signup answer names)."""
        with self.lock:
            return {
                "id": user_id(owner),
                "username": ACCOUNTS[owner].username,
                "balance": self.balances[owner],
            }

    def remove_pod(self, pod_id: str) -> None:
        """Delete a pod out of band (as if from the web console)."""
        self.vanish("pods", pod_id)

    # -- out-of-band controls, per kind (see EmulatedCloud) -----------------------------

    def _vanish_templates(self, template_id: str) -> None:
        del self.templates[self._template(template_id, owner=None).id]

    def _vanish_pods(self, pod_id: str) -> None:
        self._forget(self._pod(pod_id, owner=None))

    def _vanish_volumes(self, volume_id: str) -> None:
        del self.volumes[self._volume(volume_id, owner=None).id]

    def _vanish_ssh_keys(self, key_id: str) -> None:
        del self.ssh_keys[self._ssh_key(key_id, owner=None).id]

    def _fail_templates(self, template_id: str, reason: str) -> None:
        template = self._template(template_id, owner=None)
        template.failure, template.passes = reason, False
        template.timeline.go(self.clock.now(), VERIFY_FAILED)

    def _fail_pods(self, pod_id: str, reason: str) -> None:
        pod = self._pod(pod_id, owner=None)
        pod.logs.append(reason)
        pod.timeline.go(self.clock.now(), FAILED)

    def _stop_pods(self, pod_id: str) -> None:
        self._pod(pod_id, owner=None).timeline.go(self.clock.now(), STOPPED)

    def _run_pods(self, pod_id: str, script: Script) -> None:
        pod, now = self._pod(pod_id, owner=None), self.clock.now()
        if not pod.run.going(pod.timeline, RUNNING, now):
            status = pod.timeline.status(now)
            raise ValueError(f"celium pod {pod_id} is {status}: it runs no command now")
        pod.run.redeclare(script, now)


def _secrets(api_key: str) -> dict[str, str]:
    return {"pulumi-gpu:celiumApiKey": api_key}
