"""The RunPod emulator's data: pod statuses and actions, timings, the rows of its tables
(pods, templates, network volumes, registry credentials), and the JSON helpers the
resource modules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.emulator.commands import Script
from pulumi_gpu.emulator.runs import Run
from pulumi_gpu.emulator.state import CloudError, Timeline

# Pod statuses
PROVISIONING, STARTING, RUNNING = "PROVISIONING", "STARTING", "RUNNING"
EXITED, ERROR, TERMINATED = "EXITED", "ERROR", "TERMINATED"
HOLDING = frozenset({PROVISIONING, STARTING, RUNNING, ERROR})
"""Statuses in which a pod holds its GPUs (guess for ERROR: the machine stays assigned)."""
ACTIONS: dict[str, tuple[str, ...]] = {
    RUNNING: ("stop", "restart", "terminate"),
    EXITED: ("start", "terminate"),
    ERROR: ("start", "terminate"),
    PROVISIONING: ("stop", "terminate"),
    STARTING: ("stop", "terminate"),
    TERMINATED: (),
}
"""Valid actions per status, from the ``podAction`` description. (The create example
shows ``["start", "terminate"]`` for a PROVISIONING pod; the description is followed.)"""
CONTAINER_FIELDS = ("image", "args", "disk", "ports", "env", "registry")
TEMPLATE_FIELDS = (
    *("name", "image", "args", "disk", "mounts", "ports", "env", "registry", "serverless"),
    *("public", "category", "startSsh", "startJupyter", "allowedCudaVersions"),
)


@dataclass
class Timings:
    """Simulated seconds each transition takes (tests shorten them)."""

    provision: float = 20.0
    """PROVISIONING -> STARTING (machine allocated)."""
    boot: float = 60.0
    """STARTING -> RUNNING (container healthy)."""
    ports: float = 10.0
    """RUNNING -> public ports mapped (guess: v1 documents empty mappings while initializing)."""
    restart: float = 20.0
    """A restart, or a change of container settings on a running pod."""
    terminate: float = 30.0
    """How long a terminated pod still answers GET with TERMINATED before 404 (guess)."""
    ssh_banner: float = 5.0
    """Public ports mapped -> the SSH port sends its banner (sshd up; guess)."""


@dataclass
class Pod:
    id: str
    owner: str
    name: str
    container: dict[str, Any]
    """image, args, disk, ports, env, registry."""
    mounts: dict[str, Any]
    cloud: str
    data_center_id: str
    gpu: dict[str, Any] | None
    cpu: dict[str, Any] | None
    cuda_version: str | None
    template_id: str | None
    timeline: Timeline
    created_at: float
    ip: str
    ssh_token: str
    public_ports: dict[int, int] = field(default_factory=dict)
    locked: bool = False
    global_networking: bool = False
    logs: list[tuple[float, str]] = field(default_factory=list)
    """(simulated time, line): system lines, e.g. why the container failed."""
    runs: list[Run] = field(default_factory=list)
    """Every run of the container's command, in order (see ``container.py``)."""
    planned: Script | None = None
    """What the next run does instead of the command (the run control)."""


@dataclass
class Template:
    id: str
    owner: str | None
    """None for RunPod's public catalog templates."""
    fields: dict[str, Any]


@dataclass
class NetworkVolume:
    id: str
    owner: str
    name: str
    size: int
    data_center: str
    type: str


@dataclass
class Registry:
    """A container registry credential. ``username`` and ``password`` are write-only: the
    API never answers them; tests read them here."""

    id: str
    owner: str
    name: str
    username: str
    password: str


def check_ports(ports: list[str]) -> None:
    """Ports are ``<number>/http`` or ``<number>/tcp``, each number once."""
    for entry in ports:
        number, _, kind = entry.partition("/")
        if kind not in ("http", "tcp") or not number.isdigit() or not 1 <= int(number) <= 65535:
            raise CloudError(
                400, f"invalid port {entry!r}: expected <port>/http or <port>/tcp"
            )  # guess
    numbers = [entry.partition("/")[0] for entry in ports]
    if len(set(numbers)) != len(numbers):
        raise CloudError(400, f"ports must not repeat a port number: {ports}")


def exposed(ports: list[str], kind: str) -> list[int]:
    """The port numbers of one kind ("tcp" or "http")."""
    return [int(p.partition("/")[0]) for p in ports if p.partition("/")[2] == kind]


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (what an answer gives away must not alias the state)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value
