"""``make demo``: the product on the emulator, with no account and no money.

``python -m tests.support.demo [up|destroy]``

``up`` starts ``pulumi-gpu emulator`` in the background (once), runs ``pulumi up`` of
the repository's fleet program with ``examples/fleet.yaml`` against it, with a local
file backend kept in ``.demo/``, and prints the stack outputs. ``destroy`` destroys
that stack and stops the emulator.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import httpx

from tests.support.stack import REPO_ROOT, ProgramStack

DEMO_DIR = REPO_ROOT / ".demo"
FLEET = REPO_ROOT / "examples" / "fleet.yaml"
PORT = int(os.environ.get("PULUMI_GPU_DEMO_PORT", "8765"))
EMULATOR = f"http://127.0.0.1:{PORT}"


def _emulator_running() -> bool:
    try:
        return httpx.get(f"{EMULATOR}/_emulator/leftovers", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def start_emulator() -> None:
    if _emulator_running():
        print(f"emulator already running on {EMULATOR}")
        return
    DEMO_DIR.mkdir(exist_ok=True)
    log = (DEMO_DIR / "emulator.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_gpu.cli", "emulator", "--port", str(PORT), "--speed", "60"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (DEMO_DIR / "emulator.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 15
    while not _emulator_running():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"the emulator did not start; see {DEMO_DIR / 'emulator.log'}")
        time.sleep(0.1)
    print(f"emulator started on {EMULATOR} (log: {DEMO_DIR / 'emulator.log'})")


def stop_emulator() -> None:
    pid_file = DEMO_DIR / "emulator.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink()
        print("emulator stopped")


def demo_stack() -> ProgramStack:
    wiring = httpx.get(f"{EMULATOR}/_emulator/stack-config", timeout=5).json()
    stack = ProgramStack(
        REPO_ROOT,
        DEMO_DIR / "state",
        stack_name="demo",
        only=["Pulumi.yaml", "__main__.py"],
        config=wiring["config"],
        secrets={
            **wiring["secrets"],
            "hfToken": "hf_demo_token_not_a_real_one",
            "jupyterPassword": "demo-jupyter-password",
        },
        env={"PULUMI_GPU_POLL_SECONDS": "1"},
    )
    stack.write_file("fleet.yaml", FLEET.read_text())
    return stack


def up() -> int:
    start_emulator()
    stack = demo_stack()
    print(
        f"\n$ pulumi up   (fleet: {FLEET.relative_to(REPO_ROOT)}, stack 'demo', emulated clouds)\n"
    )
    stack.up(on_output=lambda line: print(line, end="" if line.endswith("\n") else "\n"))
    outputs = stack.outputs()
    print("\nStack outputs (pulumi stack output --json):")
    print(json.dumps({k: v for k, v in outputs.items() if k != "ssh_config"}, indent=2))
    print("\nFor ~/.ssh/config (pulumi stack output ssh_config):\n")
    print(outputs.get("ssh_config", ""))
    print("\nThe pods run on the emulator started above; nothing was billed.")
    print("Destroy them and stop the emulator with:  make demo-destroy")
    return 0


def destroy() -> int:
    if not (DEMO_DIR / "state").exists():
        print("no demo stack to destroy")
        stop_emulator()
        return 0
    start_emulator()
    stack = demo_stack()
    stack.destroy(on_output=lambda line: print(line, end="" if line.endswith("\n") else "\n"))
    stop_emulator()
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    sys.exit({"up": up, "destroy": destroy}[command]())
