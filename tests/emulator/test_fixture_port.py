"""The ``emulator_server`` fixture's port: a free one, or the one a user chooses."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.user_pytest import run_pytest, user_tests

RECORDS_PORT = """
import os
from pathlib import Path

import httpx


def test_records_the_port(emulator_server):
    port = emulator_server.port
    assert emulator_server.url() == f"http://127.0.0.1:{port}"
    assert httpx.get(f"{emulator_server.url()}/_emulator/leftovers").status_code == 200
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (Path(os.environ["PORTS"]) / worker).write_text(str(port))
"""


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports that are free now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError(f"no {count} consecutive free ports")


def _ports(tmp_path: Path, *args: str, ini: str = "", env: dict[str, str] | None = None):
    directory = user_tests(tmp_path / "user", {"test_port.py": RECORDS_PORT})
    if ini:
        (directory / "pytest.ini").write_text(f"[pytest]\n{ini}\n")
    records = tmp_path / "ports"
    records.mkdir()
    done = run_pytest(directory, *args, env={"PORTS": str(records), **(env or {})})
    assert done.returncode == 0, done.stdout
    return {path.name: int(path.read_text()) for path in records.iterdir()}


def test_a_free_port_by_default(tmp_path: Path) -> None:
    (port,) = _ports(tmp_path).values()
    assert 0 < port <= 65535


@pytest.mark.parametrize("how", ["option", "environment", "ini"])
def test_a_chosen_port(tmp_path: Path, how: str) -> None:
    port = _free_ports(1)
    given = {
        "option": {"args": ("--emulator-port", str(port))},
        "environment": {"env": {"PULUMI_GPU_EMULATOR_PORT": str(port)}},
        "ini": {"ini": f"emulator_port = {port}"},
    }[how]
    assert _ports(
        tmp_path, *given.get("args", ()), ini=given.get("ini", ""), env=given.get("env")
    ) == {"main": port}


def test_the_option_wins_over_the_environment(tmp_path: Path) -> None:
    port = _free_ports(1)
    env = {"PULUMI_GPU_EMULATOR_PORT": "1"}
    assert _ports(tmp_path, "--emulator-port", str(port), env=env) == {"main": port}


def test_each_xdist_worker_takes_the_next_port(tmp_path: Path) -> None:
    port = _free_ports(2)
    found = _ports(tmp_path, "-n", "2", "--dist", "each", "--emulator-port", str(port))
    assert found == {"gw0": port, "gw1": port + 1}


def test_a_port_that_is_not_one_stops_the_run(tmp_path: Path) -> None:
    directory = user_tests(tmp_path / "user", {"test_port.py": RECORDS_PORT})
    done = run_pytest(directory, env={"PULUMI_GPU_EMULATOR_PORT": "http", "PORTS": "."})
    assert done.returncode == 4, done.stdout  # pytest's usage error
    assert "$PULUMI_GPU_EMULATOR_PORT: 'http' is not a port (1 to 65535)" in done.stdout


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    directory = user_tests(tmp_path / "user", {"test_port.py": RECORDS_PORT})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        done = run_pytest(directory, "--emulator-port", str(port), env={"PORTS": "."})
    assert done.returncode == 1, done.stdout
    assert f"the emulator cannot listen on 127.0.0.1:{port}" in done.stdout
    assert "choose another port with --emulator-port or $PULUMI_GPU_EMULATOR_PORT" in done.stdout
