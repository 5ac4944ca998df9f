"""``pulumi-gpu sweep``: the objects that bear a pulumi-gpu mark and that no stack holds.

Everything pulumi-gpu creates bears its owner's mark (``core.identity``): in the name
it gives, and where a cloud has room for it, in a field of its own. The sweep reads,
with the ``pulumi`` CLI on the backend it is logged in to, every stack: the ids and
names their resources hold, and their identities. It then lists each cloud's objects
(with the credentials configured, as a program would find them) and reports those that
bear a mark but that none of these stacks holds: objects of a stack whose state was
deleted, of a create the engine lost (``pulumi refresh --clear-pending-creates``), of a
stack on another backend. Each comes with the stack its mark names (when it is one of
those read), its age and what it costs per hour. A filter (a stack, a mark) only
narrows that list: what a stack holds is never in it. Nothing is deleted unless asked
(``--delete``), and then only after a confirmation; an object without a mark is never
listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.errors import ConfigurationError, GpuCloudError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.jobs import epoch
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.stack_identity import IDENTITY_TYPE
from pulumi_gpu.plugin.settings import STACK_ID
from pulumi_gpu.pulumi_cli import pulumi_json

_MARKET_MODULES = ("market", "index")
"""The modules of a placed pod: its dynamic type's, and the provider plugin's."""
_PLUGIN_TYPES = "pulumi-gpu:"
"""The types of the provider plugin's resources (``pulumi-gpu:<cloud>:<Kind>``)."""
_PLUGIN_PROVIDER_TYPE = "pulumi:providers:pulumi-gpu"


@dataclass
class Holdings:
    """What the stacks read hold: per cloud, the ids and names of their objects, and
    their identities (stack id -> stack name)."""

    held: set[tuple[str, str]] = field(default_factory=set)
    stacks: dict[str, str] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)
    """The stacks read."""

    def add_stack(self, name: str, exported: Mapping[str, Any]) -> None:
        """Count what one stack's state (``pulumi stack export``) holds. A create that a
        killed run left pending counts as held: the next ``up`` adopts its object."""
        self.read.append(name)
        deployment = exported.get("deployment") or {}
        pending = [op.get("resource") or {} for op in deployment.get("pending_operations") or []]
        for resource in [*(deployment.get("resources") or []), *pending]:
            kind = str(resource.get("type") or "")
            if kind == IDENTITY_TYPE:
                self.stacks[str(resource.get("id"))] = name
            elif kind == _PLUGIN_PROVIDER_TYPE:  # its stack identity (``plugin.settings``)
                stack_id = (resource.get("inputs") or {}).get(STACK_ID)
                if isinstance(stack_id, str):
                    self.stacks[stack_id] = name
            elif kind.startswith("pulumi-python:dynamic/"):
                self._hold(kind.removeprefix("pulumi-python:dynamic/"), resource)
            elif kind.startswith(_PLUGIN_TYPES):  # pulumi-gpu:<cloud>:<Kind>, of the plugin
                self._hold(kind.removeprefix(_PLUGIN_TYPES), resource)

    def _hold(self, kind: str, resource: Mapping[str, Any]) -> None:
        """Hold the object of a resource of type ``<module>:<Kind>``."""
        cloud = kind.split(":", 1)[0]
        object_id = str(resource.get("id") or "")
        values = {**(resource.get("inputs") or {}), **(resource.get("outputs") or {})}
        if cloud in _MARKET_MODULES:  # a placed pod: "<cloud>/<the cloud's id>"
            cloud, _, object_id = object_id.partition("/")
            cloud = cloud or str(values.get("cloud") or "")
        for key in (object_id, values.get("name")):
            if isinstance(key, str) and key:
                self.held.add((cloud, key))

    def holds(self, cloud: str, found: Inventoried) -> bool:
        return (cloud, found.id) in self.held or (cloud, found.name or "") in self.held

    def whose(self, stack_part: str) -> str | None:
        """The stack a mark's stack id (or its first 6 digits) names, if it is one read."""
        for stack_id, name in self.stacks.items():
            if stack_id.startswith(stack_part) or stack_part.startswith(stack_id):
                return name
        return None

    def named(self, wanted: str) -> str:
        """The stack read that ``wanted`` names (in full, or by its last parts)."""
        matches = [n for n in self.read if n == wanted or n.endswith(f"/{wanted}")]
        if len(matches) != 1:
            listed = ", ".join(self.read) or "none"
            how = "names more than one" if matches else "is none"
            raise GpuCloudError(f"--stack {wanted} {how} of the backend's stacks ({listed})")
        return matches[0]


