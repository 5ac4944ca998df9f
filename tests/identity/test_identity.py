"""pulumi-gpu touches only what it made: every kind, end to end, in the situations where a
name alone would point at another resource's object.

Each test is one situation; the suite prints
``identity: K kinds x S situations, N runs, 0 foreign objects touched, 0 stale
adoptions, 0 secrets seen`` at the end (see the root conftest), and any nonzero count
fails the test that found it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from pulumi_gpu.core.lifecycle import CLEAR_PENDING
from pulumi_gpu.core.stack_identity import IDENTITY_NAME, IDENTITY_TYPE
from pulumi_gpu.emulator import EmulatorServer
from pulumi_gpu.testing import ProgramStack
from tests.conformance.harness import Fleet
from tests.conformance.subjects import SECRET_TOKEN, SSH_KEY, TOKEN, Subject, subjects
from tests.identity.harness import (
    EDITS,
    TALLY,
    count_secrets,
    count_touched,
    objects,
    touched,
)

pytestmark = pytest.mark.e2e

Make = Callable[..., Fleet]
PROGRAMS = Path(__file__).parent / "programs"


def _named(subject: Subject) -> bool:
    return "name" in subject.kind.inputs.model_fields


def _waits(subject: Subject) -> bool:
    return subject.waits


def _urn(fleet: Fleet, subject: Subject, name: str) -> str:
    type_token = f"pulumi-python:{subject.kind.resource._resource_type_name}"
    return f"urn:pulumi:test::gpu-fleet::{type_token}::{name}"


IDENTITY_URN = f"urn:pulumi:test::gpu-fleet::{IDENTITY_TYPE}::{IDENTITY_NAME}"


def test_two_stacks_of_one_name_on_two_backends_share_an_account(fleet: Make) -> None:
    """Two laptops, one project and stack name, one account: each stack makes and deletes
    its own objects, and never adopts the other's."""
    situation = "same-named stacks on two backends"
    first = fleet(situation)
    first.run("up")
    first.judge_all()
    before = objects(first)
    mark = len(first.emulator.requests.find())

    second = fleet(situation)
    second.run("up")
    assert {s.name for s in second.subjects} == set(second.held())
    assert not set(_held_by_name(second.stack).values()) & set(_held_by_name(first.stack).values())
    second.run("destroy")
    found = touched(first.emulator, before, objects(first), mark)
    count_touched(situation, first, found, first.subjects)
    assert found == {}, f"the second stack touched the first's objects: {found}"

    first.run("refresh")
    assert set(first.held()) == {s.name for s in first.subjects}
    first.run("destroy")
    first.judge_all(expect=lambda _: 0)
    seen = count_secrets(situation, first) + count_secrets(situation, second)
    assert seen == []


def test_an_explicit_name_another_stack_holds_is_refused(fleet: Make) -> None:
    situation = "explicit name reused by another stack"
    names = {s.name: {"name": f"shared-{s.name}"} for s in fleet(situation, only=_named).subjects}
    first = fleet(situation, only=_named)
    first.stack.write_file("fleet.yaml", first.fleet_file(**names))
    first.run("up")
    before = objects(first)
    mark = len(first.emulator.requests.find())

    second = fleet(situation, only=_named)
    second.stack.write_file("fleet.yaml", second.fleet_file(**names))
    result = second.run("up", expect_failure=True, continue_on_error=True)
    text = result.text()
    assert set(result.failed_resources) == {s.name for s in second.subjects}, text
    for subject in second.subjects:
        assert re.search(rf"shared-{subject.name}.*(cannot prove it made|mark of another)", text)
    assert second.held() == {}, "the second stack holds nothing"
    found = touched(first.emulator, before, objects(first), mark)
    count_touched(situation, first, found, first.subjects)
    assert found == {}

    first.run("destroy")
    first.judge_all(expect=lambda _: 0)
    assert count_secrets(situation, first) + count_secrets(situation, second) == []


