"""A team's stack: state in an S3 bucket (moto's S3 server on 127.0.0.1), two checkouts.

Pulumi's self-managed backends keep a stack's state (its secrets encrypted) and a lock
per running update in the bucket. pulumi-gpu's stacks live there as in a directory: a
teammate's clone sees and manages the same pods; two `up`s at once are refused by the
lock before the second plans anything; a run killed on one laptop is finished from
another without renting twice.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import yaml

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.testing import OpResult, ProgramStack
from pulumi_gpu.testing.fixtures import StackFactory
from tests.conformance.harness import kill_engine

pytestmark = pytest.mark.e2e

BUCKET = "team-state"
HF_TOKEN = "hf_team_secret_0123456789"
FLEET = """
pods:
  trainer:
    cloud: runpod
    gpu_type: NVIDIA GeForce RTX 4090
    image: runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04
    env:
      HF_TOKEN: {config: hfToken}
"""
S3_ENV = {
    # moto accepts any credentials; the CLI's AWS SDK wants some.
    "AWS_ACCESS_KEY_ID": "team",
    "AWS_SECRET_ACCESS_KEY": "team-secret",
    "AWS_REGION": "us-east-1",
    # moto's answers carry no checksums; without these the SDK warns on every read.
    "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
    "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
}


class Bucket:
    """The S3 bucket the team's stacks share, as the test reads it (boto3)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=S3_ENV["AWS_REGION"],
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        )

    @property
    def backend_url(self) -> str:
        """What `pulumi login` takes for this bucket."""
        return f"s3://{BUCKET}?endpoint={self.endpoint}&use_path_style=true&region=us-east-1"

    def objects(self, prefix: str = "") -> list[str]:
        """The keys of the objects under ``prefix``."""
        listing = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1, for this module."""
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        for line in server.stderr:
            found = re.search(r"Running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                break
        else:
            pytest.fail(f"moto's S3 server did not start (exit {server.wait()})")
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep it drained
        yield found.group(1)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_server: str) -> Iterator[Bucket]:
    """An empty bucket for one test."""
    bucket = Bucket(s3_server)
    bucket.s3.create_bucket(Bucket=BUCKET)
    yield bucket
    for key in bucket.objects():
        bucket.s3.delete_object(Bucket=BUCKET, Key=key)
    bucket.s3.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def team_stack(bucket: Bucket, gpu_stack: StackFactory) -> ProgramStack:
    """The first teammate's checkout of the fleet, its state in the bucket (which
    outlives the stacks: their leftovers are destroyed first)."""
    return gpu_stack.fleet(
        FLEET, backend_url=bucket.backend_url, env=S3_ENV, secrets={"hfToken": HF_TOKEN}
    )


def _set_status(stack: ProgramStack, status: str) -> None:
    fleet = yaml.safe_load((stack.project_dir / "fleet.yaml").read_text())
    fleet["pods"]["trainer"]["desired_status"] = status
    stack.write_file("fleet.yaml", yaml.safe_dump(fleet))


def test_a_second_checkout_sees_and_manages_the_same_pods(
    team_stack: ProgramStack, bucket: Bucket, emulator: Emulator, tmp_path: Path
) -> None:
    assert team_stack.up().ops() == {"trainer": "create"}
    (pod_id,) = emulator.leftovers()["runpod"]["pods"]
    state_key = ".pulumi/stacks/gpu-fleet/test.json"
    assert state_key in bucket.objects(), bucket.objects()
    assert pod_id.encode() in bucket.read(state_key), "the state is in the bucket"
    assert HF_TOKEN.encode() not in bucket.read(state_key), "secrets stay encrypted there"
    assert not (team_stack.work / "backend").exists(), "and nowhere else"

    teammate = team_stack.checkout(tmp_path / "teammate")
    assert teammate.preview().ops() == {}, "the clone sees the pod, secrets and all"
    assert teammate.outputs()["ssh"] == team_stack.outputs()["ssh"]

    _set_status(teammate, "stopped")
    assert teammate.up().ops() == {"trainer": "update"}
    assert emulator.runpod.get_pod("user_1", pod_id)["status"] == "EXITED"
    assert team_stack.preview().ops() == {"trainer": "update"}, "the first sees the stop"

    assert teammate.destroy().ops() == {"trainer": "delete"}
    assert emulator.is_empty()
    assert team_stack.preview().ops() == {"trainer": "create"}, "and the delete"


def test_concurrent_ups_on_one_stack_are_refused_by_the_lock(
    team_stack: ProgramStack, bucket: Bucket, emulator: Emulator, tmp_path: Path
) -> None:
    teammate = team_stack.checkout(tmp_path / "teammate")
    emulator.clock.set_speed(0.001)  # the pod boots only when the test moves time on
    first: list[OpResult] = []
    running = threading.Thread(target=lambda: first.append(team_stack.up()))
    running.start()
    try:
        deadline = time.monotonic() + 120
        while not bucket.objects(".pulumi/locks/") or not emulator.leftovers()["runpod"]["pods"]:
            assert time.monotonic() < deadline, "the first up never took the lock and rented"
            time.sleep(0.2)

        refused = teammate.up(expect_failure=True)
        assert "the stack is currently locked by 1 lock(s)" in refused.text(), refused.text()
        assert refused.ops() == {}, "the second up planned nothing"
        assert len(emulator.leftovers()["runpod"]["pods"]) == 1, "and rented nothing"
    finally:
        emulator.clock.advance(3600)
        emulator.clock.set_speed(60)
        running.join(timeout=300)

    assert first and first[0].ops() == {"trainer": "create"}
    assert not bucket.objects(".pulumi/locks/"), "the lock goes with the update"
    assert teammate.preview().ops() == {}, "the teammate now sees the pod"
    assert teammate.destroy().ops() == {"trainer": "delete"}
    assert emulator.is_empty()


def test_a_run_killed_on_one_laptop_is_finished_from_another(
    team_stack: ProgramStack, bucket: Bucket, emulator: Emulator, tmp_path: Path
) -> None:
    teammate = team_stack.checkout(tmp_path / "teammate")
    emulator.clock.set_speed(0.001)
    killed: list[OpResult] = []
    running = threading.Thread(target=lambda: killed.append(team_stack.up(expect_failure=True)))
    running.start()
    try:
        deadline = time.monotonic() + 120
        while not emulator.leftovers()["runpod"]["pods"]:
            assert time.monotonic() < deadline, "the first up never rented"
            time.sleep(0.2)
        assert kill_engine(team_stack, plugins=True), "the laptop closes mid-boot"
    finally:
        running.join(timeout=120)
    assert killed, "the killed up returned"
    (pod_id,) = emulator.leftovers()["runpod"]["pods"]
    assert bucket.objects(".pulumi/locks/"), "a killed run leaves its lock in the bucket"
    assert "locked" in teammate.up(expect_failure=True).text()

    teammate.cli("cancel", "--yes")
    assert not bucket.objects(".pulumi/locks/")
    emulator.clock.set_speed(60)
    teammate.up()
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id], "the pod is found, not rented again"
    assert teammate.resources()["trainer"]["id"] == pod_id
    assert teammate.destroy().ops() == {"trainer": "delete"}
    assert emulator.is_empty()
