"""Docs that run: every code block of the README and of each example's README, as its
marker says (see ``blocks.py``), against the emulator. One test per block; the session
ends with a line such as ``docs: 27 code blocks in 5 files, 20 run, 7 illustrative``."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing.fixtures import StackFactory
from tests.docs.blocks import KINDS, TALLY, Block, all_blocks, mismatches, previous
from tests.docs.shell import README_EMULATOR, Shell
from tests.e2e.test_sweep import FLEET as SWEEP_FLEET
from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.e2e

BLOCKS = all_blocks()
PULUMI_GPU = str(Path(sys.executable).parent / "pulumi-gpu")


def test_every_block_is_marked() -> None:
    unmarked = [f"{b.where} ({b.lang or 'no language'})" for b in BLOCKS if b.kind is None]
    assert not unmarked, "blocks with no <!-- docs: ... --> marker: " + ", ".join(unmarked)
    unknown = [f"{b.where}: {b.kind}" for b in BLOCKS if b.kind not in KINDS]
    assert not unknown, f"unknown docs kinds (known: {', '.join(KINDS)}): {unknown}"


def test_the_readme_counts_the_blocks() -> None:
    illustrative = sum(b.kind == "illustrative" for b in BLOCKS)
    files = len({b.path for b in BLOCKS})
    line = (
        f"docs: {len(BLOCKS)} code blocks in {files} files, {len(BLOCKS) - illustrative} run, "
        f"{illustrative} illustrative"
    )
    assert f"`{line}`" in (REPO_ROOT / "README.md").read_text(), f"the README says: {line}"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.where}-{b.kind}" for b in BLOCKS])
def test_block(block: Block, request: pytest.FixtureRequest) -> None:
    if block.kind is None:
        pytest.fail(f"{block.where}: no <!-- docs: ... --> marker on the line before the block")
    if block.kind == "illustrative":
        assert block.reason, f"{block.where}: an illustrative block says why it is not run"
    else:
        RUNNERS[block.kind](block, request)
    TALLY.count(block)


# -- the kinds ---------------------------------------------------------------------------


def _program(block: Block, request: pytest.FixtureRequest) -> None:
    gpu_stack: StackFactory = request.getfixturevalue("gpu_stack")
    emulator: Emulator = request.getfixturevalue("emulator")
    project = request.getfixturevalue("tmp_path") / "program"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: docs\nruntime: python\n")
    (project / "__main__.py").write_text(block.text)
    stack = gpu_stack(project, secrets=block.secrets())
    stack.preview()
    stack.up()
    outputs = stack.outputs()
    exported = re.findall(r"pulumi\.export\(\s*\"([^\"]+)\"", block.text)
    assert set(exported) <= set(outputs), f"exported {exported}, the stack has {outputs}"
    for name, value in block.outputs().items():
        assert str(outputs[name]) == value, f"{name}: {outputs[name]!r}, the README: {value!r}"
    stack.destroy()
    assert emulator.is_empty(), emulator.leftovers()


def _fleet(block: Block, request: pytest.FixtureRequest) -> None:
    gpu_stack: StackFactory = request.getfixturevalue("gpu_stack")
    emulator: Emulator = request.getfixturevalue("emulator")
    stack = gpu_stack.fleet(block.text, secrets=block.secrets())
    if block.refused:
        stack.preview(expect_failure=True)
        assert emulator.is_empty(), emulator.leftovers()
        return
    stack.preview()
    stack.up()
    stack.destroy()
    assert emulator.is_empty(), emulator.leftovers()


def _error(block: Block, request: pytest.FixtureRequest) -> None:
    before = previous(block)
    assert before.kind == "fleet" and before.refused, (
        f"{block.where}: an error block follows the fleet it is the error of, "
        "marked `fleet; refused at preview`"
    )
    gpu_stack: StackFactory = request.getfixturevalue("gpu_stack")
    said = gpu_stack.fleet(before.text, secrets=before.secrets()).preview(expect_failure=True)
    missing = mismatches(f"...\n{block.text}...\n", said.text(), varies=block.varies)
    assert not missing, (
        f"{block.where}: not in the error:\n"
        + "\n".join(missing)
        + (f"\n--- the error:\n{said.text()}")
    )


def _pytest(block: Block, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("pulumi_engine")
    work: Path = request.getfixturevalue("tmp_path") / "user-tests"
    work.mkdir()
    files = re.split(r"^# (\S+\.py)\n", block.text, flags=re.MULTILINE)
    assert files[0].strip() == "", f"{block.where}: a pytest block starts with `# <file>.py`"
    for name, text in zip(files[1::2], files[2::2], strict=True):
        (work / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work)]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{block.where}: pytest said\n{done.stdout}\n{done.stderr}"


def _run(block: Block, request: pytest.FixtureRequest) -> None:
    gpu_stack: StackFactory = request.getfixturevalue("gpu_stack")
    emulator: Emulator = request.getfixturevalue("emulator")
    server: EmulatorServer = request.getfixturevalue("emulator_server")
    shell = Shell(block.path.parent, gpu_stack, server.url())
    shell.run(block.text)
    assert emulator.is_empty(), (emulator.leftovers(), shell.transcript)


def _output(block: Block, request: pytest.FixtureRequest) -> None:
    lines = block.text.splitlines(keepends=True)
    if "command" in block.options:
        command, sample = block.options["command"], block.text
    else:
        assert lines[0].startswith("$ "), f"{block.where}: `$ command` first, or `command:`"
        command, sample = lines[0][2:], "".join(lines[1:])
    words = [w.replace(README_EMULATOR, _url(request)) for w in shlex.split(command, True)]
    assert words[0] == "pulumi-gpu", f"{block.where}: an output block runs pulumi-gpu"
    with SETUPS[block.options.get("setup", "none")](request, words) as (words, env, cwd):
        done = subprocess.run(
            [PULUMI_GPU, *words[1:]], cwd=cwd, env=env, capture_output=True, text=True
        )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    missing = mismatches(sample, done.stdout, varies=block.varies)
    assert not missing, (
        f"{block.where}: `{command}` did not print\n"
        + "\n".join(missing)
        + (f"\n--- it printed:\n{done.stdout}")
    )


RUNNERS = {
    "program": _program,
    "fleet": _fleet,
    "error": _error,
    "pytest": _pytest,
    "run": _run,
    "output": _output,
}


# -- what an output block's command needs first ------------------------------------------


def _url(request: pytest.FixtureRequest) -> str:
    server: EmulatorServer = request.getfixturevalue("emulator_server")
    return server.url()


Setup = Iterator[tuple[list[str], dict[str, str], Path]]


@contextmanager
def _nothing(request: pytest.FixtureRequest, words: list[str]) -> Setup:
    yield words, dict(os.environ), request.getfixturevalue("tmp_path")


@contextmanager
def _demo(request: pytest.FixtureRequest, words: list[str]) -> Setup:
    """`pulumi-gpu demo` starts an emulator of its own: on a free port, destroyed after."""
    request.getfixturevalue("pulumi_engine")
    cwd: Path = request.getfixturevalue("tmp_path")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    env = dict(os.environ)
    try:
        yield [*words, "--port", port], env, cwd
    finally:
        down = [PULUMI_GPU, *words[1:], "--port", port, "--destroy"]
        subprocess.run(down, cwd=cwd, env=env, capture_output=True, text=True, check=True)


@contextmanager
def _sweep(request: pytest.FixtureRequest, words: list[str]) -> Setup:
    """What the README's sweep paragraph describes: on the backend logged in to, stack
    `gone` of a fleet removed with `pulumi stack rm --force` (its objects stay) beside
    stack `test`; stack `test` of the same fleet on another backend."""
    gpu_stack: StackFactory = request.getfixturevalue("gpu_stack")
    text = yaml.safe_dump(SWEEP_FLEET)  # the sweep tests' fleet
    ours = gpu_stack.fleet(text)
    ours.up()
    gone = gpu_stack.fleet(text, stack_name="gone", backend_url=ours.backend_url)
    gone.up()
    gone.cli("stack", "rm", "--force", "--yes")
    gpu_stack.made.remove(gone)
    gpu_stack.fleet(text).up()  # same project and stack name, another backend
    yield words, {**os.environ, **ours.env}, ours.project_dir


SETUPS = {"none": _nothing, "demo": _demo, "sweep": _sweep}
