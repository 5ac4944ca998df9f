"""What a RunPod pod's container runs, and its log (``GET /v2/pods/{id}/logs``).

The container's command is the pod's ``args`` (its own, else its template's, as merged at
create); without args the image's default command runs, which never ends. It starts
each time the pod becomes RUNNING, from the beginning (guess: a start or restart
recreates the container). When it ends the pod is EXITED by itself: GPUs released,
``cost`` 0.0, ``runtime`` null, as after a stop (guess: the contract's EXITED is
"stopped"). All of it is declared on the pod's timeline when the run is planned, so a
pod whose command ended while nobody looked reads EXITED, its lines stamped with the
simulated moments they were printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from pulumi_gpu.emulator.commands import Script, simulate
from pulumi_gpu.emulator.runpod.model import EXITED, RUNNING, Pod
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.runs import Run
from pulumi_gpu.emulator.state import CloudError

MAX_TAIL = 5000
SSE_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}


@dataclass(frozen=True)
class LogEvent:
    number: int
    """1-based, in the order of the pod's whole log."""
    at: float
    source: str
    line: str


class Container(RunPodTables):
    """A pod's command runs, and the log they make."""

    def _go(self, pod: Pod, now: float, status: str, then: list[tuple[float, str]]) -> None:
        """``pod.timeline.go``, and the command starts where the pod becomes RUNNING."""
        pod.timeline.go(now, status, then)
        self._declared(pod, now, then)

    def _declared(self, pod: Pod, now: float, then: list[tuple[float, str]]) -> None:
        """After ``then`` was declared from ``now``: start the command where it says RUNNING
        (``now + delay`` is the very moment the timeline computed), EXITED when it ends."""
        for delay, status in then:
            if status == RUNNING:
                run = Run.of(now + delay, self._script(pod))
                pod.runs.append(run)
                if run.ends is not None:
                    pod.timeline.replan(run.started, [(run.ends, EXITED)])

    def _script(self, pod: Pod) -> Script:
        planned, pod.planned = pod.planned, None
        if planned is not None:
            return planned
        args = (pod.container.get("args") or "").strip()
        if not args:  # the image's default command: a service, as far as anyone knows
            return Script(None, 0, ())
        return simulate(args, pod.container.get("env") or {})

    def _redeclare(self, pod: Pod, script: Script) -> None:
        """The run control: the run going on (or declared next) does ``script`` instead;
        with none, the pod's next start does."""
        now = self.clock.now()
        run = pod.runs[-1] if pod.runs else None
        if run is None or not run.going(pod.timeline, RUNNING, now):
            pod.planned = script
            return
        run.redeclare(script, now)
        pod.timeline.replan(max(now, run.started), [] if run.ends is None else [(run.ends, EXITED)])

    # -- the log ------------------------------------------------------------------------

    def pod_log(
        self,
        owner: str,
        pod_id: str,
        *,
        source: str | None,
        tail: str | None,
        since: str | None,
        last_event_id: str | None,
    ) -> str:
        """The pod's log so far as Server-Sent Events, then the end of the stream (guess:
        the real stream stays open for new lines; the emulator's answer ends)."""
        if source not in (None, "container", "system"):
            raise CloudError(400, f"source must be container or system, not {source!r}")
        count = _count(tail)
        with self.lock:
            pod = self._pod(pod_id, owner)
            events = [e for e in self._log(pod) if source in (None, e.source)]
        if last_event_id is not None:  # the cursor wins over since and tail, as documented
            events = [e for e in events if _after(e, last_event_id)]
        elif since is not None:
            moment = _moment(since, "since")
            events = [e for e in events if e.at > moment]
        else:
            events = events[len(events) - count :] if count else []
        return "".join(self._event(e) for e in events)

    def _log(self, pod: Pod) -> list[LogEvent]:
        """Container lines of every run, then system lines (failure reasons), in time order."""
        now = self.clock.now()
        lines = [
            (at, "container", line)
            for run in pod.runs
            for at, line in run.seen(pod.timeline, RUNNING, now)
        ]
        lines += [(at, "system", line) for at, line in pod.logs if at <= now]
        lines.sort(key=lambda entry: entry[0])
        return [
            LogEvent(n, _shown(at), source, line) for n, (at, source, line) in enumerate(lines, 1)
        ]

    def _event(self, event: LogEvent) -> str:
        ts = self.clock.iso(event.at)
        data = json.dumps(
            {"ts": ts, "source": event.source, "line": event.line}, separators=(",", ":")
        )
        return f"id: {ts}/{event.number:012d}\ndata: {data}\n\n"


def _count(tail: str | None) -> int:
    if tail is None:
        return 100
    if not tail.isdigit() or int(tail) > MAX_TAIL:  # guess: RunPod's wording is undocumented
        raise CloudError(400, f"tail must be an integer from 0 to {MAX_TAIL}, not {tail!r}")
    return int(tail)


def _after(event: LogEvent, cursor: str) -> bool:
    """Whether ``event`` comes after ``cursor``: an event id (``<ts>/<n>``), a bare event
    number, or a time."""
    number = cursor.rpartition("/")[2]
    if number.isdigit():
        return event.number > int(number)
    return event.at > _moment(cursor, "Last-Event-ID")


def _shown(at: float) -> float:
    """``at`` to the microsecond, as its ``ts`` shows it (so ``since=<ts>`` excludes it)."""
    return datetime.fromtimestamp(at, tz=timezone.utc).timestamp()


def _moment(text: str, name: str) -> float:
    """Epoch seconds of an ISO-8601 time (Z, an offset, or naive: UTC, guess)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CloudError(400, f"{name} must be an RFC 3339 time, not {text!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
