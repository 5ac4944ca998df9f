"""Jobs: a run that ends by itself, on time, and stays in the state as its record.

A job kind is a :class:`JobProvider`: it declares how its cloud runs a command (a pod
whose container runs it, a reservation that runs it) and reads one :class:`Run` from
what the cloud shows. Everything else is kept here, once, for every cloud:

- the status vocabulary (:class:`RunStatus`) and its phases, so the core lifecycle
  creates once, adopts leftovers and cleans up a failed start as for any kind;
- ``wait``: ``up`` returns once the command runs (``started``) or once it ended well
  (``finished``); a run that fails, expires or is cancelled during ``up`` fails it with
  the reason and the last log lines, and its compute is deleted;
- the time box: :func:`wrap` makes the container end itself at ``max_duration`` and
  print its exit code; each refresh also releases the compute of a run past its end;
- the record: a run that ended stays in the state (refresh shows how it ended, ``up``
  does not run it again); its compute is released, and only a change of an input (or
  ``run_id``) runs it again, as a replacement.
"""

from __future__ import annotations

import re
import shlex
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Any, Literal, TypeVar

from pulumi.dynamic import ReadResult, UpdateResult
from pydantic import BeforeValidator, Field, WithJsonSchema

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.inputs import (
    LOCAL,
    REPLACES,
    SCHEMA_VERSION_KEY,
    ResourceInputs,
    without_provider,
)
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import Change, GpuProvider

ObjT = TypeVar("ObjT")

JobWait = Literal["started", "finished"]
"""What ``pulumi up`` waits for on a job: its command running, or its command done."""


class RunStatus(str, Enum):
    """Where a job's run stands, in the same words on every cloud."""

    QUEUED = "queued"
    STARTING = "starting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    """Ended by its time box (``max_duration``, or the cloud's reservation end)."""
    CANCELLED = "cancelled"
    """Stopped or deleted before it ended by itself (by someone, or by the cloud)."""

    @property
    def ended(self) -> bool:
        return self in _ENDED

    @classmethod
    def recorded(cls, value: Any) -> RunStatus:
        """The status a state holds; one from an older release (a phase such as
        ``ready``) counts as a run not known to have ended."""
        try:
            return cls(value)
        except ValueError:
            return cls.STARTING


_ENDED = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.EXPIRED, RunStatus.CANCELLED})
PHASES = {
    RunStatus.QUEUED: Phase.PENDING,
    RunStatus.STARTING: Phase.PENDING,
    RunStatus.RUNNING: Phase.READY,
    RunStatus.SUCCEEDED: Phase.ENDED,
    RunStatus.FAILED: Phase.FAILED,
    RunStatus.EXPIRED: Phase.FAILED,
    RunStatus.CANCELLED: Phase.FAILED,
}
"""A run's phase in the core lifecycle: running is ready, a good end is ENDED, any other end
is FAILED (a wait on it fails; a record of it is kept)."""

# -- the command's wrapper: the container ends itself on time and says how it ended ----

EXIT_LINE = "pulumi-gpu: exit "
"""The last line a wrapped command prints: this prefix and its exit code."""
TIMED_OUT = frozenset({124, 137})
"""Exit codes of ``timeout``: the command ran out of time (137: killed after the grace)."""
KILL_GRACE = 30
"""Seconds a timed-out command has between SIGTERM and SIGKILL."""


def wrap(command: str, max_duration: int) -> str:
    """The shell command a container runs for a job: ``command`` under ``timeout``, then a
    last line with its exit code (how the end is known on clouds that do not report it)."""
    inner = shlex.quote(command)
    return (
        f"timeout -s TERM -k {KILL_GRACE} {max_duration} sh -c {inner}; "
        f'code=$?; echo "{EXIT_LINE}$code"; exit $code'
    )


_WRAPPED = re.compile(
    rf"^timeout -s TERM -k {KILL_GRACE} (\d+) sh -c (.+); code=\$\?; "
    rf'echo "{re.escape(EXIT_LINE)}\$code"; exit \$code$',
    re.DOTALL,
)


def unwrap(wrapped: str) -> tuple[str, int] | None:
    """(command, max_duration) of a command that :func:`wrap` made; None for another."""
    found = _WRAPPED.match(wrapped)
    if found is None:
        return None
    try:
        words = shlex.split(found.group(2))
    except ValueError:
        return None
    return (words[0], int(found.group(1))) if len(words) == 1 else None


