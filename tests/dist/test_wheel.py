"""The package as users get it: the wheel, installed into a fresh virtualenv outside the
checkout from the examples' ``requirements.txt``, runs every example copied out of the
clone (with ``pulumi_gpu.testing``, against the emulator), a user's pytest suite on the
fixtures (the ``testing`` extra brings pytest) and the demo."""

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
from tests.support.user_pytest import CLEAN_END, USER_FLEET_TEST, user_tests

pytestmark = pytest.mark.e2e

USER_TEST = textwrap.dedent(
    """
    import sys, tempfile
    from pathlib import Path

    import pulumi_gpu
    from pulumi_gpu.testing import Emulator, EmulatorServer, ProgramStack

    KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
    EXAMPLES = {  # example -> (its settings, what its preview creates)
        "runpod-pod": ({}, {"data": "create", "trainer": "create"}),
        "celium-quickstart": ({"sshPublicKey": KEY}, {"vllm": "create", "pod": "create"}),
        "primeintellect-h100": ({}, {"data": "create", "h100": "create"}),
        "gpudev-job": ({}, {"workspace": "create", "dev": "create"}),
    }

    assert "site-packages" in pulumi_gpu.__file__, pulumi_gpu.__file__
    assert sorted(EXAMPLES) == sorted(sys.argv[1:]), sys.argv[1:]
    with EmulatorServer(Emulator(speed=60)) as server:
        settings, secrets = server.emulator.stack_config(server.url())
        for name, (config, creates) in EXAMPLES.items():
            stack = ProgramStack(Path(name), Path(tempfile.mkdtemp()),
                                 config={**settings, **config}, secrets=secrets,
                                 env={"PULUMI_GPU_POLL_SECONDS": "0.2"})
            assert stack.preview().ops() == creates, name
            stack.up()
            assert not server.emulator.is_empty(), name
            stack.destroy()
            assert server.emulator.is_empty(), (name, server.emulator.leftovers())
            print(name, "went up and down")
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

    # Each example copied out of the clone, its requirements.txt installed from the wheel
    # as its README says (PIP_FIND_LINKS, the package not being on PyPI yet): one
    # virtualenv for all of them, with the testing extra beside (the emulator, pytest).
    work = tmp_path / "elsewhere"
    # The Python programs (a YAML project, such as yaml-fleet, has no requirements.txt:
    # the plugin checked below is all it needs).
    examples = sorted(p.parent.name for p in EXAMPLES.glob("*/requirements.txt"))
    for name in examples:
        shutil.copytree(EXAMPLES / name, work / name)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    constraints = str(REPO_ROOT / "constraints.txt")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-c", constraints]
    requirements = [arg for name in examples for arg in ("-r", f"{name}/requirements.txt")]
    links = " ".join(filter(None, [str(tmp_path), env.get("PIP_FIND_LINKS")]))
    _run([*pip, *requirements, "pulumi-gpu[testing]"], work, {**env, "PIP_FIND_LINKS": links})

    plugin = venv / "bin" / "pulumi-resource-pulumi-gpu"  # on PATH wherever pulumi-gpu is
    cli = {**env, "PULUMI_HOME": str(tmp_path / "pulumi-home"), "PULUMI_SKIP_UPDATE_CHECK": "1"}
    schema = _run([str(pulumi_engine / "pulumi"), "package", "get-schema", str(plugin)], work, cli)
    assert '"pulumi-gpu:runpod:Pod"' in schema, "the installed plugin serves its schema"

    (work / "user_test.py").write_text(USER_TEST)
    said = _run([str(venv / "bin" / "python"), "user_test.py", *examples], work, env)
    for name in examples:
        assert f"{name} went up and down" in said

    # A user's pytest suite on the fixtures: the testing extra is all it needs.
    suite = user_tests(tmp_path / "user-tests", {"test_fleet.py": USER_FLEET_TEST})
    ran = _run([str(venv / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider"], suite, env)
    assert "1 passed" in ran
    for unclean in CLEAN_END:
        assert unclean not in ran, ran

    demo = [str(venv / "bin" / "pulumi-gpu"), "demo", "--port", str(_free_port())]
    up = _run(demo, work, env)
    assert "+ 14 created" in up and "nothing was billed" in up
    down = _run([*demo, "--destroy"], work, env)
    assert "- 14 deleted" in down and "emulator stopped" in down
