"""A ``run`` block's shell commands, carried out against the emulator.

The Pulumi CLI built for these tests has no Python language host (see the README's "How
the engine is provided here"), so ``pulumi`` commands go to a :class:`ProgramStack` of the
block's project directory: ``pulumi config set`` sets its configuration as written (the
block's endpoints and keys, the emulator's URL put for ``http://127.0.0.1:8765``),
``pulumi up``, ``preview``, ``refresh`` and ``destroy`` run through the real CLI, hosting a
Python program through the Automation API; a Pulumi YAML project (``runtime: yaml``) is
run by the CLI itself, as a user runs it.
``pulumi-gpu`` commands run as they are. The emulator the block starts is the test's own,
the installs are those of the test's virtualenv (``tests/dist/test_wheel.py`` installs
each example's ``requirements.txt`` outside the clone), and ``pulumi login`` and
``export`` are the stack's own (a ``file://`` backend, a passphrase). Any other command
fails the test.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pulumi_gpu.testing import ProgramStack

README_EMULATOR = "http://127.0.0.1:8765"
"""The emulator's address as the READMEs write it; the test's own is put in its place."""
_STOOD_IN = (
    ("pulumi-gpu", "emulator"),  # the test's emulator serves instead
    ("python", "-m", "venv"),  # the test's virtualenv, and its installs
    ("python3", "-m", "venv"),
    ("pip", "install"),
    ("export",),  # PIP_FIND_LINKS, PULUMI_CONFIG_PASSPHRASE: the test sets its own
    ("pulumi", "login"),  # the stack has a file:// backend of its own
    ("cd",),
)
_VENV_BIN = "venv/bin/"


def commands(text: str) -> list[list[str]]:
    """The block's commands, as words (comments, ``&`` and line continuations gone)."""
    joined = text.replace("\\\n", " ")
    found: list[list[str]] = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        command: list[str] = []
        for word in [*words, "&&"]:
            ends = word in ("&&", "||", ";", "&") or word.endswith(";")
            if word.endswith(";") and word != ";":
                command.append(word[:-1])
            elif not ends:
                command.append(word)
            if ends and command:
                found.append(command)
                command = []
    return found


class Shell:
    """Runs a block's commands; ``transcript`` is what each printed."""

    def __init__(
        self,
        program_dir: Path,
        make_stack: Callable[..., ProgramStack],
        emulator_url: str,
    ) -> None:
        self.program_dir = program_dir
        self.make_stack = make_stack
        self.url = emulator_url
        self.stack_name = "dev"
        self._stack: ProgramStack | None = None
        self.transcript: list[str] = []

    @property
    def stack(self) -> ProgramStack:
        if self._stack is None:
            self._stack = self.make_stack(self.program_dir, wired=False, stack_name=self.stack_name)
        return self._stack

    def run(self, text: str) -> None:
        for words in commands(text):
            words = [word.replace(README_EMULATOR, self.url) for word in words]
            self.transcript.append("$ " + shlex.join(words))
            self.one(words)

    def one(self, words: list[str]) -> None:
        words = [words[0].removeprefix(_VENV_BIN), *words[1:]]
        if any(tuple(words[: len(prefix)]) == prefix for prefix in _STOOD_IN):
            return
        if words[0] == "pulumi-gpu":
            self.pulumi_gpu(words[1:])
            return
        if words[0] != "pulumi":
            raise AssertionError(f"a docs `run` block runs no {words[0]!r}: {shlex.join(words)}")
        args = [word for word in words[1:] if word not in ("--yes", "-y", "--skip-preview")]
        if args[:2] == ["stack", "init"]:
            assert self._stack is None, "`pulumi stack init` comes before the stack is used"
            self.stack_name = args[2]
        elif args[:2] == ["config", "set"]:
            rest = args[2:]
            secret = "--secret" in rest
            key, value = [word for word in rest if word != "--secret"]
            self.stack.set_config(key, value, secret=secret)
        elif args in (["up"], ["preview"], ["refresh"], ["destroy"]) and self._yaml():
            yes = () if args[0] == "preview" else ("--yes",)
            done = self.stack.cli(args[0], *yes, check=False)
            self.transcript.append(done.stdout)
            assert done.returncode == 0, f"pulumi {args[0]}:\n{done.stdout}\n{done.stderr}"
        elif args in (["up"], ["preview"], ["refresh"], ["destroy"]):
            done = getattr(self.stack, args[0])()
            self.transcript.append(done.stdout)
        elif args[:2] == ["stack", "output"]:
            self.transcript.append(self.stack.cli(*args, "--show-secrets").stdout)
        else:
            raise AssertionError(f"a docs `run` block runs no {shlex.join(words)!r}")

    def _yaml(self) -> bool:
        """The project is a Pulumi YAML program (the CLI hosts it itself)."""
        return "runtime: yaml" in (self.program_dir / "Pulumi.yaml").read_text()

    def pulumi_gpu(self, args: list[str]) -> None:
        env = {**os.environ, **(self._stack.env if self._stack else {})}
        cwd = self._stack.project_dir if self._stack else self.program_dir
        command = [str(Path(sys.executable).parent / "pulumi-gpu"), *args]
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        self.transcript.append(done.stdout + done.stderr)
        assert done.returncode == 0, f"pulumi-gpu {shlex.join(args)}:\n{done.stderr}"
