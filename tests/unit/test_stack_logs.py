"""``pulumi-gpu logs``: which resource, which cloud, which log."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_gpu import stack_logs
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.stack_logs import config_values, find_resource, log_lines


def entry(type_: str, id_: str, name: str, **outputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:dev::fleet::{type_}::{name}",
        "type": type_,
        "id": id_,
        "custom": True,
        "outputs": outputs,
    }


EXPORT = {
    "deployment": {
        "resources": [
            {"urn": "urn:pulumi:dev::fleet::pulumi:pulumi:Stack::fleet-dev", "custom": False},
            entry("pulumi-python:dynamic/runpod:Pod", "p1", "trainer"),
            entry("pulumi-python:dynamic/market:Pod", "celium/c9", "sandbox", cloud="celium"),
            entry("pulumi-python:dynamic/runpod:Template", "t1", "base"),
            entry(
                "pulumi-python:dynamic/gpudev:Job",
                "j1",
                "train",
                released=True,
                log_tail="epoch 1\nepoch 2\nsaved",
            ),
            entry("pulumi-python:dynamic/gpudev:Job", "j2", "dev", released=False),
        ]
    }
}


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    calls: list[tuple[str, str, int]] = []

    def readers() -> dict[str, stack_logs.LogReader]:
        def reader(cloud: str) -> stack_logs.LogReader:
            return lambda pod_id, tail, _: calls.append((cloud, pod_id, tail)) or [f"{cloud} line"]

        return {c: reader(c) for c in ("runpod", "celium", "primeintellect")}

    monkeypatch.setattr(stack_logs, "_readers", readers)
    return calls


def test_a_pod_is_read_from_its_cloud(asked: list[tuple[str, str, int]]) -> None:
    assert log_lines(find_resource(EXPORT, "trainer"), 20) == ["runpod line"]
    assert log_lines(find_resource(EXPORT, "sandbox"), 5) == ["celium line"]
    assert asked == [("runpod", "p1", 20), ("celium", "c9", 5)]


def test_an_ended_job_shows_its_recorded_tail(asked: list[tuple[str, str, int]]) -> None:
    assert log_lines(find_resource(EXPORT, "train"), 2) == ["epoch 2", "saved"]
    assert asked == []


def test_what_has_no_logs_says_so() -> None:
    with pytest.raises(GpuCloudError, match="is a runpod Template: only pods and jobs"):
        log_lines(find_resource(EXPORT, "base"), 10)
    with pytest.raises(GpuCloudError, match="gpudev's API serves no logs"):
        log_lines(find_resource(EXPORT, "dev"), 10)
    with pytest.raises(GpuCloudError, match="no pulumi-gpu resource 'nope'; it has: base, dev"):
        find_resource(EXPORT, "nope")


def test_config_values_are_flattened() -> None:
    shown = {"pulumi-gpu:runpodApiKey": {"value": "k", "secret": True}, "x": {"secret": True}}
    assert config_values(shown) == {"pulumi-gpu:runpodApiKey": "k"}


def test_outside_a_project_is_one_line(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from pulumi_gpu.cli import main

    assert main(["logs", "trainer", "--dir", str(tmp_path)]) == 1
    said = capsys.readouterr().err.strip()
    assert said == (
        f"pulumi-gpu logs: {tmp_path} is not a Pulumi project (no Pulumi.yaml): run it in "
        "the project's directory or give --dir"
    )


def test_no_lines_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pulumi_gpu.cli import main

    monkeypatch.setattr(stack_logs, "stack_logs", lambda *_, **__: [])
    assert main(["logs", "trainer"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("pulumi-gpu logs: trainer has printed no lines yet")
