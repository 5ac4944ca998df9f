"""The emulated GPU Dev service's tables (users, keys, the queue, jobs, disks, disk
operations) and the lookups every part of it shares."""

from __future__ import annotations

import hashlib
import random
import uuid

from pulumi_gpu.emulator.base import EmulatedCloud
from pulumi_gpu.emulator.gpudev.model import (
    EMULATOR_AWS,
    GPU_TYPES,
    OTHER_AWS,
    STATIC_API_KEY,
    ApiKey,
    ApiUser,
    Disk,
    DiskOperation,
    Job,
    Message,
    Settings,
    Timings,
)
from pulumi_gpu.emulator.state import CloudError


class GpuDevTables(EmulatedCloud):
    """State of the emulated GPU Dev service. Jobs and disks belong to a username; the
    API answers 403 for another user's job and 404 for another user's disk (disks are
    looked up by owner and name)."""

    name = "gpudev"
    timings: Timings
    settings: Settings
    capacity: dict[str, int]
    """GPU type -> GPUs in the cluster (whole nodes)."""
    users: dict[str, ApiUser]
    keys: dict[str, ApiKey]
    """SHA-256 of a key -> the stored key."""
    messages: list[Message]
    """The service's queues: what the processor has not consumed yet."""
    jobs: dict[str, Job]
    disks: dict[tuple[str, str], Disk]
    """(owner, disk name) -> disk."""
    operations: dict[str, DiskOperation]
    fail_next_jobs: list[str]
    """Reasons of the next jobs to prepare, which fail instead of becoming active."""
    fail_next_disks: list[str]
    """Errors of the next disk creates asked through the API, which fail."""
    stick_next_jobs: int
    """How many of the next jobs to prepare never become ready (the watchdog fails them)."""

    def _clear(self) -> None:
        self.timings = Timings()
        self.settings = Settings()
        self.messages = []
        self.jobs = {}
        self.disks = {}
        self.operations = {}
        self.fail_next_jobs = []
        self.fail_next_disks = []
        self.stick_next_jobs = 0
        self._message_ids = 0
        self._ids = random.Random(f"gpudev-ids-{self.seed}")
        self.capacity = {name: t.total_cluster_gpus for name, t in GPU_TYPES.items()}
        self.users = {
            "emulator-user": ApiUser(1, "emulator-user", EMULATOR_AWS.arn),
            "other-user": ApiUser(2, "other-user", OTHER_AWS.arn),
        }
        self.keys = {}
        now = self.clock.now()
        self._store_key(STATIC_API_KEY, "emulator-user", now, now + 168 * 3600)

    def _store_key(self, key: str, username: str, now: float, expires_at: float) -> ApiKey:
        stored = ApiKey(key_hash(key), key[:8], username, now, expires_at, plaintext=key)
        self.keys[stored.key_hash] = stored
        return stored

    def _user(self, username: str) -> ApiUser:
        user = self.users.get(username)
        if user is None:
            raise CloudError(401, "Invalid API key")
        return user

    def _job_row(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise CloudError(404, f"Job {job_id} not found")
        return job

    def _owned_disk(self, owner: str, name: str) -> Disk:
        disk = self.disks.get((owner, name))
        if disk is None:
            raise CloudError(404, f"Disk '{name}' not found")
        return disk

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))


def key_hash(key: str) -> str:
    """How the service stores a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()
