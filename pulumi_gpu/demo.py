"""``pulumi-gpu demo``: the product on the emulator, with no account and no money.

``demo`` starts ``pulumi-gpu emulator`` in the background (once), runs ``pulumi up`` of
the example fleet (``examples/fleet.yaml``, four clouds) against it with a local file
backend kept in the state directory (``.demo/`` of the current directory), and prints
the stack outputs. ``demo --destroy`` destroys that stack and stops the emulator.
Needs the `pulumi` CLI (on PATH, or in ``$PULUMI_GPU_ENGINE_DIR``) and the emulator
extra (``pip install 'pulumi-gpu[emulator]'``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import httpx

from pulumi_gpu.testing.stack import ProgramStack, StackError, write_fleet_program

DEFAULT_PORT = 8765
DEMO_SECRETS = {
    "hfToken": "hf_demo_token_not_a_real_one",
    "jupyterPassword": "demo-jupyter-password",
}
"""The example fleet's own secrets (``{config: ...}`` references), made up."""


def example_fleet() -> str:
    """The example fleet file: packaged in the wheel, ``examples/`` in a checkout."""
    packaged = files("pulumi_gpu") / "examples" / "fleet.yaml"
    if packaged.is_file():
        return packaged.read_text()
    return (Path(__file__).resolve().parents[1] / "examples" / "fleet.yaml").read_text()


class Demo:
    """The demo's emulator process and stack, kept in ``state_dir``."""

    def __init__(self, state_dir: Path, port: int = DEFAULT_PORT) -> None:
        self.state_dir = state_dir.resolve()
        self.url = f"http://127.0.0.1:{port}"
        self.port = port

    def up(self) -> int:
        self._start_emulator()
        stack = self._stack()
        print("\n$ pulumi up   (fleet: examples/fleet.yaml, stack 'demo', emulated clouds)\n")
        if not _streamed(stack.up):
            return 1
        outputs = stack.outputs()
        print("\nStack outputs (pulumi stack output --json):")
        print(json.dumps({k: v for k, v in outputs.items() if k != "ssh_config"}, indent=2))
        print("\nFor ~/.ssh/config (pulumi stack output ssh_config):\n")
        print(outputs.get("ssh_config", ""))
        print("\nThe pods run on the emulator started above; nothing was billed.")
        print("Destroy them and stop the emulator with:  pulumi-gpu demo --destroy")
        return 0

    def destroy(self) -> int:
        if not (self.state_dir / "stack").exists():
            print("no demo stack to destroy")
        else:
            self._start_emulator()
            if not _streamed(self._stack().destroy):
                return 1
        self._stop_emulator()
        return 0

    def _stack(self) -> ProgramStack:
        wiring = httpx.get(f"{self.url}/_emulator/stack-config", timeout=5).json()
        stack = ProgramStack(
            write_fleet_program(self.state_dir / "program"),
            self.state_dir / "stack",
            stack_name="demo",
            config=wiring["config"],
            secrets={**wiring["secrets"], **DEMO_SECRETS},
            env={"PULUMI_GPU_POLL_SECONDS": "1"},
        )
        stack.write_file("fleet.yaml", example_fleet())
        return stack

    def _emulator_running(self) -> bool:
        try:
            return httpx.get(f"{self.url}/_emulator/leftovers", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def _start_emulator(self) -> None:
        if self._emulator_running():
            print(f"emulator already running on {self.url}")
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.state_dir / "emulator.log"
        command = [sys.executable, "-m", "pulumi_gpu.cli", "emulator", "--port", str(self.port)]
        with log_path.open("w") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        (self.state_dir / "emulator.pid").write_text(str(process.pid))
        deadline = time.monotonic() + 15
        while not self._emulator_running():
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"the emulator did not start; see {log_path}")
            time.sleep(0.1)
        print(f"emulator started on {self.url} (log: {log_path})")

    def _stop_emulator(self) -> None:
        pid_file = self.state_dir / "emulator.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            pid_file.unlink()
            print("emulator stopped")


def _echo(line: str) -> None:
    print(line, end="" if line.endswith("\n") else "\n")


def _echo_error(line: str) -> None:
    print(line, end="" if line.endswith("\n") else "\n", file=sys.stderr)


def _streamed(operation: Callable[..., object]) -> bool:
    """Run a stack operation, printing what the CLI prints as it goes; False if it failed.

    The CLI's output already ends with the run's diagnostics (its own errors go to
    stderr), so a failure adds one line rather than saying them again in a traceback.
    """
    try:
        operation(on_output=_echo, on_error=_echo_error)
    except StackError as exc:
        print(
            f"pulumi-gpu demo: pulumi {exc.result.command} failed, as it says above",
            file=sys.stderr,
        )
        return False
    return True
