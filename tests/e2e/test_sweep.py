"""``pulumi-gpu sweep``: what bears a pulumi-gpu mark and no stack holds, listed; deleted
only when asked."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
import yaml

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing import ProgramStack
from pulumi_gpu.testing.fixtures import StackFactory

pytestmark = pytest.mark.e2e

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 sweep"
FLEET = {
    "ssh_keys": {"me": {"cloud": "runpod", "public_key": KEY}},
    "disks": {
        "data": {"cloud": "celium", "description": "kept across pods"},
        "scratch": {"cloud": "gpudev", "size_gb": 50},
    },
    "pods": {
        "trainer": {
            "cloud": "runpod",
            "gpu_type": "NVIDIA GeForce RTX 4090",
            "image": "runpod/base:0.6.2",
        }
    },
}


def _ids(stack: ProgramStack) -> dict[str, str]:
    return {name: res["id"] for name, res in stack.resources().items()}


def _emulator_ids(emulator: Emulator) -> list[str]:
    return sorted(
        i for tables in emulator.leftovers().values() for ids in tables.values() for i in ids
    )


def _sweep(stack: ProgramStack, server: EmulatorServer, *args: str) -> Any:
    env = {**os.environ, **stack.env}
    command = ["pulumi-gpu", "sweep", "--emulator", server.url(), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_sweep_lists_what_a_deleted_or_foreign_stack_left_and_deletes_only_when_asked(
    gpu_stack: StackFactory, emulator: Emulator, emulator_server: EmulatorServer
) -> None:
    text = yaml.safe_dump(FLEET)
    ours = gpu_stack.fleet(text)
    ours.up()
    gone = gpu_stack.fleet(text, stack_name="gone", backend_url=ours.backend_url)
    gone.up()
    left_by_gone = _ids(gone)
    gone_mark = gone.resources(include_identity=True)["pulumi-gpu"]["id"][:6]
    gone.cli("stack", "rm", "--force", "--yes")  # the state goes, the objects stay
    gpu_stack.made.remove(gone)
    foreign = gpu_stack.fleet(text)  # same project and stack name, another backend
    foreign.up()
    held_elsewhere = _ids(foreign)
    sibling = gpu_stack.fleet(text, stack_name="sibling", backend_url=ours.backend_url)
    sibling.up()  # live on our backend: what it holds is never listed
    before = _emulator_ids(emulator)

    listed = _sweep(ours, emulator_server)
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    for name, object_id in {**left_by_gone, **held_elsewhere}.items():
        shown = object_id.split("#", 1)[0] if name == "me" else object_id  # keys: fingerprint#mark
        assert shown in out, (name, out)
    for name, object_id in {**_ids(ours), **_ids(sibling)}.items():
        assert object_id not in out, f"{name} is held by a stack read"
    assert "8 object(s) bear a pulumi-gpu mark" in out and "unknown stack" in out
    assert "a dry run: nothing was deleted" in out
    assert _emulator_ids(emulator) == before

    # Narrowed to a stack read, every other stack still holds its own: only what that
    # stack marked and lost is listed (here nothing). A deleted stack goes by its mark.
    just_ours = _sweep(ours, emulator_server, "--stack", "test", "--delete", "--yes")
    assert "nothing to sweep" in just_ours.stdout, just_ours.stdout
    just_gone = _sweep(ours, emulator_server, "--mark", gone_mark)
    assert "4 object(s)" in just_gone.stdout, just_gone.stdout
    for object_id in left_by_gone.values():
        assert object_id.split("#", 1)[0] in just_gone.stdout
    unknown = _sweep(ours, emulator_server, "--stack", "staging")
    assert unknown.returncode == 1 and "--stack staging is none of" in unknown.stderr
    assert _emulator_ids(emulator) == before

    deleted = _sweep(ours, emulator_server, "--delete", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.count("deleted ") == 8
    held, left = [_ids(ours), _ids(sibling)], emulator.leftovers()
    assert left["runpod"]["pods"] == sorted(ids["trainer"] for ids in held), (
        "what a stack holds is never swept"
    )
    assert left["celium"]["volumes"] == sorted(ids["data"] for ids in held)
    assert sorted(i.rsplit("/", 1)[-1] for i in left["gpudev"]["disks"]) == sorted(
        ids["scratch"] for ids in held
    )
    (lines,) = emulator.runpod.ssh_keys.values()
    assert sorted(line.rsplit("=", 1)[-1] for line in lines) == sorted(
        ids["me"].split("#", 1)[1] for ids in held
    )
    again = _sweep(ours, emulator_server)
    assert "nothing to sweep" in again.stdout, again.stdout

    foreign.refresh()  # the other backend's stack learns its objects are gone
    assert foreign.resources() == {}
    sibling.destroy()
    ours.destroy()
