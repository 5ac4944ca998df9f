"""``runpod.SshKey``: a public key of the account, given to every pod started with SSH."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.core.account_keys import AccountKeyProvider
from pulumi_gpu.core.errors import NotFoundError
from pulumi_gpu.core.inputs import REPLACES, ResourceInputs
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.core.ssh import PublicKey, key_fingerprint
from pulumi_gpu.runpod.client import RunPodClient, runpod_client

__all__ = ["SshKey", "SshKeyInputs"]

_account_keys = threading.Lock()
"""The account's keys are one list, written whole: one change at a time in this process."""


class SshKeyInputs(ResourceInputs):
    """Inputs of a RunPod account SSH key."""

    public_key: PublicKey = Field(
        description=(
            "OpenSSH public key, e.g. 'ssh-ed25519 AAAA... alice@laptop'. RunPod gives the "
            "account's keys to pods created later with start_ssh (as PUBLIC_KEY); changing "
            "it replaces the key, and pods already running keep the keys they started with."
        ),
        json_schema_extra=REPLACES,
    )


MARK_PREFIX = "pulumi-gpu="
"""The last word of a key line pulumi-gpu added: the owner mark (see ``core.identity``)."""


@dataclass(frozen=True)
class AccountKey:
    """One line of the account's key list. RunPod gives keys no id: a key is known by its
    fingerprint, and one pulumi-gpu added also by the owner mark that ends its line (so
    two stacks may each hold the same key as an entry of their own)."""

    line: str

    @property
    def mark(self) -> str | None:
        last = self.line.split()[-1] if self.line.split() else ""
        return last[len(MARK_PREFIX) :] if last.startswith(MARK_PREFIX) else None

    @property
    def public_key(self) -> str:
        """The key as declared: the line without the mark."""
        words = self.line.split()
        return " ".join(words[:-1] if self.mark is not None else words)

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.line)

    @property
    def id(self) -> str:
        return self.fingerprint if self.mark is None else f"{self.fingerprint}#{self.mark}"

    @property
    def name(self) -> str:
        return " ".join(self.public_key.split()[2:])


class SshKeyProvider(AccountKeyProvider[SshKeyInputs, AccountKey]):
    inputs_model = SshKeyInputs
    kind = "runpod SshKey"
    cloud = "runpod"
    keys_path = "/account/ssh-keys"

    def client(self) -> RunPodClient:
        return runpod_client()

    def describe(self, state: Mapping[str, Any]) -> str:
        key = str(state.get("public_key") or "")
        return f"{self.kind} {key_fingerprint(key) if key else '(no key)'}"

    def list_objects(self) -> list[AccountKey]:
        return [AccountKey(k.strip()) for k in self.client().list_ssh_keys() if k.strip()]

    def find(self, inputs: SshKeyInputs) -> list[AccountKey]:
        """This resource's entry: the key's line with its mark. Lines of the same key
        without it (added by hand, or another stack's) are other entries, left alone."""
        wanted = key_fingerprint(inputs.public_key)
        mark = str(inputs.owner) if inputs.owner is not None else None
        return [k for k in self.listing() if k.fingerprint == wanted and k.mark == mark]

    def mark_of(self, obj: AccountKey) -> str | None:
        return obj.mark

    def create_object(self, inputs: SshKeyInputs, token: str) -> AccountKey:
        line = inputs.public_key.strip()
        if inputs.owner is not None:
            line += f" {MARK_PREFIX}{inputs.owner}"
        with _account_keys:
            keys = [k.line for k in self.listing()]
            self.client().put_ssh_keys([*keys, line])
        return AccountKey(line)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        with _account_keys:
            keys = self.listing()
            kept = [k.line for k in keys if k.id != id_]
            if len(kept) == len(keys):
                raise NotFoundError("runpod", "GET", self.keys_path, 404, f"no key {id_}")
            self.client().put_ssh_keys(kept)

    def outputs(self, obj: AccountKey, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"public_key": obj.public_key, "fingerprint": obj.fingerprint}


class SshKey(GpuResource, module="runpod", name="SshKey"):
    """A public key of the RunPod account: pods created after it with ``start_ssh`` (the
    default) and no ``ssh_public_keys`` of their own get every account key.

    Declare the team's keys once, and make the pods depend on them so they start after
    (the fleet file does that by itself for ``ssh_keys`` entries). RunPod keeps the
    keys as one list: another tool changing the list while ``pulumi up`` runs can undo
    a change.

    Example::

        import pulumi
        import pulumi_gpu.runpod as runpod

        alice = runpod.SshKey("alice", public_key="ssh-ed25519 AAAA... alice@laptop")
        pod = runpod.Pod(
            "trainer",
            gpu_type="NVIDIA GeForce RTX 4090",
            image="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
            opts=pulumi.ResourceOptions(depends_on=[alice]),
        )
    """

    public_key: pulumi.Output[str]
    fingerprint: pulumi.Output[str]
    """``SHA256:...``, as ``ssh-keygen -lf`` prints it. The resource's id is the
    fingerprint and the owner mark that ends the key's line in the account's list."""

    def __init__(
        self,
        resource_name: str,
        *,
        public_key: pulumi.Input[str],
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare an account key; see :class:`SshKeyInputs`."""
        self._register(
            SshKeyProvider(),
            resource_name,
            {"public_key": public_key, "adopt_id": adopt_id},
            opts,
        )
