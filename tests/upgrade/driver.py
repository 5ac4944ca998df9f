"""One operation of the fleet program, with whatever pulumi_gpu this interpreter imports.

Run as a script by the upgrade suite, with a release's interpreter or the checkout's:

    python driver.py < request.json > summary.json

It imports only the Pulumi SDK and the package under test (never the tests), so the
same file drives every release. The request (JSON on stdin):

- ``op``: ``preview``, ``up``, ``refresh``, ``destroy``, or ``inspect`` (the fleet
  layer's kinds, and the kinds of the fleet file's entries, without running anything);
- ``project_dir`` (holding ``Pulumi.yaml``, ``__main__.py`` and ``fleet.yaml``),
  ``stack``, ``pulumi_home``, ``engine_dir`` and ``env`` (the stack's environment:
  backend URL, passphrase, ...);
- ``config`` and ``secrets``: settings written to the stack before the operation
  (given once, when the stack is made; later runs read its settings file as it is).

It prints one JSON object on stdout: the package it ran (``package``), per resource
name the steps the engine announced with their diffs (``steps``), what the engine
reported after each step (``outputs``), the diagnostics, the resources whose step
failed, the engine's summary and the error text, if the operation failed.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def _package() -> dict[str, str]:
    """Which package this run is: where it was imported from, with which SDK."""
    from importlib.metadata import version

    import pulumi_gpu

    return {
        "file": pulumi_gpu.__file__ or "",
        "version": getattr(pulumi_gpu, "__version__", "?"),
        "python": sys.executable,
        "pulumi_sdk": version("pulumi"),
    }


def inspect(request: dict[str, Any]) -> dict[str, Any]:
    """The kinds of this release's fleet layer and those the fleet file declares."""
    from pulumi_gpu.fleet.kinds import KINDS
    from pulumi_gpu.fleet.model import load_fleet

    fleet = load_fleet(Path(request["project_dir"]) / "fleet.yaml")
    return {
        "package": _package(),
        "kinds": sorted({f"{k.cloud} {k.section}" for k in KINDS}),
        "entries": {e.name: f"{e.kind.cloud} {e.kind.section}" for e in fleet.entries},
        "settings": _settings(),
    }


def _settings() -> list[str]:
    """The stack-config keys this package reads (its ``Setting`` objects)."""
    import importlib
    import pkgutil

    import pulumi_gpu
    from pulumi_gpu.core.config import NAMESPACE, Setting

    keys = set()
    for module in pkgutil.walk_packages(pulumi_gpu.__path__, "pulumi_gpu."):
        if module.name.split(".")[1] in ("emulator", "testing", "demo"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Setting):
                keys.add(f"{NAMESPACE}:{value.key}")
    return sorted(keys)


