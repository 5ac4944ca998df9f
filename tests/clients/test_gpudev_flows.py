"""GPU Dev providers against the emulated API, called as the engine calls them (without
the engine): queue reporting, failures, cleanup, extension, and the disk rules, at
emulator speed 600."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_gpu.core import config
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import GpuCloudError, ResourceFailed, WaitTimeout
from pulumi_gpu.core.inputs import PROVIDER_KEY
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.gpudev.backend import GpuDevBackend
from pulumi_gpu.gpudev.client import gpudev_client
from pulumi_gpu.gpudev.disk import DiskProvider
from pulumi_gpu.gpudev.job import JobProvider

USER = "emulator-user"


@pytest.fixture(scope="module")
def served() -> Iterator[EmulatorServer]:
    with EmulatorServer(Emulator(speed=600)) as server:
        yield server


@pytest.fixture
def emu(served: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    emulator = served.emulator
    emulator.reset()
    settings, secrets = emulator.stack_config(served.url())
    monkeypatch.setattr(config, "_stack_config", None)
    use_stack_config({**settings, **secrets, "pulumi-gpu:pollSeconds": "0.05"})
    return emulator


def backend(emu: Emulator) -> GpuDevBackend:
    return emu.gpudev


def job(**inputs: Any) -> dict[str, Any]:
    return {"name": "dev", "gpu_type": "a100", **inputs, PROVIDER_KEY: "p"}


def create_job(**inputs: Any) -> tuple[str, dict[str, Any]]:
    result = JobProvider().create(job(**inputs))
    return result.id, result.outs


def create_disk(name: str, **inputs: Any) -> tuple[str, dict[str, Any]]:
    result = DiskProvider().create({"name": name, **inputs, PROVIDER_KEY: "p"})
    return result.id, result.outs


def block_all_a100(emu: Emulator) -> str:
    other = backend(emu).users["other-user"]
    body = {"instance_type": "p4d", "env_vars": {"GPU_TYPE": "a100", "GPU_COUNT": "16"}}
    job_id = str(backend(emu).submit(other, body)["job_id"])
    emu.clock.advance(10)
    return job_id


def cancel_when_queued(emu: Emulator, blocker: str) -> threading.Thread:
    def run() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not backend(emu).find_jobs(USER, "queued"):
            time.sleep(0.02)
        time.sleep(0.3)
        backend(emu).cancel_now(blocker)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_queue_position_is_reported(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    watcher = cancel_when_queued(emu, block_all_a100(emu))
    job_id, outputs = create_job(gpu_count=8)
    watcher.join()
    assert outputs["cloud_status"] == "active" and outputs["ssh_command"]
    assert backend(emu).job(job_id).history == ["pending", "queued", "preparing", "active"]
    assert "queued (position 1)" in capsys.readouterr().err


def test_strict_answers_report_capacity_instead(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    backend(emu).settings.strict_job_detail = True
    watcher = cancel_when_queued(emu, block_all_a100(emu))
    create_job(gpu_count=8)
    watcher.join()
    assert "queued (0 of 16 a100 GPUs free, 8 queued)" in capsys.readouterr().err


def test_failure_reason_or_its_absence(emu: Emulator) -> None:
    backend(emu).fail_next_jobs.append("Pod failed to start: CrashLoopBackOff")
    with pytest.raises(ResourceFailed, match="CrashLoopBackOff"):
        create_job()
    backend(emu).settings.strict_job_detail = True
    backend(emu).fail_next_jobs.append("hidden")
    with pytest.raises(ResourceFailed, match="does not say why"):
        create_job(name="dev-2")
    assert emu.leftovers()["gpudev"]["jobs"] == []


def test_timeout_cancels_the_job_it_waited_for(emu: Emulator) -> None:
    backend(emu).timings.prepare = 3600
    with pytest.raises(WaitTimeout, match="was deleted"):
        create_job(wait_timeout=0.5)
    (job,) = backend(emu).find_jobs(USER)
    assert job.status == "cancelled"


def test_extension_is_idempotent_and_reflected(emu: Emulator) -> None:
    provider = JobProvider()
    job_id, state = create_job(duration_hours=2)
    first = provider.update(job_id, state, job(duration_hours=5)).outs
    again = provider.update(job_id, state, job(duration_hours=5)).outs
    assert first["expires_at"] == again["expires_at"], "a repeated update extends once"
    launched = backend(emu).job(job_id).launched_at
    assert backend(emu).job(job_id).expires_at == pytest.approx(launched + 5 * 3600)
    read = provider.read(job_id, first).outs
    assert (read["duration_hours"], read["reserved_hours"]) == (5, 5)


def test_an_extension_made_elsewhere_is_kept(emu: Emulator) -> None:
    provider = JobProvider()
    job_id, state = create_job(duration_hours=2)
    gpudev_client().extend_job(job_id, 3)  # as `gpu-dev extend` would
    emu.clock.advance(30)
    read = provider.read(job_id, state).outs
    assert (read["duration_hours"], read["reserved_hours"]) == (2, 5)
    diff = provider.diff(job_id, read, job(duration_hours=2))
    assert not diff.changes, "the next up must not cancel an extended job"


def test_extension_that_fails_the_job_is_reported(emu: Emulator) -> None:
    job_id, state = create_job()
    backend(emu).settings.extend_version_gate_bug = True
    with pytest.raises(ResourceFailed, match="the job is failed"):
        JobProvider().update(job_id, state, job(duration_hours=3))
    with pytest.raises(GpuCloudError, match="Change run_id to queue a new job"):
        JobProvider().update(job_id, state, job(jupyter=True))
    read = JobProvider().read(job_id, state)
    assert read.outs["status"] == "failed" and read.outs["released"], "kept as a record"
    assert not JobProvider().diff(job_id, read.outs, job()).changes, "up does not rerun it"
    assert JobProvider().diff(job_id, read.outs, job(run_id="2")).replaces == ["run_id"]


def test_delete_cancels_and_tolerates_gone_jobs(emu: Emulator) -> None:
    provider = JobProvider()
    job_id, state = create_job()
    provider.delete(job_id, state)
    assert backend(emu).job(job_id).status == "cancelled"
    provider.delete(job_id, state)  # already over: nothing to do
    provider.delete("00000000-0000-0000-0000-000000000000", state)
    cancels = emu.requests.find("gpudev", "POST", "/v1/jobs/*/cancel")
    assert len(cancels) == 1


def test_disk_create_adopts_after_a_lost_answer(emu: Emulator) -> None:
    emu.faults.add(cloud="gpudev", method="POST", path="/v1/disks", after_action=True, drop=True)
    name, outputs = create_disk("data", size_gb=50)
    assert name == "data" and outputs["recorded_size_gb"] == 50
    assert len(emu.requests.find("gpudev", "POST", "/v1/disks")) == 1, "never created twice"


def test_disk_rename_and_delete_rules(emu: Emulator) -> None:
    provider = DiskProvider()
    create_disk("a")
    _, state = create_disk("b")

    def disk(name: str) -> dict[str, Any]:
        return {"name": name, PROVIDER_KEY: "p"}

    with pytest.raises(GpuCloudError, match="you already have a disk named a"):
        provider.update("b", state, disk("a"))
    job_id, job_state = create_job(disk_name="b")
    with pytest.raises(GpuCloudError, match=f"while job {job_id} uses it"):
        provider.update("b", state, disk("c"))
    with pytest.raises(GpuCloudError, match="cannot be deleted while job"):
        provider.delete("b", state)
    JobProvider().delete(job_id, job_state)
    renamed = provider.update("b", state, disk("c")).outs
    assert renamed["in_use"] is False and renamed["snapshot_count"] == 1
    assert provider.read("b", renamed).outs["name"] == "c"
    provider.delete("b", renamed)
    assert provider.read("b", renamed).id is None, "a soft-deleted disk is gone"
    provider.delete("b", renamed)  # already gone
    assert backend(emu).disk(USER, "c").is_deleted
