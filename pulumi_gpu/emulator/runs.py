"""Runs of a container's command in simulated time: when one started, what it printed so
far, when it ends. What a command does is :func:`~pulumi_gpu.emulator.commands.simulate`'s
:class:`~pulumi_gpu.emulator.commands.Script`."""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_gpu.emulator.commands import Script
from pulumi_gpu.emulator.state import Timeline


@dataclass
class Run:
    """One run of an object's command, from ``started`` (simulated epoch seconds)."""

    started: float
    script: Script
    ends: float | None
    """When the command ends by itself (None: never)."""

    @classmethod
    def of(cls, started: float, script: Script) -> Run:
        ends = None if script.runtime is None else started + script.runtime
        return cls(started, script, ends)

    def redeclare(self, script: Script, now: float) -> None:
        """The run control: this run does ``script`` instead, as if from its start; an end
        already past comes now."""
        self.script = script
        self.ends = None if script.runtime is None else max(self.started + script.runtime, now)

    def output(self, until: float) -> list[tuple[float, str]]:
        """(simulated time, line) of what it printed up to ``until`` (and its end)."""
        limit = until if self.ends is None else min(until, self.ends)
        return [
            (self.started + offset, line)
            for offset, line in self.script.lines
            if self.started + offset <= limit
        ]

    def going(self, timeline: Timeline, status: str, now: float) -> bool:
        """Whether it goes on now or is declared to start later: ``timeline`` has the object
        enter ``status`` (its running status) at this run's start and not leave it yet."""
        stretch = timeline.stretch(self.started, status)
        return stretch is not None and (stretch[1] is None or stretch[1] > now)

    def seen(self, timeline: Timeline, status: str, now: float) -> list[tuple[float, str]]:
        """What it printed up to ``now``, or until the object left ``status`` (a stop);
        nothing if ``timeline`` no longer has it start (called off before it started)."""
        stretch = timeline.stretch(self.started, status)
        if stretch is None:
            return []
        return self.output(now if stretch[1] is None else min(now, stretch[1]))
