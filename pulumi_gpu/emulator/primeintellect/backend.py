"""Prime Intellect's state and rules: offers with capacity, pods, disks, SSH keys, history.

Follows ``shared/reference/apis/primeintellect.md`` and the OpenAPI document. A pod
goes PROVISIONING -> PENDING -> ACTIVE, then installs its image (``installationStatus``
ACTIVE with ``installationProgress`` rising) until FINISHED, when ``sshConnection``,
``ip`` and ``primePortMapping`` are filled in. A failed installation is ERROR with
``installationFailure``. DELETE makes it DELETING, then TERMINATED (in the history),
then it is gone. Disks go PROVISIONING -> ACTIVE and are attached to pods at create.

Where the contract is silent the choices are marked "guess", with the lenient reading:
the wording of the 400 answers (only "Missing field: max_price not specified" is real),
402 for an empty wallet, a TERMINATED pod or disk still answering GET for a while,
``maxPrice: 0`` as no cap, a create without ``socket`` matching an offer of any socket,
and the pod log as ``{"logs": "<lines>"}`` (the shape of the official SDK's other logs).

One module per resource, each a part of :class:`PrimeIntellectBackend`: ``pods.py``
(with ``pod_view.py``), ``disks.py``, ``ssh_keys.py``, ``availability.py`` (over the
offers of ``catalog.py``), over the tables of ``tables.py`` and the rows of
``model.py``; this module adds the accounts and the out-of-band controls. The API's
enums are in ``enums.py``, the HTTP shape in ``routes.py``.
"""

from __future__ import annotations

from pulumi_gpu.emulator.primeintellect.availability import Availability
from pulumi_gpu.emulator.primeintellect.disks import Disks
from pulumi_gpu.emulator.primeintellect.model import (
    ERROR,
    FAILED,
    SECOND_ACCOUNT_KEY,
    STOPPED,
    TERMINATED,
    Disk,
    Pod,
    PodFailure,
    alive,
)
from pulumi_gpu.emulator.primeintellect.pods import Pods
from pulumi_gpu.emulator.primeintellect.ssh_keys import SshKeys
from pulumi_gpu.emulator.state import GONE

__all__ = ["PodFailure", "PrimeIntellectBackend"]


class PrimeIntellectBackend(Pods, Disks, SshKeys, Availability):
    """The emulated Prime Intellect compute API, served under ``/primeintellect``.

    Out-of-band controls, per kind: pods vanish (TERMINATED at once, no DELETING, then
    kept a while and in the history, as an API delete ends), fail (ERROR, the reason as
    ``installationFailure``), stop (STOPPED; guess: the pod keeps its capacity, as
    ``stoppedPriceHr`` suggests), ``fail_next`` (the installation fails halfway, or
    provisioning fails with ``fail_next_pods``' ``stage``); disks vanish (TERMINATED at
    once), fail (ERROR) and ``fail_next`` (ERROR when it would have become ACTIVE).
    """

    default_failure = "image installation failed: exit status 1"

    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        return {"pulumi-gpu:primeEndpoint": f"{base_url}/api/v1"}, _secrets("prime-emulator-key")

    def other_account(self) -> dict[str, str]:
        return _secrets(SECOND_ACCOUNT_KEY)

    def kinds(self) -> tuple[str, ...]:
        return ("pods", "disks", "ssh_keys")

    def leftovers(self) -> dict[str, list[str]]:
        with self.lock:
            self._purge()
            now = self.clock.now()
            return {
                "pods": sorted(p.id for p in self.pods.values() if alive(p.timeline, now)),
                "disks": sorted(d.id for d in self.disks.values() if alive(d.timeline, now)),
                "ssh_keys": sorted(self.ssh_keys),
            }

    def fail_pod(self, pod_id: str, reason: str) -> None:
        """Make a pod's installation fail now, with ``reason`` as ``installationFailure``."""
        self.fail("pods", pod_id, reason)

    def remove_pod(self, pod_id: str) -> None:
        """Terminate a pod out of band (as if from the web console): TERMINATED at once."""
        self.vanish("pods", pod_id)

    # -- out-of-band controls, per kind (see EmulatedCloud) -----------------------------

    def _vanish_pods(self, pod_id: str) -> None:
        self._terminate_now(self._pod(pod_id, owner=None))

    def _vanish_disks(self, disk_id: str) -> None:
        self._terminate_now(self._disk(disk_id, owner=None))

    def _vanish_ssh_keys(self, key_id: str) -> None:
        del self.ssh_keys[self._ssh_key(key_id, owner=None).id]

    def _terminate_now(self, thing: Pod | Disk) -> None:
        now = self.clock.now()
        thing.terminated_at = now
        thing.timeline.go(now, TERMINATED, [(self.timings.linger, GONE)])

    def _fail_pods(self, pod_id: str, reason: str) -> None:
        pod = self._pod(pod_id, owner=None)
        now = self.clock.now()
        pod.failure = PodFailure(reason)
        pod.failed_at_progress = self._progress(pod, now) or 0
        pod.timeline.go(now, FAILED)

    def _fail_disks(self, disk_id: str, reason: str) -> None:
        disk = self._disk(disk_id, owner=None)
        disk.failure = reason
        disk.timeline.go(self.clock.now(), ERROR)

    def _stop_pods(self, pod_id: str) -> None:
        pod = self._pod(pod_id, owner=None)
        now = self.clock.now()
        if pod.timeline.status(now) != STOPPED:
            pod.timeline.go(now, STOPPED)

    def _planned_failure(self, kind: str, reason: str) -> object:
        return PodFailure(reason) if kind == "pods" else reason


def _secrets(api_key: str) -> dict[str, str]:
    return {"pulumi-gpu:primeApiKey": api_key}
