"""Account SSH keys as resources, used by the pods declared beside them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from pulumi_gpu.core.ssh import key_fingerprint
from pulumi_gpu.emulator import Emulator
from pulumi_gpu.runpod.ssh_key import AccountKey
from pulumi_gpu.testing import ProgramStack
from tests.support.by_hand import ByHand

pytestmark = pytest.mark.e2e

ALICE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 alice"
BOB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK/AJq1ie0+VwkmHzCclUhUNqLj5mRk9i3oPsdKeTLyD bob"
IMAGE = "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"


def fleet(entries: dict[str, Any]) -> str:
    return yaml.safe_dump(entries, sort_keys=False)


def runpod_keys(by_hand: ByHand) -> list[str]:
    """The account's keys as declared: the lines pulumi-gpu added end with their owner's
    mark, which is dropped here."""
    lines = by_hand.call("runpod", "GET", "/account/ssh-keys")["keys"]
    return [AccountKey(line).public_key for line in lines]


def test_runpod_account_keys_reach_the_pods_started_after_them(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    keys = {
        "alice": {"cloud": "runpod", "public_key": ALICE},
        "bob": {"cloud": "runpod", "public_key": BOB},
    }
    pod = {"cloud": "runpod", "gpu_type": "NVIDIA GeForce RTX 4090", "image": IMAGE}
    stack = fleet_stack(fleet({"ssh_keys": keys, "pods": {"trainer": pod}}))
    assert stack.up().ops() == {"alice": "create", "bob": "create", "trainer": "create"}

    assert sorted(runpod_keys(by_hand)) == [ALICE, BOB]
    (pod_id,) = emulator.leftovers()["runpod"]["pods"]
    given = by_hand.call("runpod", "GET", f"/pods/{pod_id}")["env"]["PUBLIC_KEY"]
    lines = [AccountKey(line).public_key for line in given.split("\n")]
    assert sorted(lines) == [ALICE, BOB], "made after the keys, it got both"
    alice = stack.resources()["alice"]
    assert alice["outputs"]["fingerprint"] == key_fingerprint(ALICE)
    assert alice["id"] == f"{key_fingerprint(ALICE)}#{alice['outputs']['owner']}"
    assert alice["outputs"]["public_key"] == ALICE
    assert stack.preview().ops() == {}

    # Removing a key takes it off the account; the running pod keeps what it started with.
    del keys["bob"]
    stack.write_file("fleet.yaml", fleet({"ssh_keys": keys, "pods": {"trainer": pod}}))
    assert stack.up().ops() == {"bob": "delete"}
    assert runpod_keys(by_hand) == [ALICE]
    assert emulator.leftovers()["runpod"]["pods"] == [pod_id]

    stack.destroy()
    assert by_hand.call("runpod", "GET", "/account/ssh-keys")["keys"] == []


def test_a_key_registered_by_hand_is_kept_beside_the_declared_ones(
    fleet_stack: Callable[[str], ProgramStack], by_hand: ByHand
) -> None:
    by_hand.call("runpod", "PUT", "/account/ssh-keys", json={"keys": [BOB]})
    stack = fleet_stack(fleet({"ssh_keys": {"alice": {"cloud": "runpod", "public_key": ALICE}}}))
    stack.up()
    assert runpod_keys(by_hand) == [BOB, ALICE]
    stack.destroy()
    assert by_hand.call("runpod", "GET", "/account/ssh-keys")["keys"] == [BOB]


def test_primeintellect_pod_logs_in_with_the_key_it_names(
    fleet_stack: Callable[[str], ProgramStack], emulator: Emulator, by_hand: ByHand
) -> None:
    entries = {
        "ssh_keys": {"team": {"cloud": "primeintellect", "public_key": ALICE}},
        "pods": {"h100": {"cloud": "primeintellect", "gpu_type": "H100_80GB", "ssh_key": "team"}},
    }
    stack = fleet_stack(fleet(entries))
    assert stack.preview().ops() == {"team": "create", "h100": "create"}
    assert stack.up().ops() == {"team": "create", "h100": "create"}

    resources = stack.resources()
    key_id = resources["team"]["id"]
    (listed,) = by_hand.call("primeintellect", "GET", "/ssh_keys/")["data"]
    assert listed["id"] == key_id and listed["publicKey"] == ALICE
    pod_keys = emulator.primeintellect.pod_keys(resources["h100"]["id"])
    assert pod_keys["sshKeyId"] == key_id and pod_keys["publicKeys"] == [ALICE]

    # Another key is another object: the pod that named the old one is replaced.
    entries["ssh_keys"]["team"]["public_key"] = BOB
    stack.write_file("fleet.yaml", fleet(entries))
    assert stack.preview().ops() == {"team": "replace", "h100": "replace"}
    stack.up()
    pod_keys = emulator.primeintellect.pod_keys(stack.resources()["h100"]["id"])
    assert pod_keys["publicKeys"] == [BOB]

    stack.destroy()
    assert by_hand.call("primeintellect", "GET", "/ssh_keys/")["data"] == []


def test_celium_key_changes_in_place(
    fleet_stack: Callable[[str], ProgramStack], by_hand: ByHand
) -> None:
    entries = {"ssh_keys": {"alice": {"cloud": "celium", "public_key": ALICE}}}
    stack = fleet_stack(fleet(entries))
    stack.up()
    (key,) = by_hand.call("celium", "GET", "/ssh-keys")
    assert key["public_key"] == ALICE

    entries["ssh_keys"]["alice"]["public_key"] = BOB
    stack.write_file("fleet.yaml", fleet(entries))
    assert stack.up().ops() == {"alice": "update"}
    (updated,) = by_hand.call("celium", "GET", "/ssh-keys")
    assert updated["id"] == key["id"] and updated["public_key"] == BOB
    assert stack.resources()["alice"]["outputs"]["fingerprint"] == key_fingerprint(BOB)

    stack.destroy()
    assert by_hand.call("celium", "GET", "/ssh-keys") == []
