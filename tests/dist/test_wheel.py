"""The package as users get it: the wheel, installed into a fresh virtualenv outside the
checkout, runs the demo and tests an example with ``pulumi_gpu.testing``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.support.paths import EXAMPLES, REPO_ROOT

pytestmark = pytest.mark.e2e

USER_TEST = textwrap.dedent(
    """
    import sys, tempfile
    from pathlib import Path

    import pulumi_gpu
    from pulumi_gpu.testing import Emulator, EmulatorServer, ProgramStack

    assert "site-packages" in pulumi_gpu.__file__, pulumi_gpu.__file__
    with EmulatorServer(Emulator(speed=60)) as server:
        settings, secrets = server.emulator.stack_config(server.url())
        stack = ProgramStack(Path(sys.argv[1]), Path(tempfile.mkdtemp()), config=settings,
                             secrets=secrets, env={"PULUMI_GPU_POLL_SECONDS": "0.2"})
        assert stack.preview().ops() == {"data": "create", "trainer": "create"}
        stack.up()
        assert len(server.emulator.leftovers()["runpod"]["pods"]) == 1
        stack.destroy()
        assert server.emulator.is_empty()
    print("the example went up and down")
    """
)


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_wheel_installs_and_works_outside_the_checkout(
    tmp_path: Path, pulumi_engine: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PULUMI_GPU_ENGINE_DIR"] = str(pulumi_engine)
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path)], REPO_ROOT, env)
    (wheel,) = tmp_path.glob("pulumi_gpu-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in ("py.typed", "schema/fleet.schema.json", "examples/fleet.yaml"):
        assert f"pulumi_gpu/{packaged}" in names
    assert not [n for n in names if n.startswith("tests/")]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    constraints = str(REPO_ROOT / "constraints.txt")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", constraints]
    _run([*pip, f"{wheel}[emulator]"], tmp_path, env)

    work = tmp_path / "elsewhere"
    shutil.copytree(EXAMPLES / "runpod-pod", work / "runpod-pod")
    (work / "user_test.py").write_text(USER_TEST)
    said = _run([str(venv / "bin" / "python"), "user_test.py", "runpod-pod"], work, env)
    assert "the example went up and down" in said

    demo = [str(venv / "bin" / "pulumi-gpu"), "demo", "--port", str(_free_port())]
    up = _run(demo, work, env)
    assert "+ 13 created" in up and "nothing was billed" in up
    down = _run([*demo, "--destroy"], work, env)
    assert "- 13 deleted" in down and "emulator stopped" in down
