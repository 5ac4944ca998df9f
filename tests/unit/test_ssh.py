"""SSH helpers shared by the clouds and the fleet."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_gpu.core.ssh import (
    SshTarget,
    check_public_keys,
    key_fingerprint,
    parse_ssh,
    ssh_banner,
)
from pulumi_gpu.fleet.program import ssh_config

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("ssh root@64.247.196.117 -p 9002", SshTarget("64.247.196.117", 9002, "root")),
        ("root@135.23.125.123 -p 22", SshTarget("135.23.125.123", 22, "root")),
        ("1.2.3.4", SshTarget("1.2.3.4")),
        ("ssh -i ~/.ssh/k -p 2222 u@h.example", SshTarget("h.example", 2222, "u", "~/.ssh/k")),
        ("ssh -l admin -o StrictHostKeyChecking=no h -t", SshTarget("h", 22, "admin")),
    ],
)  # fmt: skip
def test_parse_ssh(text: str, target: SshTarget) -> None:
    assert parse_ssh(text) == target


@pytest.mark.parametrize(
    "text", [None, "", "ssh", "ssh -p 22", "'unclosed", "gpu-dev connect gpu-dev-1a2b"]
)
def test_parse_nothing(text: str | None) -> None:
    assert parse_ssh(text) is None


def test_public_keys() -> None:
    assert check_public_keys([KEY]) == [KEY]
    with pytest.raises(ValueError, match=r"keys\[1\] is not an OpenSSH public key"):
        check_public_keys([KEY, "ssh-ed25519"], "keys")


def test_ssh_config_snippet() -> None:
    snippet = ssh_config({"a": "ssh root@1.2.3.4 -p 40022", "b": None, "c": "ssh -i k u@h"})
    assert snippet == (
        "Host a\n    HostName 1.2.3.4\n    User root\n    Port 40022\n\n"
        "Host c\n    HostName h\n    User u\n    Port 22\n    IdentityFile k\n"
    )


def test_fingerprints_are_those_ssh_keygen_prints(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_text(KEY + "\n")
    try:
        printed = subprocess.run(
            ["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True
        ).stdout
    except FileNotFoundError:
        printed = "256 SHA256:ZIEM6TKvGJ9rTaRzfYTD7hcep5+mACc0Vkl7BNU28V8 me (ED25519)"
    assert printed.split()[1] == key_fingerprint(KEY)
    assert key_fingerprint(KEY.replace(" me", " another comment")) == key_fingerprint(KEY)


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, list[bytes]]]:
    """A loopback port that sends what the test puts in the list to each connection, in
    pieces (nothing: it stays silent until the client gives up)."""
    server = socket.create_server(("127.0.0.1", 0))
    said: list[bytes] = []
    done = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                for piece in said:
                    conn.sendall(piece)
                done.wait(0.5)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server, said
    done.set()
    thread.join()
    server.close()


def test_a_banner_is_read_even_in_pieces(listener: tuple[socket.socket, list[bytes]]) -> None:
    server, said = listener
    said += [b"SSH-2.0-Open", b"SSH_9.6\r\n"]
    assert ssh_banner("127.0.0.1", server.getsockname()[1], timeout=2) == "SSH-2.0-OpenSSH_9.6"


def test_silence_or_another_protocol_is_no_banner(
    listener: tuple[socket.socket, list[bytes]],
) -> None:
    server, said = listener
    port = server.getsockname()[1]
    assert ssh_banner("127.0.0.1", port, timeout=0.3) is None, "silent"
    said.append(b"HTTP/1.1 400 Bad Request\r\n")
    assert ssh_banner("127.0.0.1", port, timeout=0.3) is None


def test_a_closed_port_is_no_banner() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    assert ssh_banner("127.0.0.1", port, timeout=0.5) is None
