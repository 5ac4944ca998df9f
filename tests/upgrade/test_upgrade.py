"""Upgrading pulumi-gpu never replaces, updates or leaves behind what an unchanged program made.

For each release of ``releases.toml``: its package, built from this repository's history,
brings up a fleet of every kind its fleet layer knows (``fleets/<version>.yaml``) on the
emulator; then the checkout's code takes the same stack over with the same, unchanged
fleet file: ``preview`` (no step may create, update, replace or delete), ``refresh`` (no
input may move), ``up`` (nothing may change) and ``destroy`` (nothing may be left in
any cloud). The suite ends with ``upgrade: R releases x K kinds, N replaced, M updated,
L leftovers``; any nonzero count fails its release.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_gpu.core.stack_identity import IDENTITY_NAME, IDENTITY_TYPE
from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.upgrade.harness import (
    FLEETS,
    TALLY,
    Interpreter,
    Outcome,
    Run,
    UpgradeStack,
    changed_resources,
    pickled_providers,
    provider_classes,
    state_changes,
    unpickle,
)
from tests.upgrade.releases import Release, load_releases, release_env, repository_root

SECRET_VALUES = {
    # Values of the fleet files' secret inputs ({config: KEY}), set as their users set them.
    "hfToken": "hf_upgrade_secret_token",
    "jupyterPassword": "jupyter-upgrade-pass",
    "registryPassword": "registry-upgrade-pass",
}


def _fleet_secrets(fleet: Any) -> dict[str, str]:
    """The secret settings a fleet file reads (``{config: KEY}``), with their values."""
    if isinstance(fleet, dict):
        if set(fleet) == {"config"}:
            return {fleet["config"]: SECRET_VALUES[fleet["config"]]}
        return {k: v for value in fleet.values() for k, v in _fleet_secrets(value).items()}
    if isinstance(fleet, list):
        return {k: v for value in fleet for k, v in _fleet_secrets(value).items()}
    return {}


def _leftovers(
    before: dict[str, dict[str, list[str]]], after: dict[str, dict[str, list[str]]]
) -> dict[str, list[str]]:
    """'cloud table' -> ids that exist now and did not before the release's up."""
    found = {}
    for cloud, tables in after.items():
        for table, ids in tables.items():
            new = sorted(set(ids) - set(before.get(cloud, {}).get(table, [])))
            if new:
                found[f"{cloud} {table}"] = new
    return found


