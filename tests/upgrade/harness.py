"""One stack of the fleet program, driven by a release's code and then by the checkout's.

An :class:`UpgradeStack` is what a user has on disk: a project directory (``Pulumi.yaml``,
``__main__.py``, ``fleet.yaml`` and, once made, ``Pulumi.<stack>.yaml``), a ``file://``
backend and a ``PULUMI_HOME``. Every operation runs ``driver.py`` in a subprocess with an
:class:`Interpreter` (a release's virtualenv, or the checkout's interpreter with the
checkout on its path), so the program, the engine's dynamic provider process and the
pickled providers all belong to that package; project, backend, home, stack name,
passphrase and settings stay the same across interpreters.

:data:`TALLY` counts, per release, the kinds its fleet covered and what the new code
replaced, updated and left behind; the suite prints it at the end.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_gpu.core.stack_identity import IDENTITY_TYPE
from pulumi_gpu.pulumi_cli import revealed
from tests.upgrade.driver import differing_paths
from tests.upgrade.releases import ReleaseEnv, release_python_env

DRIVER = Path(__file__).with_name("driver.py")
FLEETS = Path(__file__).with_name("fleets")
STACK = "upgrade"
PASSPHRASE = "pulumi-gpu-upgrade"
POLL_SECONDS = "0.2"
PROGRAM = {
    # What every release's users have: the fleet program of the repository root.
    "Pulumi.yaml": "name: gpu-fleet\nruntime: python\n",
    "__main__.py": "from pulumi_gpu.fleet.program import run\n\nrun()\n",
}
CHANGES = ("create", "update", "replace", "create-replacement", "delete-replaced", "delete")
# (driver.py keeps the same list: it imports nothing of the tests)
"""Step kinds that change a resource (``same``, ``read`` and ``refresh`` do not)."""


@dataclass(frozen=True)
class Interpreter:
    """A Python that imports one version of pulumi_gpu, and the path it needs for it."""

    label: str
    python: Path
    python_path: str | None = None
    """PYTHONPATH to set (the checkout, for the new code); a release gets none."""

    @classmethod
    def release(cls, env: ReleaseEnv) -> Interpreter:
        return cls(env.release.version, env.python)

    @classmethod
    def checkout(cls, root: Path) -> Interpreter:
        return cls("new", Path(sys.executable), str(root))

    def environ(self) -> dict[str, str]:
        env = release_python_env()
        if self.python_path:
            env["PYTHONPATH"] = self.python_path
        return env


@dataclass
class Run:
    """What one driver run reported (see driver.py), and how long it took."""

    label: str
    op: str
    data: dict[str, Any]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.data.get("error") is None

    @property
    def error(self) -> str | None:
        return self.data.get("error")

    def ops(self) -> dict[str, list[str]]:
        """Resource name -> the step kinds announced for it (custom resources only)."""
        return {
            name: [s["op"] for s in steps]
            for name, steps in self.data.get("steps", {}).items()
            if not _internal(steps[0]["type"])
        }

    def changes(self) -> dict[str, list[dict[str, Any]]]:
        """Resource name -> its steps that change it."""
        found: dict[str, list[dict[str, Any]]] = {}
        for name, steps in self.data.get("steps", {}).items():
            changing = [s for s in steps if s["op"] in CHANGES and not _internal(s["type"])]
            if changing:
                found[name] = changing
        return found

    def refreshed(self) -> dict[str, dict[str, Any]]:
        """Resource name -> what a refresh changed in its inputs (outputs may move)."""
        found: dict[str, dict[str, Any]] = {}
        for name, steps in self.data.get("outputs", {}).items():
            for step in steps:
                if _internal(step["type"]):
                    continue
                inputs = {path: d for path, d in step["detailed_diff"].items() if d.get("input")}
                if inputs or step["op"] not in ("refresh", "same", "read"):
                    found[name] = {**step, "detailed_diff": inputs}
        return found

    def errors(self) -> list[str]:
        return [d["message"] for d in self.data.get("diagnostics", []) if d["severity"] == "error"]

    def warnings(self) -> list[str]:
        return [
            d["message"] for d in self.data.get("diagnostics", []) if d["severity"] == "warning"
        ]

    def describe(self) -> str:
        """A few lines: the steps that change something, with their diffs, and errors."""
        lines = [
            f"[{self.label}] {self.op}: {'ok' if self.ok else 'FAILED'} ({self.seconds:.1f} s)"
        ]
        for name, steps in sorted(self.changes().items()):
            for step in steps:
                lines.append(f"  {name}: {step['op']} {_diff_text(step)}")
        if self.op == "refresh":
            for name, step in sorted(self.refreshed().items()):
                lines.append(f"  {name}: {step['op']} (refresh) {_diff_text(step)}")
        lines.extend(f"  {d['severity']}: {d['message'].strip()}" for d in _shown(self.data))
        lines.extend(f"  cloud write: {w}" for w in self.data.get("cloud_writes", []))
        if self.error and not self.errors():
            lines.append(f"  error: {self.error.strip()[-1500:]}")
        return "\n".join(lines)


REPLACING = ("replace", "create-replacement", "delete-replaced", "create", "delete")
"""Steps after which the stack's object is not the one the release made (a bare create
or delete counts too: the upgrade made or removed an object of an unchanged program)."""


def changed_resources(runs: Iterable[Run]) -> tuple[list[str], list[str]]:
    """(replaced, updated): the resources ``runs`` replaced (or would), and those they
    updated (or would) without replacing them, a refresh's updates included."""
    replaced: set[str] = set()
    updated: set[str] = set()
    for run in runs:
        for name, steps in run.changes().items():
            if any(s["op"] in REPLACING for s in steps):
                replaced.add(name)
            elif any(s["op"] == "update" for s in steps):
                updated.add(name)
        if run.op == "refresh":
            updated.update(run.refreshed())
    return sorted(replaced), sorted(updated - replaced)


