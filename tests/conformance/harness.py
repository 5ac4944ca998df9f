"""A fleet with one object of every kind, on the emulator, through the real pulumi CLI.

:class:`Fleet` declares a generated fleet file through one of the product's front doors
(:data:`DOORS`): the repository's own fleet program (``Pulumi.yaml`` + ``__main__.py`` at
the root: the dynamic providers), or a program that declares each entry as the provider
plugin's resource (``tests/e2e/programs/plugin-fleet``). It judges each kind by outside
evidence only: the emulator's objects, its request log, and ``pulumi stack export``.
Each door's :class:`Tally` counts what every fault did to every kind; the suite prints
a line for each.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.plugin.kinds import token_of
from pulumi_gpu.plugin.names import camel
from pulumi_gpu.testing import OpResult, ProgramStack
from tests.conformance.subjects import (
    CELIUM_TEMPLATE,
    SECRET_JUPYTER,
    SECRET_TOKEN,
    Subject,
)
from tests.support.paths import PROGRAMS, REPO_ROOT

PARALLEL = 64
"""Resource operations the engine runs at once: more than the fleet has."""
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----"
)


@dataclass
class Outcome:
    """What one fault did to one kind."""

    duplicates: int = 0
    orphans: int = 0
    secrets: int = 0


@dataclass
class Tally:
    """Every (fault, kind) run of the suite, and the kinds a fault does not apply to."""

    label: str = "conformance"
    runs: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    not_applicable: dict[tuple[str, str], str] = field(default_factory=dict)

    def outcome(self, fault: str, subject: Subject) -> Outcome:
        return self.runs.setdefault((fault, subject.kind.title), Outcome())

    def rows(self) -> list[list[Any]]:
        """The runs as plain rows, the form in which a pytest-xdist worker reports them."""
        return [[f, k, o.duplicates, o.orphans, o.secrets] for (f, k), o in self.runs.items()]

    def add_rows(self, rows: Iterable[list[Any]]) -> None:
        """Count the runs a worker reported (see :meth:`rows`)."""
        for fault, kind, duplicates, orphans, secrets in rows:
            outcome = self.runs.setdefault((fault, kind), Outcome())
            outcome.duplicates += duplicates
            outcome.orphans += orphans
            outcome.secrets += secrets

    def line(self) -> str:
        kinds = {k for _, k in self.runs}
        faults = {f for f, _ in self.runs}
        total = Outcome(
            duplicates=sum(o.duplicates for o in self.runs.values()),
            orphans=sum(o.orphans for o in self.runs.values()),
            secrets=sum(o.secrets for o in self.runs.values()),
        )
        return (
            f"{self.label}: {len(kinds)} kinds x {len(faults)} faults, {len(self.runs)} runs, "
            f"{total.duplicates} duplicates, {total.orphans} orphans, "
            f"{total.secrets} secrets seen"
        )


TALLY = Tally()


def _fleet_file_says(subject: Subject, field: str) -> str:
    return f"{subject.kind.section}.{subject.name}.{field}"


def _plugin_check_says(subject: Subject, field: str) -> str:
    return f"{token_of(subject.kind.resource)} resource '{subject.name}': property {camel(field)}"


@dataclass(frozen=True)
class Door:
    """A front door of the product: the program that declares the fleet file's entries."""

    name: str
    program: Path
    files: tuple[str, ...]
    """The program's files (copied into the stack's project directory)."""
    tally: Tally
    says: Callable[[Subject, str], str]
    """How a refusal at preview names a subject's input (given by its Python name)."""
    refuses_at_once: bool
    """A preview refuses every bad entry (the fleet program checks the whole file before
    it declares anything); else only the first (the engine stops at a failed check)."""
    kinds: frozenset[str] | None = None
    """Titles of the kinds taken through it (None: every kind)."""


DYNAMIC = Door(
    "dynamic",
    program=REPO_ROOT,
    files=("Pulumi.yaml", "__main__.py"),
    tally=TALLY,
    says=_fleet_file_says,
    refuses_at_once=True,
)
PLUGIN = Door(
    "plugin",
    program=PROGRAMS / "plugin-fleet",
    files=("Pulumi.yaml", "__main__.py"),
    tally=Tally("conformance (plugin)"),
    says=_plugin_check_says,
    refuses_at_once=False,
    # Its lifecycle is the dynamic door's: a kind of each cloud, the placed pod and two
    # jobs check the plugin's own part (names, secrets, ids, errors, its process) in less
    # time. (A GPU Dev disk would add its 30 s look for a lost create to the 5xx fault.)
    kinds=frozenset({"any Pod", "celium Job", "gpudev Job", "primeintellect Pod", "runpod Pod"}),
)
DOORS = (DYNAMIC, PLUGIN)