def _changes_text(changes: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The state's changes, a line per resource and path."""
    lines = []
    for name, parts in changes.items():
        for part, paths in parts.items():
            for path, values in paths.items():
                text = json.dumps(values, sort_keys=True, default=str)
                text = text if len(text) < 240 else text[:237] + "..."
                lines.append(f"    state {name} {part} {path}: {text}")
    return "\n".join(lines) or "    state unchanged"


def _resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    return list((state.get("deployment") or {}).get("resources") or [])


def _writes(emulator: Emulator, since: int) -> list[str]:
    """The requests since ``since`` that may change something in a cloud."""
    return [
        f"{r.cloud} {r.method} {r.path} -> {r.status}"
        for r in emulator.requests.records[since:]
        if r.method not in ("GET", "HEAD")
    ]


def _report_dir(tmp_path: Path) -> Path:
    given = os.environ.get("PULUMI_GPU_UPGRADE_REPORT")
    return Path(given) if given else tmp_path


@pytest.mark.e2e
@pytest.mark.parametrize("release", load_releases(), ids=lambda r: r.version)
def test_upgrade_keeps_the_fleet(
    release: Release,
    emulator: Emulator,
    emulator_server: EmulatorServer,
    pulumi_engine: Path,
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    root = repository_root()
    built = release_env(release, root)
    old = Interpreter.release(built)
    new = Interpreter.checkout(root)
    fleet_text = (FLEETS / f"{release.version}.yaml").read_text()
    fleet_secrets = _fleet_secrets(yaml.safe_load(fleet_text))
    stack = UpgradeStack(tmp_path / "work", fleet_text, pulumi_engine)
    outcome = TALLY.releases[release.version] = Outcome()
    record: dict[str, Any] = {
        "release": release.version,
        "commit": release.commit,
        "venv": {"path": str(built.venv), "seconds": built.seconds, "cached": built.cached},
    }

    # The release's own view: its package, every kind it knows, and the fleet covers them.
    info = stack.run("inspect", old).data
    record["inspect"] = info
    assert info["package"]["file"].startswith(str(built.venv)), info["package"]
    missing = sorted(set(info["kinds"]) - set(info["entries"].values()))
    assert not missing, f"fleets/{release.version}.yaml declares no {missing}"
    outcome.kinds = info["kinds"]

    settings, keys = emulator.stack_config(emulator_server.url())
    record["config_keys"] = sorted([*settings, *keys, *fleet_secrets])
    before = emulator.leftovers()
    made = stack.run("up", old, config=settings, secrets={**keys, **fleet_secrets})
    print(made.describe())
    new_runs: list[Run] = []
    try:
        assert made.ok, (
            f"release {release.version} could not bring its fleet up:\n{made.describe()}"
        )
        assert made.data["package"]["file"].startswith(str(built.venv)), made.data["package"]

        state = before_state = stack.export(new)
        providers = pickled_providers(state)
        record["state_changes"] = {}
        record["providers"] = {
            "pickled": provider_classes(providers),
            "unpickled_by_new": unpickle(new, providers),
        }
        for op in ("preview", "refresh", "up"):
            since = len(emulator.requests.records)
            new_runs.append(stack.run(op, new))
            new_runs[-1].data["cloud_writes"] = _writes(emulator, since)
            print(new_runs[-1].describe())
            if op != "preview":
                after = stack.export(new)
                changed = state_changes(state, after)
                record["state_changes"][op] = changed
                print(_changes_text(changed))
                state = after
    finally:
        destroy = stack.run("destroy", new)
        new_runs.append(destroy)
        print(destroy.describe())
        if not destroy.ok:  # leave the emulator clean for the next release all the same
            print(stack.run("destroy", old).describe())
        left = _leftovers(before, emulator.leftovers())
        record["runs"] = [
            {"by": r.label, "op": r.op, "seconds": r.seconds, **r.data} for r in [made, *new_runs]
        ]
        record["leftovers"] = left
        record["seconds"] = time.monotonic() - started
        outcome.seconds = record["seconds"]
        report = _report_dir(tmp_path) / f"upgrade-{release.version}.json"
        report.write_text(json.dumps(record, indent=1, sort_keys=True))
        print(f"upgrade {release.version}: record in {report}")

    for run in new_runs:
        assert run.data["package"]["file"].startswith(str(root)), run.data["package"]
    made_first = [
        name
        for name, steps in new_runs[0].data.get("steps", {}).items()
        if any(s["op"] == "create" for s in steps)
    ]
    had_identity = any(r.get("type") == IDENTITY_TYPE for r in _resources(before_state))
    assert made_first == ([] if had_identity else [IDENTITY_NAME]), (
        "the one thing an upgrade makes is the stack's identity, in the state alone"
    )
    replaced, updated = changed_resources(new_runs[:-1])  # deleting is what destroy is for
    failed = [r for r in new_runs if not r.ok]
    outcome.replaced = len(replaced)
    outcome.updated = len(updated)
    outcome.leftovers = sum(len(ids) for ids in left.values())
    outcome.failed = len(failed)
    print(
        f"upgrade {release.version}: {len(outcome.kinds)} kinds, {outcome.replaced} replaced "
        f"{replaced}, {outcome.updated} updated {updated}, {outcome.leftovers} leftovers "
        f"{left}, {len(failed)} failed operations {[r.op for r in failed]} "
        f"({outcome.seconds:.1f} s)"
    )
    transcript = "\n".join(r.describe() for r in new_runs)
    assert not failed, f"the new code failed on release {release.version}'s stack:\n{transcript}"
    assert not replaced and not updated, (
        f"the new code changes release {release.version}'s unchanged fleet:\n{transcript}"
    )
    assert not left, f"left in the clouds after destroy: {left}"