@dataclass(frozen=True)
class Leftover:
    """An object that bears a mark and that no stack read holds."""

    cloud: str
    kind: str
    provider: GpuProvider[Any, Any]
    found: Inventoried
    mark: str
    """The stack id its mark holds (its first 6 digits where only those fit)."""
    stack: str | None
    """The stack of that id, if it is one read (a stack whose create was lost)."""

    @property
    def marked_by(self) -> str:
        return f"{self.stack or 'unknown stack'} ({self.mark[:6]})"

    def of(self, stacks: Iterable[str], marks: Iterable[str]) -> bool:
        """Whether its mark names one of ``stacks`` or begins with one of ``marks``."""
        return self.stack in set(stacks) or any(self.mark.startswith(m) for m in marks)

    def age(self, now: float) -> str:
        born = epoch(self.found.created_at) if self.found.created_at else None
        if born is None:
            return "-"
        hours = max(0.0, now - born) / 3600
        return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.1f}h"


def leftovers(
    kinds: Iterable[tuple[str, str, GpuProvider[Any, Any]]],
    holdings: Holdings,
    *,
    skipped: Callable[[str, str], None],
) -> list[Leftover]:
    """Every object of ``kinds`` ((cloud, kind name, provider)) that bears a mark and that
    ``holdings`` does not hold; ``skipped(cloud, why)`` hears of each cloud not read."""
    found: list[Leftover] = []
    seen: set[tuple[str, str]] = set()
    unreadable: set[str] = set()
    for cloud, kind, provider in kinds:
        if cloud in unreadable:
            continue
        try:
            listed = provider.inventory()
        except ConfigurationError as exc:
            unreadable.add(cloud)
            skipped(cloud, str(exc))
            continue
        for item in listed:
            owner = item.owner()
            if owner is None or (cloud, item.id) in seen or holdings.holds(cloud, item):
                continue
            seen.add((cloud, item.id))
            stack_id = owner[0]
            found.append(Leftover(cloud, kind, provider, item, stack_id, holdings.whose(stack_id)))
    return found


HEADER = ("CLOUD", "KIND", "ID", "NAME", "MARKED BY", "AGE", "$/H")


def rows(found: Sequence[Leftover], now: float) -> list[tuple[str, ...]]:
    """The leftovers as rows under :data:`HEADER`, for a person."""
    return [
        (
            item.cloud,
            item.kind,
            item.found.id,
            item.found.name or "-",
            item.marked_by,
            item.age(now),
            "-" if item.found.cost_per_hour is None else f"{item.found.cost_per_hour:.2f}",
        )
        for item in found
    ]


def delete(found: Iterable[Leftover], report: Callable[[str], None]) -> list[str]:
    """Delete each leftover and wait until it is gone; the failures, as messages. Pods and
    jobs go first, then the templates, disks and keys they may use (``fleet.kinds.KINDS``
    lists those first)."""
    failures = []
    for item in reversed(list(found)):
        what = f"{item.provider.kind} {item.found.name or item.found.id}"
        try:
            lifecycle.delete_and_wait(item.provider, item.found.id, {}, what)
        except GpuCloudError as exc:
            failures.append(f"{what} ({item.found.id}): {exc}")
            continue
        report(f"deleted {what} ({item.found.id})")
    return failures


def swept_kinds(clouds: Sequence[str] | None) -> list[tuple[str, str, GpuProvider[Any, Any]]]:
    """(cloud, kind name, provider) of every kind whose objects the sweep lists."""
    from pulumi_gpu.fleet.kinds import KINDS, PLACED

    return [
        (kind.cloud, kind.resource.__name__, kind.provider())
        for kind in KINDS
        if kind.cloud != PLACED and (not clouds or kind.cloud in clouds)
    ]


# -- the stacks, through the pulumi CLI ----------------------------------------------------


def read_stacks(env: Mapping[str, str] | None = None) -> Holdings:
    """What every stack of the backend holds."""
    holdings = Holdings()
    for listed in pulumi_json(["stack", "ls", "--all", "--json"], env=env):
        name = str(listed["name"])
        holdings.add_stack(name, pulumi_json(["stack", "export", "--stack", name], env=env))
    return holdings
