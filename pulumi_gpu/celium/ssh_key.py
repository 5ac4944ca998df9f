"""``celium.SshKey``: a public key registered with the Celium account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import SshKey as ApiKey
from pulumi_gpu.core.account_keys import AccountKeyProvider
from pulumi_gpu.core.inputs import UPDATES, ResourceInputs
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.core.ssh import PublicKey

__all__ = ["SshKey", "SshKeyInputs"]


class SshKeyInputs(ResourceInputs):
    """Inputs of a Celium account key; name and key change in place."""

    name: str = Field(min_length=1, description="Key name.", json_schema_extra=UPDATES)
    public_key: PublicKey = Field(
        description=(
            "OpenSSH public key, e.g. 'ssh-ed25519 AAAA... alice@laptop'; pods already "
            "rented keep the keys they were rented with."
        ),
        json_schema_extra=UPDATES,
    )


class SshKeyProvider(AccountKeyProvider[SshKeyInputs, ApiKey]):
    inputs_model = SshKeyInputs
    kind = "celium SshKey"
    cloud = "celium"
    keys_path = "/ssh-keys"

    def client(self) -> CeliumClient:
        return celium_client()

    def list_objects(self) -> list[ApiKey]:
        return self.client().list_ssh_keys()

    def create_object(self, inputs: SshKeyInputs, token: str) -> ApiKey:
        return self.client().create_ssh_key(inputs.name, inputs.public_key)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_ssh_key(id_)

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: SshKeyInputs, changed: set[str]
    ) -> set[str]:
        self.client().update_ssh_key(id_, inputs.name, inputs.public_key)
        return changed & {"name", "public_key"}


class SshKey(GpuResource, module="celium", name="SshKey"):
    """A public key registered with the Celium account (what ``lium`` and the Celium
    dashboard offer when renting). A pod still names the keys it is rented with:
    ``celium.Pod(ssh_public_keys=[key.public_key])``.

    Example::

        import pulumi_gpu.celium as celium

        alice = celium.SshKey("alice", public_key="ssh-ed25519 AAAA... alice@laptop")
    """

    name: pulumi.Output[str]
    public_key: pulumi.Output[str]
    fingerprint: pulumi.Output[str]
    """``SHA256:...``, as ``ssh-keygen -lf`` prints it."""

    def __init__(
        self,
        resource_name: str,
        *,
        public_key: pulumi.Input[str],
        name: pulumi.Input[str] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare an account key; see :class:`SshKeyInputs`."""
        self._register(
            SshKeyProvider(),
            resource_name,
            {
                "name": name,
                "public_key": public_key,
                "adopt_id": adopt_id,
            },
            opts,
        )
