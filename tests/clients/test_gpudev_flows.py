"""GPU Dev providers' lifecycle hooks against the emulated API, without the engine: queue
reporting, failures, cleanup, extension, and the disk rules, at emulator speed 600."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_gpu.core import config
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import GpuCloudError, ResourceFailed, WaitTimeout
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.emulator.gpudev.backend import GpuDevBackend
from pulumi_gpu.gpudev.disk import DiskInputs, DiskProvider
from pulumi_gpu.gpudev.job import JobInputs, JobProvider

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


def create_job(**inputs: Any) -> tuple[str, dict[str, Any]]:
    return JobProvider().create_resource(JobInputs(**{"gpu_type": "a100", **inputs}))


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
    assert outputs["status"] == "active" and outputs["ssh_command"]
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
        create_job()
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
    state = {**JobInputs(gpu_type="a100", duration_hours=2).model_dump(), **state}
    longer = JobInputs(gpu_type="a100", duration_hours=5)
    first = provider.update_resource(job_id, state, longer, {"duration_hours"})
    again = provider.update_resource(job_id, state, longer, {"duration_hours"})
    assert first["expires_at"] == again["expires_at"], "a repeated update extends once"
    launched = backend(emu).job(job_id).launched_at
    assert backend(emu).job(job_id).expires_at == pytest.approx(launched + 5 * 3600)
    read = provider.read_resource(job_id, {**state, **first})
    assert read is not None and read["duration_hours"] == 5


def test_extension_that_fails_the_job_is_reported(emu: Emulator) -> None:
    job_id, state = create_job()
    state = {**JobInputs(gpu_type="a100").model_dump(), **state}
    backend(emu).settings.extend_version_gate_bug = True
    with pytest.raises(ResourceFailed, match="the job is failed"):
        JobProvider().update_resource(
            job_id, state, JobInputs(gpu_type="a100", duration_hours=3), {"duration_hours"}
        )
    with pytest.raises(GpuCloudError, match="run `pulumi refresh`"):
        JobProvider().update_resource(
            job_id, state, JobInputs(gpu_type="a100", jupyter=True), {"jupyter"}
        )
    assert JobProvider().read_resource(job_id, state) is None, "a failed job is gone"


def test_delete_cancels_and_tolerates_gone_jobs(emu: Emulator) -> None:
    provider = JobProvider()
    job_id, state = create_job()
    provider.delete_resource(job_id, state)
    assert backend(emu).job(job_id).status == "cancelled"
    provider.delete_resource(job_id, state)  # already over: nothing to do
    provider.delete_resource("never-existed", state)
    cancels = emu.requests.find("gpudev", "POST", "/v1/jobs/*/cancel")
    assert len(cancels) == 1


def test_disk_create_adopts_after_a_lost_answer(emu: Emulator) -> None:
    emu.faults.add(cloud="gpudev", method="POST", path="/v1/disks", after_action=True, drop=True)
    name, outputs = DiskProvider().create_resource(DiskInputs(name="data", size_gb=50))
    assert name == "data" and outputs["recorded_size_gb"] == 50
    assert len(emu.requests.find("gpudev", "POST", "/v1/disks")) == 1, "never created twice"
    with pytest.raises(GpuCloudError, match="you already have a disk named data"):
        DiskProvider().create_resource(DiskInputs(name="data"))


def test_disk_rename_and_delete_rules(emu: Emulator) -> None:
    provider = DiskProvider()
    provider.create_resource(DiskInputs(name="a"))
    _, state = provider.create_resource(DiskInputs(name="b"))
    state = {**DiskInputs(name="b").model_dump(), **state}
    with pytest.raises(GpuCloudError, match="you already have a disk named a"):
        provider.update_resource("b", state, DiskInputs(name="a"), {"name"})
    job_id, _ = create_job(disk_name="b")
    with pytest.raises(GpuCloudError, match=f"while job {job_id} uses it"):
        provider.update_resource("b", state, DiskInputs(name="c"), {"name"})
    with pytest.raises(GpuCloudError, match="cannot be deleted while job"):
        provider.delete_resource("b", state)
    JobProvider().delete_resource(job_id, {})
    renamed = provider.update_resource("b", state, DiskInputs(name="c"), {"name"})
    assert renamed["in_use"] is False and renamed["snapshot_count"] == 1
    state = {**state, "name": "c", **renamed}
    assert provider.read_resource("b", state) == {"name": "c", **renamed}
    provider.delete_resource("b", state)
    assert provider.read_resource("b", state) is None, "a soft-deleted disk is gone"
    provider.delete_resource("b", state)  # already gone
    assert backend(emu).disk(USER, "c").is_deleted
