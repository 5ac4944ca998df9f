"""SSH details every cloud shares: checking public keys, reading connection strings."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import shlex
import socket
import time
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

PUBLIC_KEY = re.compile(
    r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)"
    r"|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
    r"\s+[A-Za-z0-9+/]+={0,3}(\s+.*)?$"
)
_WITH_VALUE = frozenset("bcDEeFIiJLlmOopQRSWw")
"""Options of ssh(1) that take a value."""


def check_public_keys(keys: list[str], field: str = "ssh_public_keys") -> list[str]:
    """Raise ValueError naming the first entry that is not an OpenSSH public key."""
    for index, key in enumerate(keys):
        if not PUBLIC_KEY.match(key.strip()):
            raise ValueError(
                f"{field}[{index}] is not an OpenSSH public key "
                "(expected 'ssh-ed25519 AAAA... comment' or ssh-rsa/ecdsa)"
            )
    return keys


def _one_public_key(key: str) -> str:
    if not PUBLIC_KEY.match(key.strip()):
        raise ValueError(
            "not an OpenSSH public key (expected 'ssh-ed25519 AAAA... comment' or "
            "ssh-rsa/ecdsa; never the private key)"
        )
    return key.strip()


PublicKey = Annotated[str, AfterValidator(_one_public_key)]
"""An input holding one OpenSSH public key (surrounding blanks removed)."""


def key_fingerprint(public_key: str) -> str:
    """``SHA256:...``, as ``ssh-keygen -lf`` prints it: the same key (whatever its
    comment) has the same fingerprint."""
    blob = public_key.split()[1] if len(public_key.split()) > 1 else ""
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raw = blob.encode()
    digest = base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def ssh_banner(host: str, port: int, *, timeout: float = 5.0) -> str | None:
    """The identification line (``SSH-2.0-...``) the SSH server at ``host:port`` sends
    first, or None if nothing answers with one within ``timeout`` seconds."""
    end = time.monotonic() + timeout
    received = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            while b"\n" not in received and len(received) < 255:
                left = end - time.monotonic()
                if left <= 0:
                    break
                connection.settimeout(left)
                chunk = connection.recv(255 - len(received))
                if not chunk:
                    break
                received += chunk
    except OSError:
        pass
    line = received.split(b"\n", 1)[0].strip().decode("ascii", "replace")
    return line if line.startswith("SSH-") else None


@dataclass(frozen=True)
class SshTarget:
    """Where an SSH command connects."""

    host: str
    port: int = 22
    user: str | None = None
    identity: str | None = None


def parse_ssh(text: str | None) -> SshTarget | None:
    """Read ``ssh root@1.2.3.4 -p 40022`` (or ``root@1.2.3.4 -p 40022``, options anywhere);
    None for anything else."""
    if not text:
        return None
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    command = bool(words) and words[0] == "ssh"
    if command:
        words = words[1:]
    options: dict[str, str] = {}
    target: str | None = None
    positional = 0
    index = 0
    while index < len(words):
        word = words[index]
        if len(word) == 2 and word[0] == "-" and word[1] in _WITH_VALUE and index + 1 < len(words):
            options[word] = words[index + 1]
            index += 2
            continue
        if not word.startswith("-"):
            positional += 1
            target = target or word
        index += 1
    if not target or (positional > 1 and not command):
        return None  # not an SSH command, e.g. "gpu-dev connect pod-1"
    user, _, host = target.rpartition("@")
    port = options.get("-p", "22")
    return SshTarget(
        host=host,
        port=int(port) if port.isdigit() else 22,
        user=user or options.get("-l"),
        identity=options.get("-i"),
    )
