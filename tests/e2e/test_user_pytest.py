"""A user's own pytest suite on ``pulumi_gpu.testing.fixtures``, outside the checkout, in
a pytest process of its own: it passes and ends cleanly, with no exception that Python
could not raise (an SDK coroutine or gRPC object collected after its event loop closed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.user_pytest import CLEAN_END, USER_FLEET_TEST, run_pytest, user_tests

pytestmark = pytest.mark.e2e


def test_a_users_suite_passes_and_ends_cleanly(tmp_path: Path, pulumi_engine: Path) -> None:
    broken = "def test_a_broken_fleet_is_refused(gpu_stack):\n"
    broken += "    gpu_stack.fleet('pods: {}\\npods: {}\\n').preview(expect_failure=True)\n"
    suite = user_tests(tmp_path / "user", {"test_fleet.py": USER_FLEET_TEST + "\n\n" + broken})
    done = run_pytest(suite, "-W", "default", env={"PULUMI_GPU_ENGINE_DIR": str(pulumi_engine)})
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout
    for unclean in CLEAN_END:
        assert unclean not in done.stdout, done.stdout