def _internal(type_: str) -> bool:
    """The engine's own resources, and the stack's identity (which an upgrade to 0.2.0 makes
    once, in the state alone; see ``pulumi_gpu.core.stack_identity``)."""
    return (
        type_ == "pulumi:pulumi:Stack"
        or type_.startswith("pulumi:providers:")
        or type_ == IDENTITY_TYPE
    )


def _shown(data: Mapping[str, Any]) -> Iterable[dict[str, str]]:
    return [d for d in data.get("diagnostics", []) if d["severity"] in ("error", "warning")]


def _diff_text(step: Mapping[str, Any]) -> str:
    parts = []
    if step.get("keys"):
        parts.append(f"replace keys {step['keys']}")
    detailed = step.get("detailed_diff") or {}
    if detailed:
        parts.append(
            "diff " + ", ".join(f"{path} ({d['kind']})" for path, d in sorted(detailed.items()))
        )
    elif step.get("diffs"):
        parts.append(f"diffs {step['diffs']}")
    for path, values in (step.get("inputs") or {}).items():
        if isinstance(values, dict):
            parts.append(f"{path}: {_short(values['old'])} -> {_short(values['new'])}")
        else:
            parts.append(f"{path}: {values}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


class UpgradeStack:
    """The fleet program's stack in ``work``: one project, backend and home for all runs."""

    def __init__(self, work: Path, fleet_text: str, engine: Path) -> None:
        self.work = work
        self.project_dir = work / "project"
        self.project_dir.mkdir(parents=True)
        for name, text in PROGRAM.items():
            (self.project_dir / name).write_text(text)
        (self.project_dir / "fleet.yaml").write_text(fleet_text)
        (work / "backend").mkdir()
        (work / "home").mkdir()
        self.engine = engine
        self.runs: list[Run] = []

    def stack_env(self, interpreter: Interpreter) -> dict[str, str]:
        """What the engine, the program and the provider process of this stack see."""
        return {
            "PATH": os.pathsep.join(
                [str(self.engine), str(interpreter.python.parent), os.environ.get("PATH", "")]
            ),
            "PULUMI_BACKEND_URL": f"file://{self.work / 'backend'}",
            "PULUMI_HOME": str(self.work / "home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The dynamic provider (`python -m pulumi.dynamic`) runs the program's package.
            "PULUMI_PYTHON_CMD": str(interpreter.python),
            "PULUMI_GPU_POLL_SECONDS": POLL_SECONDS,
        }

    def run(
        self,
        op: str,
        interpreter: Interpreter,
        *,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        timeout: float = 480,
    ) -> Run:
        """One operation (or ``inspect``) with ``interpreter``; ``config``/``secrets`` are
        written to the stack's settings first (give them once, when the stack is made)."""
        request = {
            "op": op,
            "project_dir": str(self.project_dir),
            "stack": STACK,
            "pulumi_home": str(self.work / "home"),
            "engine_dir": str(self.engine),
            "env": self.stack_env(interpreter),
            "config": dict(config or {}),
            "secrets": dict(secrets or {}),
        }
        started = time.monotonic()
        proc = subprocess.run(
            [str(interpreter.python), str(DRIVER)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            cwd=self.work,
            env={**interpreter.environ(), **self.stack_env(interpreter)},
            timeout=timeout,
            check=False,
        )
        seconds = time.monotonic() - started
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(
                f"driver {op} with {interpreter.label} ({interpreter.python}) crashed "
                f"({proc.returncode}):\n{proc.stderr[-6000:]}"
            )
        run = Run(interpreter.label, op, json.loads(proc.stdout.strip().splitlines()[-1]), seconds)
        self.runs.append(run)
        return run

    def export(self, interpreter: Interpreter) -> dict[str, Any]:
        """`pulumi stack export --show-secrets` of the stack (secrets in plain text)."""
        proc = subprocess.run(
            [str(self.engine / "pulumi"), "stack", "export", "--show-secrets", "--stack", STACK],
            cwd=self.project_dir,
            env={**interpreter.environ(), **self.stack_env(interpreter)},
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(proc.stdout))

    def settings_text(self) -> str:
        path = self.project_dir / f"Pulumi.{STACK}.yaml"
        return path.read_text() if path.exists() else ""


def resources(deployment: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource name -> its state entry, custom resources only."""
    return {
        res["urn"].rsplit("::", 1)[-1]: res
        for res in deployment.get("deployment", {}).get("resources") or []
        if res.get("custom") and not _internal(res["type"])
    }


def state_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Resource name -> what differs between two exports of the stack, per ``inputs`` and
    ``outputs`` path (``{"old": ..., "new": ...}``; the pickled provider only as changed)."""
    old, new = resources(before), resources(after)
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for name in sorted(set(old) | set(new)):
        if name not in new or name not in old:
            found[name] = {"state": {"exists": {"old": name in old, "new": name in new}}}
            continue
        for part in ("inputs", "outputs"):
            changes = differing_paths(
                old[name].get(part) or {}, new[name].get(part) or {}, seen=revealed
            )
            if changes:
                found.setdefault(name, {})[part] = changes
        if old[name].get("id") != new[name].get("id"):
            found.setdefault(name, {})["id"] = {
                "old": old[name].get("id"),
                "new": new[name].get("id"),
            }
    return found


def pickled_providers(deployment: Mapping[str, Any]) -> dict[str, str]:
    """Resource name -> the base64 dill of its dynamic provider, as the state holds it."""
    found = {}
    for name, res in resources(deployment).items():
        value = revealed((res.get("outputs") or {}).get("__provider"))
        if isinstance(value, str):
            found[name] = value
    return found


def unpickle(interpreter: Interpreter, providers: Mapping[str, str]) -> dict[str, str]:
    """Resource name -> the class each pickled provider loads as under ``interpreter``
    (``module.Class [its attributes]``), or ``error: ...``, as the engine's provider
    process would load it."""
    script = (
        "import base64, json, sys, dill\n"
        "out = {}\n"
        "for name, blob in json.load(sys.stdin).items():\n"
        "    try:\n"
        "        obj = dill.loads(base64.b64decode(blob))\n"
        "        cls = type(obj).__module__ + '.' + type(obj).__qualname__\n"
        "        out[name] = f'{cls} {sorted(vars(obj))}'\n"
        "    except Exception as exc:\n"
        "        out[name] = f'error: {type(exc).__name__}: {exc}'\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [str(interpreter.python), "-c", script],
        input=json.dumps(dict(providers)),
        capture_output=True,
        text=True,
        env=interpreter.environ(),
        check=True,
    )
    return dict(json.loads(proc.stdout))


def provider_classes(providers: Mapping[str, str]) -> dict[str, str]:
    """Resource name -> ``module.Class`` named by the pickle itself (without loading it)."""
    import pickletools

    found = {}
    for name, blob in providers.items():
        strings = []
        for opcode, arg, _ in pickletools.genops(base64.b64decode(blob)):
            if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE") and arg:
                strings.append(str(arg))
            if opcode.name in ("STACK_GLOBAL", "GLOBAL") and len(strings) >= 2:
                found[name] = f"{strings[-2]}.{strings[-1]}"
                break
        else:
            found[name] = "?"
    return found


# -- the tally, summed over pytest-xdist workers -------------------------------------


@dataclass
class Outcome:
    """What the new code did to one release's stack."""

    kinds: list[str] = field(default_factory=list)
    replaced: int = 0
    updated: int = 0
    leftovers: int = 0
    failed: int = 0
    seconds: float = 0.0


@dataclass
class Tally:
    releases: dict[str, Outcome] = field(default_factory=dict)

    def rows(self) -> list[list[Any]]:
        return [
            [v, o.kinds, o.replaced, o.updated, o.leftovers, o.failed, o.seconds]
            for v, o in self.releases.items()
        ]

    def add_rows(self, rows: Iterable[list[Any]]) -> None:
        for version, kinds, replaced, updated, leftovers, failed, seconds in rows:
            self.releases[version] = Outcome(kinds, replaced, updated, leftovers, failed, seconds)

    def line(self) -> str:
        kinds = {k for o in self.releases.values() for k in o.kinds}
        total = Outcome(
            replaced=sum(o.replaced for o in self.releases.values()),
            updated=sum(o.updated for o in self.releases.values()),
            leftovers=sum(o.leftovers for o in self.releases.values()),
            failed=sum(o.failed for o in self.releases.values()),
        )
        line = (
            f"upgrade: {len(self.releases)} releases x {len(kinds)} kinds, "
            f"{total.replaced} replaced, {total.updated} updated, {total.leftovers} leftovers"
        )
        if total.failed:
            line += f", {total.failed} failed operations"
        return line


TALLY = Tally()
