"""Every kind through the same faults, end to end: the promises hold for all of them.

Each test declares one object of every kind (a fleet), inflicts one fault on all of them
at once, and judges by outside evidence: the emulator's objects (no duplicates, no
orphans), its request log and the stack export (no secrets). The suite prints
``conformance: K kinds x F faults, N runs, ...`` at the end (see conftest).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from pulumi import automation as auto

from pulumi_gpu.testing import OpResult
from tests.conformance.conftest import SPEED, new_emulator
from tests.conformance.harness import PRIVATE_KEY, Fleet, kill_engine
from tests.conformance.subjects import Subject, undescribed

pytestmark = pytest.mark.e2e

Make = Callable[..., Fleet]


def _statuses(run: Fleet, names: set[str]) -> set[str]:
    resources = run.stack.resources()
    return {resources[n]["outputs"]["status"] for n in names}


def test_every_kind_is_described() -> None:
    assert undescribed() == [], "give each new kind a subject in tests/conformance/subjects.py"


def _waits(subject: Subject) -> bool:
    return subject.waits


def _all_exist(fleet: Fleet, of: list[Subject]) -> Callable[[], bool]:
    return lambda: all(fleet.live(s) for s in of)


def test_lost_create_answer(fleet: Make) -> None:
    """Every create acts, and every answer to it is lost (also after retries)."""
    run = fleet("lost create answer")
    for s in run.subjects:
        method, path = s.create
        run.emulator.faults.add(
            cloud=s.cloud, method=method, path=path, status=500, after_action=True, times=-1
        )
    run.run("up")
    run.judge_all()
    run.emulator.faults.clear()
    run.run("destroy")
    run.judge_all(expect=lambda _: 0)
    run.scan_secrets()


def test_server_error_before_acting(fleet: Make) -> None:
    """One 5xx to each create, with nothing made: look, then create again."""
    run = fleet("5xx before acting")
    for s in run.subjects:
        method, path = s.create
        run.emulator.faults.add(cloud=s.cloud, method=method, path=path, status=503)
    run.run("up")
    run.judge_all()
    refused = Counter((s.cloud, *s.create) for s in run.subjects)
    made = Counter((s.cloud, *c) for s in run.subjects for c in (s.create, *s.also_creates))
    for (cloud, method, path), count in made.items():
        sent = len(run.emulator.requests.find(cloud, method, path))
        assert sent == count + refused[(cloud, method, path)], f"{cloud} {method} {path}: {sent}"
    run.scan_secrets()


def test_rate_limit_storm(fleet: Make) -> None:
    """Every cloud answers 429 (with Retry-After) to its next requests."""
    run = fleet("429 storm")
    for cloud in {s.cloud for s in run.subjects}:
        run.emulator.faults.add(cloud=cloud, status=429, retry_after=1, times=4)
    run.run("up")
    run.judge_all()
    run.scan_secrets()


def test_failure_during_the_wait(fleet: Make) -> None:
    """Each new object fails while pulumi waits for it: nothing may be left billing."""
    run = fleet("failure during the wait", only=_waits)
    for s in run.subjects:
        cloud = run.emulator.clouds[s.cloud]
        for _ in range(s.tries):
            cloud.fail_next(s.objects, f"conformance: {s.name} broke")
        for objects in s.waits_for_also:  # whichever takes which, every subject fails
            cloud.fail_next(objects, f"conformance: {s.name} broke")
    # The engine starts no new step once one has failed, and a subject's step starts only
    # when its check is done (which may ask its cloud for offers or a catalog): emulated
    # time stands still, so that nothing fails, until every subject's create is under way.
    started: set[str] = set()

    def seen(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            started.add(event.resource_pre_event.metadata.urn.rsplit("::", 1)[-1])

    run.emulator.clock.set_speed(1e-9)
    results: list[OpResult] = []
    thread = threading.Thread(
        target=lambda: results.append(run.run("up", expect_failure=True, on_event=seen))
    )
    thread.start()
    deadline = time.monotonic() + 120
    while not {s.name for s in run.subjects} <= started:
        assert time.monotonic() < deadline and thread.is_alive(), f"started only {started}"
        time.sleep(0.05)
    run.emulator.clock.set_speed(SPEED)
    thread.join(timeout=600)
    (result,) = results
    assert set(result.failed_resources) == {s.name for s in run.subjects}, result.text()
    for s in run.subjects:
        assert not s.says_why or f"conformance: {s.name} broke" in result.text(), s.kind.title
    assert "Traceback" not in result.text()
    run.judge_all(expect=lambda _: 0)
    assert run.held() == {}
    run.scan_secrets()


def test_killed_mid_wait_then_up(fleet: Make) -> None:
    """`pulumi` and its plugins killed (SIGKILL) while objects boot; `cancel`, `up`
    again: every object is adopted, none rented twice; `destroy` leaves nothing."""
    run = fleet("killed mid-wait, then cancel + up")
    run.emulator.clock.set_speed(1)
    run.up_killed(once=_all_exist(run, [s for s in run.subjects if s.waits]), plugins=True)
    run.emulator.clock.set_speed(120)
    run.cancel()
    run.run("up")
    run.judge_all()
    run.run("destroy")
    run.judge_all(expect=lambda _: 0)
    run.scan_secrets()


def test_engine_killed_then_destroy(fleet: Make) -> None:
    """`pulumi` killed while objects boot, its provider left running: the provider
    deletes what it can no longer record; `cancel` + `destroy` leave nothing."""
    run = fleet("engine killed mid-wait, then destroy")
    waiting = [s for s in run.subjects if s.waits]
    run.emulator.clock.set_speed(1)
    run.up_killed(once=_all_exist(run, waiting), plugins=False)
    run.emulator.clock.set_speed(120)
    recorded = set(run.held().values())  # what the engine wrote before it died stays held
    try:
        deadline = time.monotonic() + 90
        while any(set(run.live(s)) - recorded for s in waiting) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        kill_engine(run.stack, plugins=True)  # the orphaned provider process
    run.cancel()
    run.run("destroy")
    run.judge_all(expect=lambda _: 0)
    run.scan_secrets()


def test_deleted_outside_then_refresh_and_up(fleet: Make) -> None:
    run = fleet("out-of-band delete, then refresh + up")
    run.run("up")
    before = run.held()
    for s in run.subjects:
        run.emulator.clouds[s.cloud].vanish(s.objects, before[s.name])
    run.run("refresh")
    records = {s.name for s in run.subjects if s.record}
    assert set(run.held()) == records, "refresh drops what its account no longer has"
    assert _statuses(run, records) == {"cancelled"}, "a job's run is kept as its record"
    ops = run.run("up").ops()
    assert not set(ops) & records, "up does not run a job again"
    run.judge_all(expect=lambda s: 0 if s.record else 1)
    run.scan_secrets()


def test_stopped_outside_then_refresh_and_up(fleet: Make) -> None:
    run = fleet("out-of-band stop, then refresh + up", only=lambda s: s.stops)
    run.run("up")
    for s in run.subjects:
        run.emulator.clouds[s.cloud].stop(s.objects, run.held()[s.name])
    run.run("refresh")
    states = {n: r["outputs"]["status"] for n, r in run.stack.resources().items()}
    assert set(states.values()) == {"stopped"}, states
    ops = run.run("up").ops()
    assert set(ops.values()) <= {"update", "replace"} and len(ops) == len(run.subjects), ops
    run.judge_all()
    assert {r["outputs"]["status"] for r in run.stack.resources().values()} == {"ready"}
    run.scan_secrets()


def test_failed_outside_then_refresh_and_up(fleet: Make) -> None:
    run = fleet("out-of-band failure, then refresh + up", only=lambda s: s.fails)
    run.run("up")
    broken = run.held()
    for s in run.subjects:
        run.emulator.clouds[s.cloud].fail(s.objects, broken[s.name], "conformance: broke later")
    run.run("refresh")
    states = {n: r["outputs"]["status"] for n, r in run.stack.resources().items()}
    assert set(states.values()) == {"failed"}, states
    records = {s.name for s in run.subjects if s.record}
    repaired = {n for n in broken if n not in records}
    assert run.run("up").ops() == dict.fromkeys(repaired, "replace"), "a failed run is a record"
    run.judge_all(expect=lambda s: 0 if s.record else 1)
    assert all(run.held()[n] != broken[n] for n in repaired)
    assert all(run.held()[n] == broken[n] for n in records)
    run.scan_secrets()


def test_refresh_with_another_accounts_key(fleet: Make) -> None:
    """Every object looks missing to another account: refresh must not forget them.
    (`--run-program`: the providers take the keys now configured, not those recorded.)"""
    run = fleet("refresh with another account's key")
    run.run("up")
    held = run.held()
    for key, value in run.emulator.other_account().items():
        run.stack.set_config(key, value, secret=True)
    result = run.run("refresh", expect_failure=True, run_program=True)
    assert "Traceback" not in result.text()
    assert run.held() == held, "the state keeps every resource"
    for key, value in run.secrets.items():
        run.stack.set_config(key, value, secret=True)
    run.run("refresh", run_program=True)
    run.judge_all()
    run.scan_secrets()


def test_emulator_restarted_mid_wait(fleet: Make) -> None:
    """The clouds forget everything while pulumi waits: each wait ends promptly."""
    run = fleet("cloud restarted mid-wait", only=_waits)
    run.emulator.clock.set_speed(1)
    results: list[OpResult] = []
    thread = threading.Thread(target=lambda: results.append(run.run("up", expect_failure=True)))
    thread.start()
    deadline = time.monotonic() + 60
    while not all(run.live(s) for s in run.subjects) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)  # let every wait see its object once
    run.server.restart(new_emulator())
    restarted = time.monotonic()
    thread.join(timeout=300)
    took = time.monotonic() - restarted
    assert results, "the update did not end"
    assert took < 30, f"the waits took {took:.0f} s to notice"
    assert results[0].text().count("no longer exists") >= len(run.subjects)
    run.judge_all(expect=lambda _: 0)
    run.scan_secrets()


def test_bad_input_is_refused_at_preview(fleet: Make) -> None:
    """Every entry has a bad input: each is refused at preview, naming it, before any
    write (through the plugin, one preview each: the engine stops at a failed check)."""
    run = fleet("bad input at preview")
    changes = {s.name: {"bogus_input": 1} for s in run.subjects}
    for s in run.subjects:
        if "ssh_public_keys" in s.entry:
            changes[s.name]["ssh_public_keys"] = [PRIVATE_KEY]
        if "public_key" in s.entry:
            changes[s.name]["public_key"] = PRIVATE_KEY
    left = list(run.subjects)
    while left:
        run.stack.write_file(
            "fleet.yaml", run.fleet_file(**{s.name: changes[s.name] for s in left})
        )
        text = run.run("preview", expect_failure=True).text()
        assert "Traceback" not in text
        refused = [s for s in left if run.door.says(s, "bogus_input") in text]
        assert refused == left or (refused and not run.door.refuses_at_once), (
            f"not refused naming bogus_input: {[s.kind.title for s in left if s not in refused]}"
            f"\n{text}"
        )
        left = [s for s in left if s not in refused]
    writes = [r for r in run.emulator.requests.find() if r.method != "GET"]
    assert writes == [], "nothing may reach a cloud"
    run.judge_all(expect=lambda _: 0)
    run.scan_secrets()