def test_siblings_whose_names_collide_when_shortened_stay_apart(
    fresh_server: EmulatorServer, program_stack: Callable[..., ProgramStack], tmp_path: Path
) -> None:
    """Two resources per kind whose names lose their non-ASCII letters and are cut at the
    same place: each gets its own object; `--target` one never reaches the other's."""
    situation = "siblings whose names collide when shortened"
    chosen = [s for s in subjects() if _named(s)]
    run = Fleet(program_stack, fresh_server, chosen, situation, work=tmp_path)
    long_tail = "x" * 36
    sections: dict[str, dict[str, Any]] = {}
    renames: dict[str, str] = {}
    for subject in chosen:
        entry = yaml.safe_load(run.fleet_file())[subject.kind.section][subject.name]
        for n, word in ((1, "训练"), (2, "推理")):
            entry_name = f"{subject.name}-{long_tail}-{n}"
            sections.setdefault(subject.kind.section, {})[entry_name] = entry
            renames[entry_name] = f"{word}-{subject.name}-{long_tail}-{n}"
    stack = program_stack(PROGRAMS / "renamed", config=run.settings, secrets=run.secrets)
    stack.set_config("renames", json.dumps(renames, ensure_ascii=False))
    stack.write_file("fleet.yaml", yaml.safe_dump(sections, sort_keys=False))
    run.stack = stack

    firsts = [_urn(run, s, renames[f"{s.name}-{long_tail}-1"]) for s in chosen]
    run.run("up", target=[IDENTITY_URN, *firsts])
    held = _held_by_name(stack)
    assert len(held) == len(chosen), "only the targeted siblings were made"
    run.run("up")
    held = _held_by_name(stack)
    assert len(held) == 2 * len(chosen) and len(set(held.values())) == 2 * len(chosen)
    for subject in chosen:
        live = set(run.live(subject))
        pair = [held[renames[f"{subject.name}-{long_tail}-{n}"]] for n in (1, 2)]
        assert pair[0] != pair[1] and set(map(subject.emulator_id, pair)) <= live, subject.name

    seconds = {s.name: s.emulator_id(held[renames[f"{s.name}-{long_tail}-2"]]) for s in chosen}
    mark = len(run.emulator.requests.find())
    run.run("destroy", target=firsts)
    after = {s.name: set(run.live(s)) for s in chosen}
    found = touched(run.emulator, {n: {i} for n, i in seconds.items()}, after, mark)
    count_touched(situation, run, found, chosen)
    assert found == {}, f"destroy --target reached the other sibling: {found}"
    run.run("destroy")
    for subject in chosen:
        assert run.live(subject) == [], subject.name
    assert count_secrets(situation, run) == []


def _held_by_name(stack: ProgramStack) -> dict[str, str]:
    return {n: r["id"] for n, r in stack.resources().items() if r.get("id")}


def test_a_killed_run_then_a_replacing_edit_makes_the_object_anew(fleet: Make) -> None:
    """`up` killed while objects boot, inputs edited, `cancel` + `up`: an object of the
    killed run that the edit would replace is deleted and made anew, never adopted as it
    is (which would record the new inputs on the old object)."""
    situation = "killed run, then a replacing edit"
    run = fleet(situation)
    run.emulator.clock.set_speed(1)
    waiting = [s for s in run.subjects if s.waits]
    run.up_killed(once=lambda: all(run.live(s) for s in waiting), plugins=True)
    left = objects(run)
    run.emulator.clock.set_speed(120)
    run.stack.write_file(
        "fleet.yaml",
        run.fleet_file(**{s.name: EDITS[s.kind.title].changes for s in run.subjects}),
    )
    run.cancel()
    result = run.run("up")
    run.judge_all()
    held = run.held()
    stale = [
        s.name
        for s in run.subjects
        if EDITS[s.kind.title].replaces and held[s.name] in left.get(s.name, set())
    ]
    for subject in run.subjects:
        TALLY.outcome(situation, subject.kind.title).stale_adoptions += subject.name in stale
    assert stale == [], f"adopted as they were, though the edit replaces them: {stale}"
    assert f"`{CLEAR_PENDING}` clears it" in result.text(), "the way to clear them is said"
    assert run.stack.export()["deployment"].get("pending_operations")
    cleared = run.stack.cli(*CLEAR_PENDING.split()[1:], "--color", "never")
    run.transcript.append(cleared.stdout + cleared.stderr)
    assert not run.stack.export()["deployment"].get("pending_operations")
    preview = run.run("preview")
    assert "pending operations" not in preview.text(), "no run warns of them any more"
    assert preview.ops() == {}, "every object is what its inputs declare"
    run.run("destroy")
    run.judge_all(expect=lambda _: 0)
    assert count_secrets(situation, run) == []


def test_machines_of_one_name_are_each_counted_by_the_budget(
    fresh_server: EmulatorServer, program_stack: Callable[..., ProgramStack], tmp_path: Path
) -> None:
    """Six machines of six kinds, all named ``gpu``, are six lines of the budget: the last
    one breaks it (named alike, they counted as one before)."""
    situation = "same-named machines under a budget"
    settings, keys = fresh_server.emulator.stack_config(fresh_server.url())
    stack = program_stack(
        PROGRAMS / "budget",
        config={**settings, "celiumTemplate": _celium_template(fresh_server), "sshKey": SSH_KEY},
        secrets=keys,
    )
    runpod = _runpod_price(fresh_server, keys["pulumi-gpu:runpodApiKey"])
    before_last = 1.0 + 1.5 + 1.5 + 2 * runpod  # the program's order; the last costs 1.25
    stack.set_config("pulumi-gpu:maxCostPerHour", f"{before_last + 0.5:.2f}")
    writes = [r for r in fresh_server.emulator.requests.find() if r.method != "GET"]
    text = stack.preview(expect_failure=True).text()
    kinds = re.findall(r"^\s+gpu\s+\$\d+\.\d\d/h\s+(.+?):", text, re.MULTILINE)
    expected = ["pod", "celium Pod", "celium Job", "runpod Pod", "runpod Job", "primeintellect Pod"]
    assert kinds[: len(expected)] == expected, text
    stack.set_config("pulumi-gpu:maxCostPerHour", f"{before_last + 1.25:.2f}")
    made = [step for step in stack.preview().steps if step.name == "gpu" and step.op == "create"]
    assert len(made) == len(expected), "at their sum, they fit"
    titles = {"pod": "any Pod"}
    for kind in expected:
        TALLY.outcome(situation, titles.get(kind, kind))
    after = [r for r in fresh_server.emulator.requests.find() if r.method != "GET"]
    assert after == writes, "nothing reached a cloud"


