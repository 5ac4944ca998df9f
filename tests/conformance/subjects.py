"""What the conformance suite knows of each resource kind: nothing about its lifecycle.

A subject is a fleet entry that declares one object of the kind (with a secret wherever
the kind takes one), where its objects show in the emulator, and which out-of-band
faults the cloud can inflict on it. Every row of the fleet's ``KINDS`` table must have
a subject here: a kind added later is taken through every fault, or this suite fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_gpu.fleet.kinds import KINDS, Kind

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 c"
TOKEN = {"config": "conformanceToken"}
"""Every secret input refers to stack config holding SECRET_TOKEN (scanned for)."""
SECRET_TOKEN = "tok-3f9a1c0e7b52d4a8"
JUPYTER = {"config": "conformanceJupyter"}
SECRET_JUPYTER = "jup-8c41e2b9d07a35f6"
CELIUM_TEMPLATE = "{celium_template}"
"""Placeholder for the verified template made before the stack (Celium pods need one)."""
GPUDEV_USER = "emulator-user"
LONG_RUN = {"command": "echo conformance; sleep 1000000", "max_duration": "24h"}
"""A job's run that outlasts every fault (its time box too, at the emulator's speeds)."""


@dataclass(frozen=True)
class Subject:
    """One kind under test."""

    kind: Kind
    entry: dict[str, Any]
    objects: str
    """The emulator's name for the kind's objects (a key of its cloud's leftovers)."""
    create: tuple[str, str]
    """Method and path (a glob) of the request that creates an object."""
    also_creates: tuple[tuple[str, str], ...] = ()
    """Other creates its create sends (a Celium Job makes its template first)."""
    waits: bool = True
    """Its create waits for a state the object may fail to reach."""
    stops: bool = False
    """The cloud has a stopped state for it."""
    fails: bool = False
    """The cloud has a failure state an existing object can fall into."""
    says_why: bool = True
    """The cloud's API says why an object failed (else only that it did)."""
    owner_prefix: str = ""
    """Prefix of the emulator's id before the state's id (GPU Dev disks: the user)."""
    record: bool = False
    """A job: once its run ended (failed, cancelled), the state keeps it as the record of
    that run, and `up` does not run it again."""
    shares_table: bool = False
    """Another kind's objects show in the same emulator table (pods of Pods and Jobs):
    the subject's are told apart by their name."""
    waits_for_also: tuple[str, ...] = ()
    """Emulator tables of other objects its create makes and waits for (a Celium Job's
    template): a failure planned there for another kind may be taken by it instead."""
    tries: int = 1
    """Objects a create makes when each fails to start (a placed pod tries the next offer,
    up to its ``max_attempts``)."""
    hosted_on: str = ""
    """The cloud its objects are made on, for a kind that is not one cloud's (a placed
    pod); its state ids are then ``<cloud>/<the cloud's id>``."""
    marked_id: bool = False
    """Its state ids end with ``#<owner mark>`` after the emulator's id (RunPod account
    keys, which the cloud knows by fingerprint only)."""

    @property
    def cloud(self) -> str:
        """The emulated cloud its objects show in."""
        return self.hosted_on or self.kind.cloud

    @property
    def name(self) -> str:
        """The entry's name in the fleet file (and so the resource's name)."""
        return f"{self.kind.cloud}-{self.kind.resource.__name__}".lower()

    def emulator_id(self, state_id: str) -> str:
        if self.hosted_on:
            state_id = state_id.removeprefix(f"{self.hosted_on}/")
        if self.marked_id:
            state_id = state_id.split("#", 1)[0]
        return self.owner_prefix + state_id


def _subject(title: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    return title, kwargs


SUBJECTS: dict[str, dict[str, Any]] = dict(
    [
        _subject(
            "any Pod",
            entry={
                "clouds": ["runpod"],
                "gpu": {"model": "RTX 4090", "max_price_per_hour": 1.0},
                "env": {"TOKEN": TOKEN},
                "ssh_public_keys": [SSH_KEY],
                "max_attempts": 2,
            },
            tries=2,
            hosted_on="runpod",
            objects="pods",
            create=("POST", "/v2/pods"),
            stops=True,
            fails=True,
            shares_table=True,
        ),
        _subject(
            "celium SshKey",
            entry={"public_key": SSH_KEY},
            objects="ssh_keys",
            create=("POST", "/ssh-keys"),
            waits=False,
        ),
        _subject(
            "celium Template",
            entry={
                "docker_image": "pytorch/pytorch",
                "docker_image_tag": "2.4.0-cuda12.1-cudnn9-runtime",
                "environment": {"TOKEN": TOKEN},
            },
            objects="templates",
            create=("POST", "/templates"),
            fails=True,
        ),
        _subject(
            "celium Volume",
            entry={"description": "conformance"},
            objects="volumes",
            create=("POST", "/volumes"),
            waits=False,
        ),
        _subject(
            "celium Pod",
            shares_table=True,
            entry={
                "template_id": CELIUM_TEMPLATE,
                "ssh_public_keys": [SSH_KEY],
                "selector": {"gpu_model": "RTX 4090"},
            },
            objects="pods",
            create=("POST", "/executors/*/rent"),
            stops=True,
            fails=True,
        ),
        _subject(
            "celium Job",
            entry={
                "image": "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
                **LONG_RUN,
                "env": {"TOKEN": TOKEN},
                "ssh_public_keys": [SSH_KEY],
                "selector": {"gpu_model": "RTX 4090"},
            },
            objects="pods",
            create=("POST", "/executors/*/rent"),
            also_creates=(("POST", "/templates"),),
            waits_for_also=("templates",),
            fails=True,
            record=True,
            shares_table=True,
        ),
        _subject(
            "gpudev Disk",
            entry={"size_gb": 50},
            objects="disks",
            create=("POST", "/v1/disks"),
            owner_prefix=f"{GPUDEV_USER}/",
        ),
        _subject(
            "gpudev Job",
            entry={"gpu_type": "t4", "env_vars": {"TOKEN": TOKEN}},
            objects="jobs",
            create=("POST", "/v1/jobs/submit"),
            fails=True,
            record=True,
        ),
        _subject(
            "primeintellect SshKey",
            entry={"public_key": SSH_KEY},
            objects="ssh_keys",
            create=("POST", "/api/v1/ssh_keys/"),
            waits=False,
        ),
        _subject(
            "primeintellect Disk",
            entry={"size": 50, "provider": "hyperstack", "data_center_id": "CANADA-1"},
            objects="disks",
            create=("POST", "/api/v1/disks/"),
            fails=True,
            says_why=False,  # a disk's answer has no failure reason
        ),
        _subject(
            "primeintellect Pod",
            entry={
                "gpu_type": "A6000_48GB",
                "env_vars": {"TOKEN": TOKEN},
                "jupyter_password": JUPYTER,
            },
            objects="pods",
            create=("POST", "/api/v1/pods/"),
            stops=True,
            fails=True,
        ),
        _subject(
            "runpod RegistryAuth",
            entry={"username": "conformance-bot", "password": TOKEN},
            objects="registries",
            create=("POST", "/v2/registries"),
            waits=False,
        ),
        _subject(
            "runpod SshKey",
            entry={"public_key": SSH_KEY},
            objects="ssh_keys",
            create=("PUT", "/v2/account/ssh-keys"),  # the account's whole list
            waits=False,
            marked_id=True,
        ),
        _subject(
            "runpod Template",
            entry={"image": "runpod/base:0.6.2", "env": {"TOKEN": TOKEN}},
            objects="templates",
            create=("POST", "/v2/templates"),
            waits=False,
        ),
        _subject(
            "runpod NetworkVolume",
            entry={"size_gb": 10, "data_center_id": "US-KS-2"},
            objects="network_volumes",
            create=("POST", "/v2/network-volumes"),
            waits=False,
        ),
        _subject(
            "runpod Pod",
            entry={
                "gpu_type": "NVIDIA GeForce RTX 4090",
                "image": "runpod/base:0.6.2",
                "env": {"TOKEN": TOKEN},
                "ssh_public_keys": [SSH_KEY],
            },
            objects="pods",
            create=("POST", "/v2/pods"),
            stops=True,
            fails=True,
            shares_table=True,
        ),
        _subject(
            "runpod Job",
            entry={
                "gpu_type": "NVIDIA GeForce RTX 4090",
                "image": "runpod/base:0.6.2",
                **LONG_RUN,
                "env": {"TOKEN": TOKEN},
                "ssh_public_keys": [SSH_KEY],
            },
            objects="pods",
            create=("POST", "/v2/pods"),
            fails=True,
            record=True,
            shares_table=True,
        ),
    ]
)


def subjects() -> list[Subject]:
    """A subject for every kind of the KINDS table (KeyError names one without)."""
    return [Subject(kind=kind, **SUBJECTS[kind.title]) for kind in KINDS]


def undescribed() -> list[str]:
    return [kind.title for kind in KINDS if kind.title not in SUBJECTS]
