"""Drive a Pulumi program directory through the real `pulumi` CLI.

A :class:`ProgramStack` copies a program directory (``Pulumi.yaml`` + ``__main__.py``)
into a scratch directory, gives it a ``file://`` backend (or any backend URL, such as a
team's ``s3://`` bucket) and a private ``PULUMI_HOME``, and runs ``preview``, ``up``,
``refresh`` and ``destroy`` through the Pulumi CLI (:func:`pulumi_dir`). Each operation
returns an :class:`OpResult` with the steps the engine reported (from its structured
event stream), the diagnostics it printed and its summary.

The program itself is hosted by the Automation API: the project's ``__main__.py`` runs
as an inline program inside this process (so it needs no Python language plugin, which
a CLI built from the Go module proxy lacks), while the real CLI does the planning,
diffing, state and secrets, and launches the dynamic provider plugin
(``python -m pulumi.dynamic``) as a separate process, exactly as for users.
"""

from __future__ import annotations

import functools
import json
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto
from pulumi.automation._stack import StackInitMode

from pulumi_gpu.core.stack_identity import IDENTITY_TYPE
from pulumi_gpu.pulumi_cli import revealed
from pulumi_gpu.testing import host

PASSPHRASE = "pulumi-gpu-tests"
"""The stack's identity resource (``IDENTITY_TYPE``) is bookkeeping that touches no cloud:
:meth:`OpResult.ops` and :meth:`ProgramStack.resources` leave it out unless asked."""
_FLEET_PROGRAM = {
    "Pulumi.yaml": "name: gpu-fleet\nruntime: python\n",
    "__main__.py": "from pulumi_gpu.fleet.program import run\n\nrun()\n",
}


