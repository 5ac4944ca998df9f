"""What a person sees when a program's own call fails: one message, no Python traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_lookup_refused_by_the_cloud_says_one_line(cloud_stack) -> None:
    stack = cloud_stack("lookup", secrets={"pulumi-gpu:runpodApiKey": "not-the-key"})
    failed = stack.preview(expect_failure=True)
    said, *engine = [line.strip() for line in failed.errors()]
    assert said == (
        "runpod.get_gpu_types: runpod API: GET /catalog/gpus answered 401: invalid bearer token"
    )
    # Pulumi's inline-program server repeats a program's error as the run's own result.
    assert engine == [f"an unhandled error occurred: {said}"]
    assert "Traceback" not in failed.text() and "not-the-key" not in failed.text()
