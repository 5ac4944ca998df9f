"""The emulated Celium's tables and the lookups every resource module shares."""

from __future__ import annotations

import random
import uuid

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.celium.model import (
    ACCOUNTS,
    DELETING,
    Executor,
    Pod,
    SshKey,
    Template,
    Timings,
    Volume,
)
from pulumi_gpu.emulator.state import GONE, owned


class CeliumTables(EmulatedCloud):
    """State of the emulated Celium. Objects belong to the API key that made them; a
    lookup with an ``owner`` answers 404 for another key's object, as for a missing one
    (``owner=None``: the emulator's own controls, which see everything)."""

    name = "celium"
    timings: Timings
    balances: dict[str, float]
    executors: dict[str, Executor]
    templates: dict[str, Template]
    pods: dict[str, Pod]
    volumes: dict[str, Volume]
    ssh_keys: dict[str, SshKey]
    fail_next_pods: list[str]
    """Reasons (executor logs) of the next rented pods, which go FAILED instead of RUNNING."""
    fail_next_templates: list[str]
    """Reasons (verification logs) of the next created templates, which fail verification."""
    failing_images: set[str]
    """Images whose verification fails, whatever their base."""

    def _clear(self) -> None:
        self.timings = Timings()
        self.balances = {key: account.balance for key, account in ACCOUNTS.items()}
        self.executors = {}
        self.templates = {}
        self.pods = {}
        self.volumes = {}
        self.ssh_keys = {}
        self.fail_next_pods = []
        self.fail_next_templates = []
        self.failing_images = set()
        self._ids = random.Random(f"ids-{self.seed}")

    def _template(self, template_id: str, owner: str | None) -> Template:
        self._purge()
        return owned(self.templates, template_id, owner, "404: Template not found")

    def _readable_template(self, template_id: str, owner: str) -> Template:
        """The caller's template, or anyone's public one."""
        self._purge()
        found = self.templates.get(template_id)
        if found is not None and found.public:
            return found
        return self._template(template_id, owner)

    def _pod(self, pod_id: str, owner: str | None) -> Pod:
        self._purge()
        return owned(self.pods, pod_id, owner, "404: Pod not found")

    def _volume(self, volume_id: str, owner: str | None) -> Volume:
        self._purge()  # its size counts the pods using it
        return owned(self.volumes, volume_id, owner, "404: Volume not found")

    def _ssh_key(self, key_id: str, owner: str | None) -> SshKey:
        return owned(self.ssh_keys, key_id, owner, "404: SSH key not found")  # guess: wording

    def _release(self, pod: Pod) -> None:
        """Give the pod's executor back to the listing."""
        executor = self.executors.get(pod.executor_id)
        if executor is not None and executor.rented_by == pod.id:
            executor.rented_by = None

    def _remove(self, pod: Pod, at: float) -> None:
        """What a DELETE does, from ``at`` (now, or a removal that came due since the pod
        last changed): DELETING, then gone (see :meth:`_purge`). Once is enough."""
        if pod.timeline.status(self.clock.now()) not in (DELETING, GONE):
            pod.timeline.go(at, DELETING, [(self.timings.delete, GONE)])

    def _purge(self) -> None:
        """Apply removals that came due (at their moment), then forget pods that are gone."""
        now = self.clock.now()
        for pod in self.pods.values():
            if pod.removal_at is not None and pod.removal_at <= now:
                self._remove(pod, pod.removal_at)
        for pod in [p for p in self.pods.values() if p.timeline.status(now) == GONE]:
            self._forget(pod)

    def _forget(self, pod: Pod) -> None:
        """The pod is gone: its executor is listed again; a one-time template goes with it
        (guess: once no other pod uses it)."""
        del self.pods[pod.id]
        self._release(pod)
        template = self.templates.get(pod.template_id)
        users = [p for p in self.pods.values() if p.template_id == pod.template_id]
        if template is not None and template.fields.get("one_time_template") and not users:
            del self.templates[template.id]

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