def write_fleet_program(directory: Path) -> Path:
    """Write the program of a fleet file (which reads `fleet.yaml` beside it) into
    ``directory``; returns it, for :class:`ProgramStack`."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in _FLEET_PROGRAM.items():
        (directory / name).write_text(text)
    return directory


class NoPulumiCli(RuntimeError):
    """Neither $PULUMI_GPU_ENGINE_DIR nor the PATH holds a `pulumi` CLI."""


def pulumi_dir() -> Path:
    """The directory of the `pulumi` CLI: $PULUMI_GPU_ENGINE_DIR, else the one on PATH."""
    given = os.environ.get("PULUMI_GPU_ENGINE_DIR")
    if given:
        return Path(given)
    found = shutil.which("pulumi")
    if found is None:
        raise NoPulumiCli(
            "no `pulumi` CLI: install it (https://www.pulumi.com/docs/install/) or set "
            "PULUMI_GPU_ENGINE_DIR to the directory that holds it"
        )
    return Path(found).resolve().parent


_OWN_SUBCHANNELS = ("grpc.use_local_subchannel_pool", 1)


def _own_subchannels() -> None:
    """Give each gRPC channel the Pulumi SDK opens its own connections.

    One process runs many inline programs, each talking to its own engine at a new
    127.0.0.1 port, and the OS hands out a port again soon after an engine exits. gRPC
    shares connections (subchannels) among channels to one address, so while a channel of
    a finished program is still alive, its failed connection to the old engine, backing
    off, answers the next engine's channel at once: "failed to connect to all addresses
    ... Connection refused", which the SDK reports as "Resource monitor has terminated"
    before the program's first resource. A pool per channel ends that. The SDK keeps its
    channel options in one list; if a release moves it, nothing is changed here.
    """
    from pulumi.runtime import _grpc_settings

    options = getattr(_grpc_settings, "_GRPC_CHANNEL_OPTIONS", None)
    if isinstance(options, list) and _OWN_SUBCHANNELS not in options:
        options.append(_OWN_SUBCHANNELS)


@functools.cache
def _pulumi_command(engine: Path) -> auto.PulumiCommand:
    """The CLI in ``engine``, asked for its version once per process rather than per stack."""
    return auto.PulumiCommand(root=str(engine.parent))


@dataclass(frozen=True)
class Step:
    """One resource step as the engine announced it (a ResourcePreEvent)."""

    name: str
    type: str
    op: str
    diffs: tuple[str, ...] = ()


@dataclass
class OpResult:
    """What one `pulumi preview/up/refresh/destroy` did."""

    command: str
    steps: list[Step] = field(default_factory=list)
    diagnostics: list[tuple[str, str]] = field(default_factory=list)  # (severity, message)
    summary: dict[str, int] = field(default_factory=dict)
    failed_resources: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def ops(self, *, include_same: bool = False) -> dict[str, str]:
        """Resource name -> step kind, custom resources only (the stack itself, providers
        and the stack's identity resource excluded).

        A replacement shows as its first step ("replace" in previews; "create-replacement"
        then "delete-replaced" in updates, reported here as "replace").
        """
        found: dict[str, str] = {}
        for step in self.steps:
            if step.type == "pulumi:pulumi:Stack" or step.type.startswith("pulumi:providers:"):
                continue
            if step.type == IDENTITY_TYPE:
                continue
            if step.op == "same" and not include_same:
                continue
            op = step.op
            if op in ("create-replacement", "delete-replaced"):
                op = "replace"
            found.setdefault(step.name, op)
        return found

    def errors(self) -> list[str]:
        return [message for severity, message in self.diagnostics if severity == "error"]

    def text(self) -> str:
        """Everything the engine said, for assertions on messages: its diagnostics, then
        what the CLI printed (its own errors, such as a held lock, are on stderr)."""
        lines = [message for _, message in self.diagnostics]
        printed = [self.stdout, self.stderr] if self.stdout or self.stderr else [self.error or ""]
        return "\n".join([*lines, *printed])

    def said(self) -> str:
        """The diagnostics as the CLI shows them, each once (``error: ...``, ``warning: ...``;
        other messages as they are)."""
        shown = []
        for severity, message in self.diagnostics:
            prefix = f"{severity}: " if severity in ("error", "warning") else ""
            shown.append(f"{prefix}{message.rstrip()}")
        return "\n".join(shown)


class StackError(AssertionError):
    """An operation failed that the test expected to succeed.

    The message says each thing once: the run's diagnostics, then what the CLI printed on
    stderr (or, if the run said nothing at all, the end of its output).
    """

    def __init__(self, result: OpResult) -> None:
        said = result.said()
        printed = result.stderr.strip() or ("" if said else result.text().strip())
        body = "\n".join(part for part in (said, printed[-4000:]) if part)
        super().__init__(f"pulumi {result.command} failed:\n{body}")
        self.result = result


def _inline_program(main_file: Path) -> Callable[[], None]:
    """Run the project's __main__.py as Pulumi's language host would: in its directory."""

    def run() -> None:
        previous = os.getcwd()
        sys.path.insert(0, str(main_file.parent))
        os.chdir(main_file.parent)
        try:
            runpy.run_path(str(main_file), run_name="__main__")
        finally:
            os.chdir(previous)
            sys.path.remove(str(main_file.parent))

    return run


class _EventsOnlyStack(auto.Stack):
    """A stack whose operations report through events only.

    After `up`, `refresh` and `destroy` the Automation API reads the stack's outputs
    (twice) and its history to build a result object; the tests read the engine's
    events instead, so those three CLI runs per operation are skipped.
    """

    def outputs(self) -> auto.OutputMap:
        return {}

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary:
        now = datetime.now(timezone.utc)
        return auto.UpdateSummary("update", now, "", {}, {}, "succeeded", now)


class ProgramStack:
    """A throw-away stack of a program directory, on a file:// backend in `work`."""

    def __init__(
        self,
        program_dir: Path,
        work: Path,
        *,
        stack_name: str = "test",
        env: Mapping[str, str] | None = None,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        only: Sequence[str] | None = None,
        python_path: Sequence[Path] = (),
        backend_url: str | None = None,
    ) -> None:
        """``only``: copy just these files of the program directory (e.g. of the repo root).
        ``python_path``: where the provider process also finds modules (providers defined
        outside the program directory are loaded by module name).
        ``backend_url``: where the state lives (``pulumi login`` URL); by default a
        ``file://`` backend of its own in ``work``. Stacks on one backend share its state
        and its locks."""
        _own_subchannels()
        host.install()
        self.work = work
        self.project_dir = work / "project"
        self._own_env = dict(env or {})
        self._python_path = tuple(python_path)
        if only is None:
            shutil.copytree(
                program_dir,
                self.project_dir,
                symlinks=True,  # as a clone has them
                ignore=shutil.ignore_patterns("Pulumi.*.yaml", "__pycache__"),
                dirs_exist_ok=True,
            )
        else:
            self.project_dir.mkdir(parents=True, exist_ok=True)
            for name in only:
                shutil.copy(program_dir / name, self.project_dir / name)
        self._link_virtualenv()
        if backend_url is None:
            (work / "backend").mkdir(parents=True, exist_ok=True)
            fresh = not any((work / "backend").iterdir())
            backend_url = f"file://{work / 'backend'}"
        else:
            fresh = False  # the stack may exist there already
        self.backend_url = backend_url
        (work / "home").mkdir(parents=True, exist_ok=True)
        engine = pulumi_dir()
        # The dynamic provider plugin runs `python -m pulumi.dynamic` from this interpreter.
        python_bin = Path(sys.executable).parent
        pythonpath = os.pathsep.join(
            [*map(str, python_path), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        self.env: dict[str, str] = {
            "PATH": os.pathsep.join([str(engine), str(python_bin), os.environ.get("PATH", "")]),
            "PULUMI_BACKEND_URL": backend_url,
            "PULUMI_HOME": str(work / "home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PYTHONPATH": pythonpath,
            **(env or {}),
        }
        command = _pulumi_command(engine) if (engine / "pulumi").exists() else None
        self.pulumi = str(engine / "pulumi")
        workspace = auto.LocalWorkspace(
            work_dir=str(self.project_dir),
            program=_inline_program(self.project_dir / "__main__.py"),
            pulumi_home=str(work / "home"),
            env_vars=self.env,
            pulumi_command=command,
        )
        mode = StackInitMode.CREATE if fresh else StackInitMode.CREATE_OR_SELECT
        self.stack = _EventsOnlyStack(stack_name, workspace, mode)
        values = {key: auto.ConfigValue(value) for key, value in (config or {}).items()}
        values.update(
            {key: auto.ConfigValue(value, True) for key, value in (secrets or {}).items()}
        )
        if values:
            self.stack.set_all_config(values)

    def checkout(self, work: Path) -> ProgramStack:
        """The same program and stack in another working directory, with its own
        ``PULUMI_HOME`` and the same backend: a teammate's clone of the project, with the
        stack's settings file (``Pulumi.<stack>.yaml``, secrets salt included) as committed."""
        other = ProgramStack(
            self.project_dir,
            work,
            stack_name=self.stack.name,
            env=self._own_env,
            python_path=self._python_path,
            backend_url=self.backend_url,
        )
        settings = f"Pulumi.{self.stack.name}.yaml"
        if (self.project_dir / settings).exists():
            shutil.copy(self.project_dir / settings, other.project_dir / settings)
        return other

    def _settings(self) -> dict[str, Any]:
        return dict(yaml.safe_load((self.project_dir / "Pulumi.yaml").read_text()))

    def _project_name(self) -> str:
        return str(self._settings()["name"])

    def _link_virtualenv(self) -> None:
        """Point the project's `virtualenv` option at this interpreter's environment.

        The engine launches the dynamic provider from that virtualenv, as it would for
        a user who created it with `python -m venv venv && pip install -r requirements.txt`.
        """
        runtime = self._settings().get("runtime")
        options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
        venv = options.get("virtualenv")
        if venv and not Path(venv).is_absolute() and not (self.project_dir / venv).exists():
            (self.project_dir / venv).symlink_to(sys.prefix, target_is_directory=True)

    # -- configuration -------------------------------------------------------------

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def remove_config(self, key: str) -> None:
        self.stack.remove_config(key)

    def write_file(self, relative: str, text: str) -> None:
        """Edit a file of the program (for edit steps)."""
        (self.project_dir / relative).write_text(text)

    # -- operations ----------------------------------------------------------------

    def preview(self, *, expect_failure: bool = False, **kwargs: Any) -> OpResult:
        return self._run("preview", self.stack.preview, expect_failure, kwargs)

    def up(self, *, expect_failure: bool = False, **kwargs: Any) -> OpResult:
        return self._run("up", self.stack.up, expect_failure, kwargs)

    def refresh(self, *, expect_failure: bool = False, **kwargs: Any) -> OpResult:
        return self._run("refresh", self.stack.refresh, expect_failure, kwargs)

    def destroy(self, *, expect_failure: bool = False, **kwargs: Any) -> OpResult:
        return self._run("destroy", self.stack.destroy, expect_failure, kwargs)

    def _run(
        self, command: str, op: Callable[..., Any], expect_failure: bool, kwargs: dict[str, Any]
    ) -> OpResult:
        result = OpResult(command=command)
        also = kwargs.pop("on_event", None)  # the caller's own, told of each event too

        def on_event(event: auto.EngineEvent) -> None:
            if also is not None:
                also(event)
            if event.resource_pre_event is not None:
                meta = event.resource_pre_event.metadata
                result.steps.append(
                    Step(
                        name=meta.urn.rsplit("::", 1)[-1],
                        type=meta.type,
                        op=str(meta.op.value if hasattr(meta.op, "value") else meta.op),
                        diffs=tuple(meta.diffs or ()),
                    )
                )
            elif event.diagnostic_event is not None:
                diag = event.diagnostic_event
                if diag.severity != "debug":
                    result.diagnostics.append((diag.severity, diag.message))
            elif event.res_op_failed_event is not None:
                urn = event.res_op_failed_event.metadata.urn
                result.failed_resources.append(urn.rsplit("::", 1)[-1])
            elif event.summary_event is not None:
                result.summary = {
                    str(getattr(k, "value", k)): v
                    for k, v in event.summary_event.resource_changes.items()
                }

        # What the CLI prints, kept apart from the run's diagnostics (the Automation API's
        # error on a failure holds both streams in one text) and passed on to the caller's
        # own ``on_output``/``on_error``, if given.
        printed: dict[str, list[str]] = {"on_output": [], "on_error": []}

        def keeper(stream: str) -> Callable[[str], None]:
            forward = kwargs.pop(stream, None)

            def keep(line: str) -> None:
                printed[stream].append(line)
                if forward is not None:
                    forward(line)

            return keep

        streams = {stream: keeper(stream) for stream in printed}
        try:
            op(on_event=on_event, color="never", **streams, **kwargs)
        except auto.CommandError as exc:
            result.error = str(exc)
        result.stdout = "\n".join(printed["on_output"])
        result.stderr = "\n".join(printed["on_error"])
        if result.ok == expect_failure:
            if expect_failure:
                raise AssertionError(f"pulumi {command} succeeded but was expected to fail")
            raise StackError(result)
        return result

    # -- state ---------------------------------------------------------------------

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the pulumi CLI itself in this stack's project directory and environment."""
        env = {**os.environ, **self.env}
        return subprocess.run(
            [self.pulumi, *args, "--stack", self.stack.name],
            cwd=self.project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=check,
        )

    def outputs(self) -> dict[str, Any]:
        """`pulumi stack output --json --show-secrets`."""
        out = self.cli("stack", "output", "--json", "--show-secrets").stdout
        return dict(json.loads(out))

    def export(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """`pulumi stack export` (secrets stay encrypted unless ``show_secrets``)."""
        shown = ("--show-secrets",) if show_secrets else ()
        return dict(json.loads(self.cli("stack", "export", *shown).stdout))

    def export_text(self) -> str:
        return self.cli("stack", "export").stdout

    def resources(
        self, *, include_identity: bool = False, show_secrets: bool = False
    ) -> dict[str, dict[str, Any]]:
        """Resource name -> state entry, custom resources only (the stack's identity
        resource only if asked; secrets decrypted if asked)."""
        deployment = revealed(self.export(show_secrets=show_secrets)["deployment"])
        return {
            res["urn"].rsplit("::", 1)[-1]: res
            for res in deployment.get("resources") or []
            if res.get("custom")
            and not res["type"].startswith("pulumi:providers:")
            and (include_identity or res["type"] != IDENTITY_TYPE)
        }
