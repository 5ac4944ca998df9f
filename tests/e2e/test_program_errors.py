"""What a person sees when a program's own call fails: one message, no Python traceback,
said once (the engine's "an unhandled error occurred:" repeat of it is gone)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pulumi_gpu import demo
from pulumi_gpu.testing import StackError
from pulumi_gpu.testing.fixtures import StackFactory

pytestmark = pytest.mark.e2e

POD = "    cloud: runpod\n    gpu_type: NVIDIA GeForce RTX 4090\n    image: ubuntu\n"
DUPLICATE = f"pods:\n  trainer:\n{POD}  trainer:\n{POD}"
UNKNOWN_FIELD = "pods:\n  trainer:\n    cloud: runpod\n    gpu_typ: NVIDIA GeForce RTX 4090\n"
OVER_BUDGET = f"budget: {{max_cost_per_hour: 0.1}}\npods:\n  trainer:\n{POD}"

FLEET_PROBLEMS = {  # the fleet file, its message's first line, a later line of it
    "duplicate key": (
        DUPLICATE,
        "the fleet file has 1 problem(s):",
        "fleet.yaml:6:3: pods.trainer: written twice (first at line 2, column 3); keep one of them",
    ),
    "unknown field": (
        UNKNOWN_FIELD,
        "the fleet file has 1 problem(s):",
        "fleet.yaml:4:5: pods.trainer.gpu_typ: unknown input 'gpu_typ' (did you mean 'gpu_type'?)",
    ),
    "budget refusal": (
        OVER_BUDGET,
        "above the budget of $0.10/h; nothing was created",
        "runpod Pod: catalog now: 1x RTX 4090",
    ),
}


def said_once(text: str, words: str) -> None:
    count = text.count(words)
    assert count == 1, f"{words!r} said {count} times in:\n{text}"


def diagnostics_section(stdout: str) -> str:
    """The CLI's summary of what the run said (its progress rows, above it, show each
    message's first line as it happens)."""
    assert "Diagnostics:" in stdout, stdout
    return stdout.split("Diagnostics:", 1)[1]


def test_a_lookup_refused_by_the_cloud_says_one_line(cloud_stack) -> None:
    stack = cloud_stack("lookup", secrets={"pulumi-gpu:runpodApiKey": "not-the-key"})
    failed = stack.preview(expect_failure=True)
    said = "runpod.get_gpu_types: runpod API: GET /catalog/gpus answered 401: invalid bearer token"
    assert [line.strip() for line in failed.errors()] == [said]
    said_once(diagnostics_section(failed.stdout), said)
    assert "unhandled" not in failed.text()
    assert "Traceback" not in failed.text() and "not-the-key" not in failed.text()


@pytest.mark.parametrize("problem", FLEET_PROBLEMS)
def test_a_fleet_problem_is_printed_once(gpu_stack: StackFactory, problem: str) -> None:
    text, headline, detail = FLEET_PROBLEMS[problem]
    stack = gpu_stack.fleet(text)
    failed = stack.preview(expect_failure=True)
    (error,) = failed.errors()
    assert headline in error and detail in error
    said_once(diagnostics_section(failed.stdout), headline)  # what the CLI printed
    said_once(failed.stdout, detail)
    for words in (headline, detail):
        said_once(failed.said(), words)  # the run's diagnostics
    assert "unhandled" not in failed.text() and "Traceback" not in failed.text()

    # A user's test that expected the preview to pass reads the problem once, too.
    with pytest.raises(StackError) as raised:
        stack.preview()
    for words in (headline, detail):
        said_once(str(raised.value), words)
    assert "unhandled" not in str(raised.value)


def _program(directory: Path, main: str) -> Path:
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text("name: errors\nruntime: python\n")
    (directory / "__main__.py").write_text(main)
    return directory


def test_a_run_error_raised_later_in_an_apply_is_printed_once(
    gpu_stack: StackFactory, tmp_path: Path
) -> None:
    main = (
        "import pulumi\n\n"
        "def refuse(value):\n"
        "    raise pulumi.RunError(f'refused {value} in an apply')\n\n"
        "pulumi.export('later', pulumi.Output.from_input('x').apply(refuse))\n"
    )
    stack = gpu_stack(_program(tmp_path / "later", main), wired=False)
    failed = stack.preview(expect_failure=True)
    assert [e.strip() for e in failed.errors()] == ["refused x in an apply"]
    said_once(diagnostics_section(failed.stdout), "refused x in an apply")
    assert "unhandled" not in failed.text()


def test_a_crash_is_still_reported_with_its_traceback(
    gpu_stack: StackFactory, tmp_path: Path
) -> None:
    """Only a RunError is "reported already"; any other exception is a bug, and the
    engine still calls it an unhandled error."""
    main = "raise ValueError('a bug in the program')\n"
    stack = gpu_stack(_program(tmp_path / "crash", main), wired=False)
    text = stack.preview(expect_failure=True).text()
    assert "ValueError: a bug in the program" in text and "Traceback" in text
    assert "an unhandled error occurred" in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_demo_prints_a_failed_up_once_and_no_traceback(
    pulumi_engine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(demo, "example_fleet", lambda: DUPLICATE)
    monkeypatch.setenv("PULUMI_GPU_ENGINE_DIR", str(pulumi_engine))
    run = demo.Demo(tmp_path / "state", _free_port())
    try:
        assert run.up() == 1
    finally:
        run._stop_emulator()
    shown = capsys.readouterr()
    said_once(shown.out + shown.err, FLEET_PROBLEMS["duplicate key"][2])
    assert "unhandled" not in shown.out + shown.err and "Traceback" not in shown.out + shown.err
    assert shown.err.strip().endswith("pulumi-gpu demo: pulumi up failed, as it says above")


def test_a_keyword_the_class_does_not_take_says_one_line(cloud_stack) -> None:
    stack = cloud_stack("placed", config={"pods": '{"dev": {"gpus": {"model": "H100"}}}'})
    failed = stack.preview(expect_failure=True)
    said = failed.errors()[0].strip()
    assert said.startswith("pulumi_gpu.Pod 'dev': gpus is not an input of pulumi_gpu.Pod")
    assert "(did you mean gpu?)" in said
    assert "Traceback" not in failed.text() and "TypeError" not in failed.text()