def _plain(value: Any) -> Any:
    """A JSON-able copy of an event's values (secrets stay as the engine shows them)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


CHANGES = ("create", "update", "replace", "create-replacement", "delete-replaced", "delete")


def _step(meta: Any) -> dict[str, Any]:
    """What the engine said about one step: its kind and, for a change, what changed.

    Dynamic providers never send the engine which properties differ (the SDK's Diff
    answers changes and replaces only), so ``diffs`` and ``detailed_diff`` stay empty
    for them; ``inputs`` is computed here from the step's old and new inputs instead.
    """
    step: dict[str, Any] = {
        "type": meta.type,
        "op": str(getattr(meta.op, "value", meta.op)),
        "diffs": list(meta.diffs or ()),
        "keys": list(meta.keys or ()),
        "detailed_diff": {
            path: {
                "kind": str(getattr(d.diff_kind, "value", d.diff_kind)),
                "input": bool(d.input_diff),
            }
            for path, d in (meta.detailed_diff or {}).items()
        },
    }
    if step["op"] in CHANGES and meta.old is not None and meta.new is not None:
        step["inputs"] = differing_paths(
            _plain(meta.old.inputs or {}), _plain(meta.new.inputs or {})
        )
    return step


def differing_paths(
    old: Any, new: Any, prefix: str = "", seen: Callable[[Any], Any] = lambda value: value
) -> dict[str, Any]:
    """Path -> {"old", "new"} for every leaf that differs (``__provider``: only whether);
    ``seen`` turns a value into what is compared (the harness reveals exported secrets)."""
    if prefix == "__provider":
        return {} if old == new else {prefix: "(changed)"}
    old, new = seen(old), seen(new)
    if isinstance(old, dict) and isinstance(new, dict):
        found: dict[str, Any] = {}
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in old:
                found[path] = {"old": "(absent)", "new": new[key]}
            elif key not in new:
                found[path] = {"old": old[key], "new": "(absent)"}
            else:
                found.update(differing_paths(old[key], new[key], path, seen))
        return found
    return {} if old == new else {prefix: {"old": old, "new": new}}


class _Recorder:
    def __init__(self) -> None:
        self.steps: dict[str, list[dict[str, Any]]] = {}
        self.outputs: dict[str, list[dict[str, Any]]] = {}
        self.diagnostics: list[dict[str, str]] = []
        self.failed: list[str] = []
        self.summary: dict[str, int] = {}

    def __call__(self, event: Any) -> None:
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            self.steps.setdefault(_name(meta.urn), []).append(_step(meta))
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            self.outputs.setdefault(_name(meta.urn), []).append(_step(meta))
        elif event.diagnostic_event is not None:
            diag = event.diagnostic_event
            if diag.severity != "debug":
                self.diagnostics.append(
                    {
                        "severity": diag.severity,
                        "resource": _name(diag.urn) if diag.urn else "",
                        "message": diag.message,
                    }
                )
        elif event.res_op_failed_event is not None:
            self.failed.append(_name(event.res_op_failed_event.metadata.urn))
        elif event.summary_event is not None:
            self.summary = {
                str(getattr(k, "value", k)): v
                for k, v in event.summary_event.resource_changes.items()
            }


def _program(project_dir: Path) -> Any:
    """The project's __main__.py, run as Pulumi's language host would: in its directory."""

    def run() -> None:
        previous = os.getcwd()
        sys.path.insert(0, str(project_dir))
        os.chdir(project_dir)
        try:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        finally:
            os.chdir(previous)
            sys.path.remove(str(project_dir))

    return run


def operate(request: dict[str, Any]) -> dict[str, Any]:
    from pulumi import automation as auto
    from pulumi.automation._stack import StackInitMode

    class EventsOnlyStack(auto.Stack):
        """Skips the outputs and history reads the Automation API makes after an update
        (the events say all this driver reports)."""

        def outputs(self) -> Any:
            return {}

        def info(self, show_secrets: bool = True) -> Any:
            now = datetime.now(timezone.utc)
            return auto.UpdateSummary("update", now, "", {}, {}, "succeeded", now)

    project_dir = Path(request["project_dir"])
    env = dict(request["env"])
    workspace = auto.LocalWorkspace(
        work_dir=str(project_dir),
        program=_program(project_dir),
        pulumi_home=request["pulumi_home"],
        env_vars=env,
        pulumi_command=auto.PulumiCommand(root=str(Path(request["engine_dir"]).parent)),
    )
    stack = EventsOnlyStack(request["stack"], workspace, StackInitMode.CREATE_OR_SELECT)
    values = {k: auto.ConfigValue(v) for k, v in request.get("config", {}).items()}
    values.update({k: auto.ConfigValue(v, True) for k, v in request.get("secrets", {}).items()})
    if values:
        stack.set_all_config(values)

    recorder = _Recorder()
    op = request["op"]
    result: dict[str, Any] = {"op": op, "package": _package(), "error": None}
    try:
        getattr(stack, op)(on_event=recorder, color="never")
    except auto.CommandError as exc:
        result["error"] = str(exc)[-6000:]
    result.update(
        steps=recorder.steps,
        outputs=recorder.outputs,
        diagnostics=recorder.diagnostics,
        failed=recorder.failed,
        summary=recorder.summary,
    )
    return result


def main() -> None:
    request = json.load(sys.stdin)
    out = sys.stdout
    sys.stdout = sys.stderr  # whatever the program prints stays out of the summary
    os.environ.update(request.get("env", {}))
    summary = inspect(request) if request["op"] == "inspect" else operate(request)
    out.write(json.dumps(summary, sort_keys=True) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
