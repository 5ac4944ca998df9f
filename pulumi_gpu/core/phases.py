"""The phase vocabulary every cloud's statuses are mapped to.

Each cloud names its states its own way (Celium ``PENDING``/``RUNNING``, RunPod
``EXITED``, Prime Intellect ``ACTIVE`` + installation ``FINISHED``, GPU Dev ``queued``...).
The lifecycle in the core reasons only in :class:`Phase`; a kind maps its cloud's
statuses with a :class:`StatusMap` and says what it saw as an :class:`Observed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class Phase(str, Enum):
    """Where a cloud object stands, in words shared by every cloud and kind."""

    PENDING = "pending"
    """Being made, booting, queued, verifying: may still become ready."""
    READY = "ready"
    """Usable: a pod runs with SSH, a template is verified, a disk is attached-ready."""
    STOPPED = "stopped"
    """Exists but does not run (GPUs released); only a start or a new object helps."""
    ENDED = "ended"
    """Done by itself: a job's run is over (its record stays in the state)."""
    FAILED = "failed"
    """Will not become ready by itself; it may still exist and bill until deleted."""
    DELETING = "deleting"
    """Being deleted: gone for Pulumi, but not yet for what depends on it (its template)."""
    GONE = "gone"
    """Deleted, expired or ended: nothing left to manage."""


class StatusMap:
    """A cloud's statuses -> phases, case-insensitive.

    A status nobody listed maps to ``unknown`` (PENDING by default): a wait then keeps
    waiting until its deadline instead of mistaking an unfamiliar state for ready, gone
    or failed.
    """

    def __init__(self, table: Mapping[str, Phase], *, unknown: Phase = Phase.PENDING) -> None:
        self._table = {status.upper(): phase for status, phase in table.items()}
        self.unknown = unknown

    def __call__(self, status: str | None) -> Phase:
        return self._table.get((status or "").upper(), self.unknown)

    def statuses(self, phase: Phase) -> frozenset[str]:
        """The listed statuses that map to ``phase``."""
        return frozenset(s for s, p in self._table.items() if p is phase)


@dataclass(frozen=True)
class Observed(Generic[T]):
    """One look at a cloud object: its phase, the cloud's own word for its state (the
    ``cloud_status`` output), why it failed, and a note for progress lines.

    ``obj`` is the object as seen, when the look returned all of it (a batched status
    answer may carry only the status; the lifecycle then reads the object itself).
    """

    phase: Phase
    status: str
    reason: str | None = None
    obj: T | None = None
    note: str | None = None
    """What else a person waiting should know: ``installing 40%``, ``position 3``."""

    @property
    def text(self) -> str:
        """The status with its note, as progress lines show it."""
        return f"{self.status} ({self.note})" if self.note else self.status
