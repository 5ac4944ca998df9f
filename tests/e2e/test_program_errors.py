"""What a person sees when a program's own call fails: one message, no Python traceback,
said once (the engine's "an unhandled error occurred:" repeat of it is gone)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_gpu.testing.fixtures import StackFactory

pytestmark = pytest.mark.e2e


def test_a_lookup_refused_by_the_cloud_says_one_line(cloud_stack) -> None:
    stack = cloud_stack("lookup", secrets={"pulumi-gpu:runpodApiKey": "not-the-key"})
    failed = stack.preview(expect_failure=True)
    said = "runpod.get_gpu_types: runpod API: GET /catalog/gpus answered 401: invalid bearer token"
    assert [line.strip() for line in failed.errors()] == [said]
    assert "unhandled" not in failed.text()
    assert "Traceback" not in failed.text() and "not-the-key" not in failed.text()


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
