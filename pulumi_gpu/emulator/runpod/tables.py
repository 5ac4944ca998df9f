"""The emulated RunPod's tables, error shape, and the lookups every resource module shares."""

from __future__ import annotations

import random
import string
from typing import Any

from fastapi.responses import Response

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.runpod.access import RateLimiter
from pulumi_gpu.emulator.runpod.model import (
    HOLDING,
    TERMINATED,
    NetworkVolume,
    Pod,
    Registry,
    Template,
    Timings,
)
from pulumi_gpu.emulator.runpod.problems import problem_response, validation_messages
from pulumi_gpu.emulator.ssh_banners import BannerListeners
from pulumi_gpu.emulator.state import GONE, CloudError, owned


class RunPodTables(EmulatedCloud):
    """State of the emulated RunPod. Objects belong to an account (``Account.owner``); a
    lookup with an ``owner`` answers 404 for another account's object, as for a missing
    one (``owner=None``: the emulator's own controls, which see every account's)."""

    name = "runpod"
    timings: Timings
    pods: dict[str, Pod]
    templates: dict[str, Template]
    """The accounts' templates and RunPod's public ones (``owner`` None)."""
    volumes: dict[str, NetworkVolume]
    registries: dict[str, Registry]
    private_images: dict[str, tuple[str, str]]
    """Image repository -> the (username, password) a pull of it needs."""
    ssh_keys: dict[str, list[str]]
    capacity: dict[tuple[str, str, str], int]
    """(GPU type, data center, cloud) -> GPUs there, those of running pods included."""
    cuda: dict[tuple[str, str], str | None]
    """(GPU type, data center) -> the CUDA version of its machines (None: AMD)."""
    fail_next_pods: list[str]
    """Reasons (pod logs) of the next created pods, which go to ERROR instead of RUNNING."""

    def __init__(
        self, clock: SimClock, *, seed: int = 0, banners: BannerListeners | None = None
    ) -> None:
        self.rate = RateLimiter()
        super().__init__(clock, seed=seed, banners=banners)

    def _clear(self) -> None:
        self.rate.reset()
        self.timings = Timings()
        self.pods = {}
        self.templates = {}
        self.volumes = {}
        self.registries = {}
        self.private_images = {}
        self.ssh_keys = {}
        self.capacity = {}
        self.cuda = {}
        self.fail_next_pods = []
        self._ids = random.Random(f"runpod-ids-{self.seed}")

    def render_error(self, error: CloudError) -> Response:
        return problem_response(error)

    def render_validation_error(self, errors: list[dict[str, Any]]) -> Response:
        failed = CloudError(422, "Request validation failed.", errors=validation_messages(errors))
        return self.render_error(failed)

    def _pod(self, pod_id: str, owner: str | None) -> Pod:
        self._purge()
        return owned(self.pods, pod_id, owner, "The requested Pod does not exist.")

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

    def _readable_template(self, template_id: str, owner: str) -> Template:
        """The account's own template or a public one."""
        template = self.templates.get(template_id)
        if template is None or template.owner not in (owner, None):
            raise CloudError(404, f"template {template_id} not found")
        return template

    def _own_template(self, template_id: str, owner: str | None) -> Template:
        """An account's template (``owner=None``: any account's, never a public one)."""
        template = self.templates.get(template_id)
        if template is None or template.owner is None or owner not in (None, template.owner):
            raise CloudError(404, f"template {template_id} not found")
        return template

    def _volume(self, volume_id: str, owner: str | None) -> NetworkVolume:
        return owned(self.volumes, volume_id, owner, "resource not found")

    def _registry(self, registry_id: str, owner: str | None) -> Registry:
        return owned(self.registries, registry_id, owner, "resource not found")

    def _check_registry(self, owner: str, registry_id: str | None) -> None:
        """A pod or template may name only a registry credential of its own account
        (another account's answers as a missing one does)."""
        if registry_id is None:
            return
        found = self.registries.get(registry_id)
        if found is None or found.owner != owner:  # guess: the spec names no status; 400
            raise CloudError(400, f"registry credential {registry_id} not found")

    def _pull_refusal(self, image: str | None, registry_id: str | None) -> str | None:
        """Why pulling ``image`` with those credentials fails (None: it is pulled); only
        repositories made private by the control need credentials."""
        repository = _repository(image or "")
        wanted = self.private_images.get(repository)
        if wanted is None:
            return None
        given = self.registries.get(registry_id) if registry_id else None
        if given is not None and (given.username, given.password) == wanted:
            return None
        # guess: Docker's own wording, as RunPod's system log shows it
        return (
            f"error pulling image: pull access denied for {repository}, repository does not "
            "exist or may require 'docker login': denied: requested access to the resource "
            "is denied"
        )

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


def _repository(image: str) -> str:
    """``ghcr.io/acme/app:1.2`` -> ``ghcr.io/acme/app`` (a port's colon stays)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]
