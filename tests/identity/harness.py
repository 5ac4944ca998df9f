"""What the identity suite counts, and the edits it makes.

Every situation takes the kinds it applies to through the real CLI on the emulator, and
judges by outside evidence: the emulator's objects and request log, the stacks' state
and everything the CLI printed. :data:`TALLY` counts, per (situation, kind), the foreign
objects a stack touched (deleted, or written to by a request naming them), the stale
adoptions (an earlier run's object kept although the inputs changed in a way that
replaces it) and the secrets seen; the suite prints one line at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pulumi_gpu.emulator import Emulator
from tests.conformance.harness import Fleet
from tests.conformance.subjects import Subject

OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK/AJq1ie0+VwkmHzCclUhUNqLj5mRk9i3oPsdKeTLyD b"


@dataclass
class Outcome:
    foreign_touched: int = 0
    stale_adoptions: int = 0
    secrets_seen: int = 0


@dataclass
class Tally:
    runs: dict[tuple[str, str], Outcome] = field(default_factory=dict)

    def outcome(self, situation: str, kind: str) -> Outcome:
        return self.runs.setdefault((situation, kind), Outcome())

    def rows(self) -> list[list[Any]]:
        return [
            [s, k, o.foreign_touched, o.stale_adoptions, o.secrets_seen]
            for (s, k), o in self.runs.items()
        ]

    def add_rows(self, rows: Iterable[list[Any]]) -> None:
        for situation, kind, touched, stale, secrets in rows:
            outcome = self.outcome(situation, kind)
            outcome.foreign_touched += touched
            outcome.stale_adoptions += stale
            outcome.secrets_seen += secrets

    def line(self) -> str:
        kinds = {k for _, k in self.runs}
        situations = {s for s, _ in self.runs}
        total = Outcome(
            sum(o.foreign_touched for o in self.runs.values()),
            sum(o.stale_adoptions for o in self.runs.values()),
            sum(o.secrets_seen for o in self.runs.values()),
        )
        return (
            f"identity: {len(kinds)} kinds x {len(situations)} situations, {len(self.runs)} "
            f"runs, {total.foreign_touched} foreign objects touched, {total.stale_adoptions} "
            f"stale adoptions, {total.secrets_seen} secrets seen"
        )


TALLY = Tally()


# -- evidence ----------------------------------------------------------------------------


def objects(fleet: Fleet) -> dict[str, set[str]]:
    """Subject name -> the ids of its live objects in the emulator."""
    return {s.name: set(fleet.live(s)) for s in fleet.subjects}


def touched(
    emulator: Emulator, before: dict[str, set[str]], after: dict[str, set[str]], since: int
) -> dict[str, list[str]]:
    """Subject name -> the objects of ``before`` that are gone from ``after``, or that a
    request after the ``since``-th one wrote to (named in its path)."""
    writes = [r for r in emulator.requests.find()[since:] if r.method != "GET"]
    found: dict[str, list[str]] = {}
    for name, ids in before.items():
        hit = [i for i in ids if i not in after.get(name, set())]
        hit += [i for i in ids if any(i in r.path for r in writes) and i not in hit]
        if hit:
            found[name] = hit
    return found


def count_touched(
    situation: str, fleet: Fleet, found: dict[str, list[str]], subjects: Iterable[Subject]
) -> None:
    for subject in subjects:
        TALLY.outcome(situation, subject.kind.title).foreign_touched += len(
            found.get(subject.name, [])
        )


def count_secrets(situation: str, fleet: Fleet, extra: Iterable[str] = ()) -> list[str]:
    """Where a secret value shows: the export, the CLI's output, the request log and
    ``extra`` texts; counted against the fleet's first subject."""
    places = {
        "stack export": fleet.stack.export_text(),
        "CLI output": "\n".join(fleet.transcript),
        "request log": "\n".join(f"{r.path}?{r.query}" for r in fleet.emulator.requests.find()),
        **{f"extra {n}": t for n, t in enumerate(extra)},
    }
    seen = [
        f"{v[:6]}... in {where}" for where, t in places.items() for v in fleet.scanned if v in t
    ]
    for subject in fleet.subjects:
        TALLY.outcome(situation, subject.kind.title)
    TALLY.outcome(situation, fleet.subjects[0].kind.title).secrets_seen += len(seen)
    return seen


# -- the edits of a killed run's next `up` ------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """A change to a subject's entry, and whether it replaces the object."""

    changes: dict[str, Any]
    replaces: bool


EDITS: dict[str, Edit] = {
    "any Pod": Edit({"gpu": {"model": "RTX 4090", "max_price_per_hour": 3.0, "count": 2}}, True),
    "celium SshKey": Edit({"public_key": OTHER_KEY}, False),
    "celium Template": Edit({"docker_image_tag": "2.5.1-cuda12.4-cudnn9-runtime"}, True),
    "celium Volume": Edit({"description": "edited"}, False),
    "celium Pod": Edit({"selector": {"gpu_model": "RTX 3090"}}, True),
    "celium Job": Edit({"command": "echo edited; sleep 1000000"}, True),
    # Its only replacing input, size_gb, is not read back (the service records 1024 GB
    # whatever is asked), so no edit of it can be told from the object: none is made.
    "gpudev Disk": Edit({}, False),
    "gpudev Job": Edit({"gpu_type": "l4"}, True),
    "primeintellect SshKey": Edit({"public_key": OTHER_KEY}, True),
    "primeintellect Disk": Edit({"size": 60, "allow_replacement": True}, True),
    # Not env_vars: Prime Intellect's answers do not show a pod's environment.
    "primeintellect Pod": Edit({"image": "cuda_12_4_pytorch_2_5"}, True),
    "runpod RegistryAuth": Edit({"username": "identity-bot"}, True),
    "runpod SshKey": Edit({"public_key": OTHER_KEY}, True),
    "runpod Template": Edit({"image": "runpod/base:0.7.0"}, False),
    "runpod NetworkVolume": Edit({"size_gb": 20}, False),
    "runpod Pod": Edit({"gpu_type": "NVIDIA GeForce RTX 3090"}, True),
    "runpod Job": Edit({"command": "echo edited; sleep 1000000"}, True),
}
"""Per kind, the edit made after a killed run: replacing where the kind has such an input."""