def exit_of(lines: Sequence[str]) -> tuple[int | None, list[str]]:
    """The exit code a wrapped command printed (None: not ended, or not reported), and
    the log lines without that marker."""
    code: int | None = None
    kept = []
    for line in lines:
        found = re.fullmatch(re.escape(EXIT_LINE) + r"(\d+)\s*", line)
        if found:
            code = int(found.group(1))
        else:
            kept.append(line)
    return code, kept


def status_of_exit(code: int) -> RunStatus:
    if code == 0:
        return RunStatus.SUCCEEDED
    return RunStatus.EXPIRED if code in TIMED_OUT else RunStatus.FAILED


# -- inputs ------------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_LIMIT = 30 * 86400


def seconds(value: Any) -> Any:
    """``90``, ``"90s"``, ``"15m"``, ``"2h"``, ``"1h30m"`` -> seconds (others: left to pydantic)."""
    if isinstance(value, str):
        text = value.strip().lower()
        parts = re.findall(r"(\d+)\s*([smhd])", text)
        if parts and re.fullmatch(r"(\s*\d+\s*[smhd])+", text):
            return sum(int(n) * _UNITS[u] for n, u in parts)
        if text.isdigit():
            return int(text)
        raise ValueError(f"a duration is seconds or like '90m', '2h', '1h30m'; got {value!r}")
    return value


Duration = Annotated[
    int,
    BeforeValidator(seconds),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": MAX_DURATION_LIMIT},
                {"type": "string", "pattern": r"^\s*(\d+\s*[smhd]\s*)+$|^\d+$"},
            ]
        }
    ),
]
"""Seconds, written as a number or as '90s', '15m', '2h', '1h30m', '1d'."""


class RunInputs(ResourceInputs):
    """How ``up`` waits for a job, and the trigger that runs it again: every job has them."""

    wait: JobWait = Field(
        "started",
        description=(
            "'started': `pulumi up` returns once the command runs; 'finished': it returns "
            "when the command has succeeded, and fails when it fails (for pipelines)."
        ),
        json_schema_extra=LOCAL,
    )
    run_id: str | None = Field(
        None,
        description="Any value; changing it runs the job again (a finished job is a record).",
        json_schema_extra=REPLACES,
    )


class JobSpec(RunInputs):
    """What a job runs and for how long, on a cloud where a container runs it (the
    command is wrapped to end itself on time). Mixed into a cloud's job inputs, after
    its placement inputs."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A run cannot change: every input that is not LOCAL replaces it (a new run),
        whatever the placement and container inputs it shares with a pod declare there."""
        super().__pydantic_init_subclass__(**kwargs)
        local = cls.local_fields()
        cls.redeclare({name: REPLACES for name in cls.model_fields if name not in local})

    command: str = Field(
        min_length=1,
        description=(
            "The shell command the job runs (sh -c); the job ends when it exits: exit 0 is "
            "succeeded, anything else failed."
        ),
        examples=["python train.py --epochs 3 --out /workspace/model"],
        json_schema_extra=REPLACES,
    )
    max_duration: Duration = Field(
        ge=1,
        le=MAX_DURATION_LIMIT,
        description=(
            "The time box: seconds, or '90m', '2h', '1h30m'. At its end the command is "
            "stopped, the job is expired and its GPUs are released, with or without Pulumi."
        ),
        examples=["2h", 5400],
        json_schema_extra=REPLACES,
    )
    log_lines: int = Field(
        50,
        ge=0,
        le=1000,
        description="How many of the last log lines the log_tail output keeps.",
        json_schema_extra=LOCAL,
    )


# -- one look at a run -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A job's run as the cloud shows it now."""

    status: RunStatus
    cloud_status: str
    """The cloud's word for the object that runs it (``EXITED``, ``active``...)."""
    exit_code: int | None = None
    reason: str | None = None
    """Why it did not succeed, in the cloud's or our words."""
    log: tuple[str, ...] | None = None
    """Its last log lines (None: not read in this look, or the cloud keeps none)."""
    started_at: float | None = None
    """Epoch seconds the command started, where the cloud says."""
    ended_at: float | None = None
    """Epoch seconds it ended, where the cloud says."""
    expires_at: float | None = None
    """Epoch seconds the cloud itself ends it, where it has such a limit."""
    cost_per_hour: float | None = None
    note: str | None = None
    lacks: tuple[str, ...] = ()
    """What a running object still lacks before a person can use it (its ports mapped, its
    SSH address): a wait for the run to start holds until nothing is missing, as a pod's."""