class Fleet:
    """One stack declaring every subject, on ``server``'s emulator."""

    def __init__(
        self,
        make_stack: Callable[..., ProgramStack],
        server: EmulatorServer,
        subjects: Iterable[Subject],
        fault: str,
        *,
        work: Path,
        template: str | None = None,
        door: Door = DYNAMIC,
    ) -> None:
        """``template``: the verified Celium template the Celium pod runs on (by default,
        one made now outside the stack); ``door``: the program that declares it."""
        self.server = server
        self.subjects = list(subjects)
        self.fault = fault
        self.transcript: list[str] = []
        settings, secrets = self.emulator.stack_config(server.url())
        self.secrets: dict[str, str] = {
            **secrets,
            "conformanceToken": SECRET_TOKEN,
            "conformanceJupyter": SECRET_JUPYTER,
        }
        self.scanned = {*self.secrets.values(), *self.emulator.other_account().values()}
        """Values that must never be seen: every credential and secret input."""
        self.door = door
        self.tally = door.tally
        """Where :meth:`judge` and :meth:`scan_secrets` count (another suite's own)."""
        self.base: dict[str, dict[str, Any]] = {}
        """Entry name -> inputs that every fleet file of this stack changes."""
        self.template = template or self._verified_celium_template()
        self.settings = {**settings, "fleet": "fleet.yaml", "pulumi-gpu:pollSeconds": "0.2"}
        """The stack's plain configuration: every cloud's endpoint, the fleet file."""
        self.stack = make_stack(
            door.program,
            only=list(door.files),
            config=self.settings,
            secrets=self.secrets,
        )
        self.stack.write_file("fleet.yaml", self.fleet_file())
        self.work = work

    @property
    def emulator(self) -> Emulator:
        return self.server.emulator

    # -- the program ---------------------------------------------------------------------

    def fleet_file(self, **changes: dict[str, Any]) -> str:
        """One entry per subject; ``changes`` (entry name -> inputs) alter some, after
        :attr:`base`."""
        sections: dict[str, dict[str, Any]] = {}
        for subject in self.subjects:
            entry = {
                "cloud": subject.kind.cloud,
                **subject.entry,
                **self.base.get(subject.name, {}),
                **changes.get(subject.name, {}),
            }
            if entry.get("template_id") == CELIUM_TEMPLATE:
                entry["template_id"] = self.template
            sections.setdefault(subject.kind.section, {})[subject.name] = entry
        return yaml.safe_dump(sections, sort_keys=False)

    def _verified_celium_template(self) -> str:
        """A verified template made outside the stack, as a user's existing one would be."""
        key = self.emulator.stack_config(self.server.url())[1]["pulumi-gpu:celiumApiKey"]
        body = {"name": "conformance-base", "docker_image": "pytorch/pytorch"}
        answer = httpx.post(
            self.server.url("celium") + "/templates", json=body, headers={"X-API-KEY": key}
        )
        answer.raise_for_status()
        self.emulator.clock.advance(3600)
        self.emulator.requests.clear()  # what the stack sends is what counts
        return str(answer.json()["id"])

    # -- operations, recorded for the secrets scan ------------------------------------------

    def run(self, command: str, **kwargs: Any) -> OpResult:
        """One operation with every resource's step in flight at once (the engine's
        default, 4 per core, would leave some unstarted once another fails)."""
        operation = getattr(self.stack, command)
        result: OpResult = operation(parallel=PARALLEL, **kwargs)
        self.transcript.append(result.text())
        return result

    def up_killed(self, *, once: Callable[[], bool], plugins: bool) -> OpResult:
        """Start ``pulumi up``; when ``once()`` holds, SIGKILL the CLI (and its plugins)."""
        results: list[OpResult] = []
        thread = threading.Thread(
            target=lambda: results.append(self.stack.up(expect_failure=True, parallel=PARALLEL)),
            daemon=True,
        )
        thread.start()
        deadline = time.monotonic() + 120
        while not once():
            if time.monotonic() > deadline or not thread.is_alive():
                raise AssertionError("the update ended before the moment to kill it")
            time.sleep(0.1)
        killed = kill_engine(self.stack, plugins=plugins)
        assert killed, "no pulumi process found to kill"
        thread.join(timeout=60)
        assert results, "the killed update did not return"
        self.transcript.append(results[0].text())
        return results[0]

    def cancel(self) -> None:
        """`pulumi cancel`: a killed update leaves the stack locked."""
        done = self.stack.cli("cancel", "--yes", check=False)
        self.transcript.append(done.stdout + done.stderr)

    # -- evidence ------------------------------------------------------------------------

    def live(self, subject: Subject) -> list[str]:
        """Ids of the subject's objects that exist now (the base template excluded)."""
        found = self.emulator.leftovers()[subject.cloud][subject.objects]
        if subject.shares_table:
            names = _pod_names(self.emulator, subject.cloud)
            found = [i for i in found if f"-{subject.name}-" in names.get(i, "")]
        if subject.kind.title == "celium Template":
            found = [i for i in found if not _one_time(self.emulator, i)]
        return [i for i in found if i != self.template]

    def held(self) -> dict[str, str]:
        """Entry name -> the emulator id of the object the state holds."""
        resources = self.stack.resources()
        by_name = {s.name: s for s in self.subjects}
        return {
            name: by_name[name].emulator_id(res["id"])
            for name, res in resources.items()
            if name in by_name and res.get("id")
        }

    def judge(self, subject: Subject, *, expect: int, held: str | None) -> None:
        """Record duplicates (more live objects than ``expect``) and orphans (live objects
        the state does not hold: it holds ``held``) for one kind, and check there are none."""
        live = self.live(subject)
        outcome = self.tally.outcome(self.fault, subject)
        outcome.duplicates += max(0, len(live) - expect)
        outcome.orphans += len([i for i in live if i != held])
        assert (len(live), outcome.orphans) == (expect, 0), (
            f"{self.fault}: {subject.kind.title}: {len(live)} live object(s) {live}, "
            f"the state holds {held}"
        )

    def judge_all(self, *, expect: Callable[[Subject], int] = lambda _: 1) -> None:
        held = self.held()  # (one `pulumi stack export` for every kind)
        failures = []
        for subject in self.subjects:
            try:
                self.judge(subject, expect=expect(subject), held=held.get(subject.name))
            except AssertionError as exc:
                failures.append(str(exc))
        assert not failures, "\n".join(failures)

    def scan_secrets(self) -> None:
        """Count secret values seen in the export, every CLI output and the request log."""
        places = {
            "stack export": self.stack.export_text(),
            "CLI output": "\n".join(self.transcript),
            "request log": "\n".join(f"{r.path}?{r.query}" for r in self.emulator.requests.find()),
        }
        values = [*self.scanned, PRIVATE_KEY.splitlines()[1]]
        seen = [(v, where) for where, text in places.items() for v in values if v and v in text]
        for subject in self.subjects:
            self.tally.outcome(self.fault, subject)  # a run even if nothing else was judged
        if seen:
            self.tally.outcome(self.fault, self.subjects[0]).secrets += len(seen)
        assert not seen, f"secrets seen: {[(v[:6] + '...', where) for v, where in seen]}"


def kill_engine(stack: ProgramStack, *, plugins: bool) -> list[int]:
    """SIGKILL the `pulumi` CLI working on ``stack`` (and, with ``plugins``, every process
    it started: a closed laptop), found by the stack's private PULUMI_HOME."""
    home = f"PULUMI_HOME={stack.env['PULUMI_HOME']}".encode()
    pulumi = os.path.realpath(stack.pulumi)
    killed = []
    for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            exe = os.path.realpath(f"/proc/{pid}/exe")
        except OSError:
            continue
        if home not in environ or pid == os.getpid():
            continue
        if exe == pulumi or plugins:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    return killed


def _pod_names(emulator: Emulator, cloud: str) -> dict[str, str]:
    """Pod id -> name in a cloud whose pods are made by two kinds (Pods and Jobs)."""
    if cloud == "celium":
        return {i: p.pod_name for i, p in emulator.celium.pods.items()}
    return {i: p.name for i, p in emulator.runpod.pods.items()}


def _one_time(emulator: Emulator, template_id: str) -> bool:
    """A Celium Job's template, which Celium deletes with the job's pod."""
    template = emulator.celium.templates.get(template_id)
    return template is not None and bool(template.fields.get("one_time_template"))
