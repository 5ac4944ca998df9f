"""The four GPU clouds on localhost: faithful APIs, simulated time, injected faults.

::

    emulator = Emulator(speed=60)
    with EmulatorServer(emulator) as server:
        server.url("celium")          # http://127.0.0.1:PORT/celium, for celiumEndpoint
        emulator.faults.add(cloud="celium", method="POST", path="/executors/*/rent",
                            status=500, after_action=True)
        emulator.celium.timings.boot = 5
        emulator.runpod.fail_next("pods", "CUDA error")   # the next pod goes to ERROR
        emulator.celium.vanish("pods", pod_id)            # deleted out of band
        emulator.gpudev.run("jobs", job_id, seconds=5, exit_code=3)  # its command's run
        emulator.runpod.ssh_silent_next(1)    # the next pod's sshd never answers
        ...
        emulator.leftovers()          # what still exists, per cloud

Each pod's (and GPU Dev job's) SSH address is 127.0.0.1 and a real port, which sends
an SSH banner once the pod has been ready for its cloud's ``timings.ssh_banner``
(``ssh_banners.py``); ``Emulator(ssh_banners=False)`` reports made-up addresses instead.

``pulumi-gpu emulator --port N`` serves the same over HTTP; its controls live under
``/_emulator`` (see ``app.py``).
"""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.celium.backend import CeliumBackend
from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.faults import FaultInjector, FaultRule
from pulumi_gpu.emulator.gpudev.backend import GpuDevBackend
from pulumi_gpu.emulator.primeintellect.backend import PrimeIntellectBackend
from pulumi_gpu.emulator.runpod.backend import RunPodBackend
from pulumi_gpu.emulator.server import EmulatorServer
from pulumi_gpu.emulator.ssh_banners import BannerListeners
from pulumi_gpu.emulator.state import RequestLog

__all__ = ["Emulator", "EmulatorServer", "FaultRule"]


class Emulator:
    """All emulated clouds, their shared clock, faults and request log."""

    def __init__(self, *, speed: float = 1.0, seed: int = 0, ssh_banners: bool = True) -> None:
        self.clock = SimClock(speed)
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.banners = BannerListeners() if ssh_banners else None
        """The SSH listeners of every cloud (None: ``ssh_banners=False``)."""
        banners = self.banners
        self.celium = CeliumBackend(self.clock, seed=seed, banners=banners)
        self.gpudev = GpuDevBackend(self.clock, seed=seed, banners=banners)
        self.primeintellect = PrimeIntellectBackend(self.clock, seed=seed, banners=banners)
        self.runpod = RunPodBackend(self.clock, seed=seed, banners=banners)
        self.clouds: dict[str, EmulatedCloud] = {
            c.name: c for c in (self.celium, self.gpudev, self.primeintellect, self.runpod)
        }

    def reset(self) -> None:
        """Forget every object, fault and logged request; restore the seeded inventory.
        Every SSH listener closes."""
        if self.banners is not None:
            self.banners.clear()
        self.faults.clear()
        self.requests.clear()
        for cloud in self.clouds.values():
            cloud.reset()

    def close(self) -> None:
        """Close the SSH listeners and their thread (:meth:`open` listens again)."""
        if self.banners is not None:
            self.banners.close()

    def open(self) -> None:
        """Listen again on the SSH ports :meth:`close` closed (the pods still there)."""
        if self.banners is not None:
            self.banners.reopen()

    def leftovers(self) -> dict[str, dict[str, list[str]]]:
        """What exists now in each cloud (empty lists everywhere after a clean destroy)."""
        return {name: cloud.leftovers() for name, cloud in self.clouds.items()}

    def stack_config(self, server_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """(settings, secret settings) pointing a stack at every cloud of this emulator."""
        config: dict[str, str] = {}
        secrets: dict[str, str] = {}
        for name, cloud in self.clouds.items():
            plain, secret = cloud.stack_config(f"{server_url}/{name}")
            config.update(plain)
            secrets.update(secret)
        return config, secrets

    def other_account(self) -> dict[str, str]:
        """Secret settings of a second account in every cloud (same shape as the secrets
        of :meth:`stack_config`): valid, and seeing none of the first account's objects."""
        secrets: dict[str, str] = {}
        for cloud in self.clouds.values():
            secrets.update(cloud.other_account())
        return secrets

    def refused_credentials(self) -> dict[str, dict[str, Any]]:
        """Credentials a cloud refuses on purpose, by name (e.g. ``gpudev-wrong-role``):
        their ``secrets``, to set instead of the cloud's in :meth:`stack_config`, and the
        ``refusal`` they get."""
        refused: dict[str, dict[str, Any]] = {}
        for cloud in self.clouds.values():
            refused.update(cloud.refused_credentials())
        return refused

    def is_empty(self) -> bool:
        return not any(ids for kinds in self.leftovers().values() for ids in kinds.values())

    def app(self) -> Any:
        from pulumi_gpu.emulator.app import create_app

        return create_app(self)