def test_a_pipeline_pinned_to_one_celium_machine_runs_after_each_delete(
    fresh_server: EmulatorServer, program_stack: Callable[..., ProgramStack], tmp_path: Path
) -> None:
    """Each step releases the machine (its pod is deleted) before the next rents it, in
    one `up`: the process's claim on the machine ends with the object."""
    situation = "pinned Celium pipeline after a delete"
    emulator = fresh_server.emulator
    settings, keys = emulator.stack_config(fresh_server.url())
    executor = _executor(fresh_server, keys["pulumi-gpu:celiumApiKey"])
    stack = program_stack(
        PROGRAMS / "pipeline",
        config={
            **settings,
            "executor": executor,
            "celiumTemplate": _celium_template(fresh_server),
            "sshKey": SSH_KEY,
            "pulumi-gpu:pollSeconds": "0.2",
        },
        secrets=keys,
    )
    result = stack.up()
    assert result.ops() == {"prepare": "create", "train": "create", "serve": "create"}
    resources = stack.resources()
    assert resources["prepare"]["outputs"]["status"] == "succeeded"
    assert resources["train"]["outputs"]["status"] == "succeeded"
    assert resources["serve"]["outputs"]["rented_executor_id"] == executor
    for title in ("celium Job", "celium Pod"):
        TALLY.outcome(situation, title)
    stack.destroy()


def test_a_job_that_prints_its_secret_does_not_store_it(fleet: Make) -> None:
    situation = "a job printing a secret"
    run = fleet(situation, only=lambda s: s.record)
    printing = {"command": "echo token=$TOKEN; echo done", "wait": "finished"}
    changes = {
        s.name: {**printing, ("env_vars" if "env_vars" in s.entry else "env"): {"TOKEN": TOKEN}}
        for s in run.subjects
    }
    run.stack.write_file("fleet.yaml", run.fleet_file(**changes))
    run.run("up")
    run.run("refresh")
    shown = run.stack.cli("stack", "export", "--show-secrets").stdout
    tails = {
        r["urn"].rsplit("::", 1)[-1]: (r.get("outputs") or {}).get("log_tail")
        for r in json.loads(shown)["deployment"]["resources"]
    }
    for subject in run.subjects:
        if subject.kind.cloud != "gpudev":  # GPU Dev's API serves no logs: no log_tail
            assert "token=[secret]" in str(tails.get(subject.name)), (subject.name, tails)
    assert SECRET_TOKEN not in str(tails), "even decrypted, the log tail hides it"
    outputs = run.stack.cli("stack", "output", "--json").stdout
    history = _backend_files(run.stack)
    seen = count_secrets(situation, run, [outputs, history])
    assert seen == []
    run.run("destroy")


def _backend_files(stack: ProgramStack) -> str:
    """Every file of the stack's backend: its checkpoints and history."""
    root = Path(stack.backend_url.removeprefix("file://"))
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


def _celium_template(server: EmulatorServer) -> str:
    key = server.emulator.stack_config(server.url())[1]["pulumi-gpu:celiumApiKey"]
    body = {"name": "identity-base", "docker_image": "pytorch/pytorch"}
    answer = httpx.post(server.url("celium") + "/templates", json=body, headers={"X-API-KEY": key})
    answer.raise_for_status()
    server.emulator.clock.advance(3600)
    return str(answer.json()["id"])


def _runpod_price(server: EmulatorServer, key: str) -> float:
    """What one RTX 4090 costs per hour on RunPod's secure cloud now."""
    url = server.url("runpod") + "/v2/catalog/gpus/NVIDIA GeForce RTX 4090"
    answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"})
    answer.raise_for_status()
    return float(answer.json()["price"]["secure"])


def _executor(server: EmulatorServer, key: str) -> str:
    answer = httpx.get(server.url("celium") + "/executors", headers={"X-API-KEY": key})
    answer.raise_for_status()
    return str(next(e["id"] for e in answer.json() if "4090" in e["machine_name"]))