def iso(at: float | None) -> str | None:
    if at is None:
        return None
    moment = datetime.fromtimestamp(at, tz=timezone.utc).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def epoch(text: Any) -> float | None:
    """Epoch seconds of an ISO 8601 time (one without a zone is UTC, as clouds mean it)."""
    if not text:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _waiting_for(run: Run) -> str:
    waiting = f"waiting for {', '.join(run.lacks)}"
    return f"{run.note}; {waiting}" if run.note else waiting


def failure_text(run: Run, lines: int = 10) -> str:
    """How a run that did not succeed ended, with its last lines."""
    text = run.status.value
    if run.exit_code is not None:
        text += f" with exit code {run.exit_code}"
    if run.reason:
        text += f" ({run.reason})"
    if run.log:
        text += "; last lines:\n  " + "\n  ".join(run.log[-lines:])
    return text


# -- the provider ------------------------------------------------------------------------

_memory: dict[tuple[str, str], tuple[float | None, float | None]] = {}
_memory_lock = threading.Lock()
"""The start and hourly price each run of this process showed while it ran, by (kind,
object id)."""


class JobProvider(GpuProvider[Any, ObjT]):
    """The lifecycle of a job, on top of a kind's cloud object.

    A kind implements the usual hooks (``find``, ``create_object``, ``get``...) for the
    object that runs the command, plus :meth:`run`; its ``outputs`` give the machine
    outputs while it runs. ``observe`` is derived from the run.
    """

    log_outputs = frozenset({"log_tail"})

    # -- what a job kind declares -------------------------------------------------------

    def run(self, obj: ObjT) -> Run:
        """The run, from the object as the cloud shows it (and its logs, if read)."""
        raise NotImplementedError

    def release(self, id_: str, state: Mapping[str, Any], status: RunStatus) -> None:
        """Free what a run that ended (``status``), or ran past its time box (EXPIRED),
        still holds; the default deletes the object."""
        lifecycle.delete_and_wait(self, id_, state, self.describe(state))

    # -- the lifecycle ------------------------------------------------------------------

    def observe(self, obj: ObjT) -> Observed[ObjT]:
        run, _ = self._seen(obj)
        phase = PHASES[run.status]
        if phase is Phase.READY and run.lacks:
            return Observed(Phase.PENDING, run.cloud_status, None, obj, _waiting_for(run))
        reason = failure_text(run) if phase is Phase.FAILED else None
        return Observed(phase, run.cloud_status, reason, obj, run.note)

    def desired_phase(self, values: Mapping[str, Any]) -> Phase:
        return Phase.ENDED if values.get("wait") == "finished" else Phase.READY

    def _repair(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Change:
        return Change.NONE  # an ended run is a record, not something to repair

    def _recorded(self, id_: str, obj: ObjT, state: Mapping[str, Any]) -> dict[str, Any]:
        """A run that already ended when the create's wait is over is released at once."""
        outputs = self._outputs(obj, state)
        if RunStatus(outputs["status"]).ended:
            return self._finish(id_, {**state, **outputs})
        return outputs

    def _kept_after_failure(self, last: ObjT, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """A run that started and ended badly while ``up`` waited is kept as its record
        (how it ended, its exit code and last lines); its compute is already deleted. One
        that never started (its machine failed to come up) or never ended (a wait that
        timed out) is not: the next ``up`` runs it, as after any failed create."""
        live = {**state, **self._outputs(last, state)}
        status = RunStatus.recorded(live["status"])
        if not status.ended or live.get("started_at") is None:
            return None
        return self._ended(live, status)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Record a change of LOCAL inputs; the cloud applies the others (where a kind has
        inputs that change in place, e.g. a reservation's length)."""
        migrated = self.migrated(olds)
        changed = set(self.changed_fields(migrated, news)) - self.inputs_model.local_fields()
        if changed:
            return super().update(id_, olds, news)
        return UpdateResult({**without_provider(migrated), **without_provider(news)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self.hide_secrets(props)
        state = self.migrated(without_provider(props))
        if state.get("released"):
            return ReadResult(id_, state)  # the record of a run that ended
        lifecycle.claims.hold(self.kind, id_)
        obj = self._refreshed(id_, state)
        if obj is None:
            lifecycle.confirm_gone(self, id_, state, self.describe(state))
            return ReadResult(id_, self._vanished(state))
        live = {**state, **self._outputs(obj, state)}
        run_over = RunStatus(live["status"]).ended or self._overdue(live)
        return ReadResult(id_, self._finish(id_, live) if run_over else live)

    def _seen(self, obj: ObjT) -> tuple[Run, float | None]:
        """The run, with the start it showed while it ran remembered (an ended run's
        compute may not show it), and the hourly price it ran at."""
        run = self.run(obj)
        if run.status is RunStatus.RUNNING and run.started_at is None:
            run = replace(run, started_at=self.client().cloud_now())  # first seen running
        key = (self.kind, self.object_id(obj))
        with _memory_lock:
            started, price = _memory.get(key, (None, None))
            started, price = started or run.started_at, price or run.cost_per_hour
            _memory[key] = (started, price)
        return replace(run, started_at=started), price

    def _outputs(self, obj: ObjT, state: Mapping[str, Any]) -> dict[str, Any]:
        run, rate = self._seen(obj)
        now = self.client().cloud_now()
        started = epoch(state.get("started_at")) or run.started_at
        ended = epoch(state.get("ended_at")) or run.ended_at
        if ended is None and run.status.ended:
            ended = now
        spec = self.saved(state)
        limit = spec.max_duration if isinstance(spec, JobSpec) else 0
        expires = run.expires_at or (started + limit if started and limit else None)
        rate = rate or state.get("run_cost_per_hour")
        spent = None
        if rate is not None and started is not None:
            spent = round(float(rate) * max(0.0, (ended or now) - started) / 3600, 4)
        log = run.log
        kept = spec.log_lines if isinstance(spec, JobSpec) else 0
        log_tail = "\n".join(log[-kept:]) if log and kept else None
        return self.shown(
            {
                **self.outputs(obj, state),
                "status": run.status.value,
                "cloud_status": run.cloud_status,
                "account": self.client().account(),
                "exit_code": run.exit_code if run.exit_code is not None else state.get("exit_code"),
                "started_at": iso(started),
                "ended_at": iso(ended),
                "expires_at": iso(expires),
                "cost_per_hour": run.cost_per_hour,
                "run_cost_per_hour": rate,
                "cost_so_far": spent,
                "log_tail": log_tail if log_tail is not None else state.get("log_tail"),
                "released": False,
                SCHEMA_VERSION_KEY: self.schema_version,
            }
        )

    def _overdue(self, live: Mapping[str, Any]) -> bool:
        end = epoch(live.get("expires_at"))
        return end is not None and self.client().cloud_now() > end + KILL_GRACE + 60

    def _finish(self, id_: str, live: dict[str, Any]) -> dict[str, Any]:
        """Release the compute of a run that ended (or ran past its time box) and keep
        its record: the machine outputs go, how it ended stays."""
        what = self.describe(live)
        status = RunStatus.recorded(live["status"])
        if not status.ended:
            report(f"{what}: past its max_duration ({live.get('expires_at')}); releasing it")
            status = RunStatus.EXPIRED
        self.release(id_, live, status)
        report(f"{what}: {status.value}; its compute is released")
        return self._ended(live, status)

    def _ended(self, live: Mapping[str, Any], status: RunStatus) -> dict[str, Any]:
        """The record of a run that ended (``status``) and whose compute is released."""
        ended = live.get("ended_at") or iso(self.client().cloud_now())
        return {**live, **_released(live), "status": status.value, "ended_at": ended}

    def _vanished(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The record of a run whose compute was deleted without us."""
        status = RunStatus.recorded(state.get("status"))
        if not status.ended:
            end = epoch(state.get("expires_at"))
            over = end is not None and self.client().cloud_now() >= end
            status = RunStatus.EXPIRED if over else RunStatus.CANCELLED
        return {
            **state,
            **_released(state),
            "status": status.value,
            "cloud_status": "gone",
            "ended_at": state.get("ended_at") or iso(self.client().cloud_now()),
        }


def _released(state: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs of a run whose compute is gone: nothing to connect to, nothing billed
    (on a cloud that prices it)."""
    gone: dict[str, Any] = dict.fromkeys(
        ("ssh_command", "ssh_host", "ssh_port", "ssh_user", "public_ip"), None
    )
    price = None if state.get("cost_per_hour") is None else 0.0
    return {**gone, "ports": {}, "cost_per_hour": price, "released": True}
