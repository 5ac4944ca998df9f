"""SSH helpers shared by the clouds and the fleet."""

from __future__ import annotations

import pytest

from pulumi_gpu.core.ssh import SshTarget, check_public_keys, parse_ssh
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
