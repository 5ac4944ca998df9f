"""``primeintellect.SshKey``: a public key of the account, for pods to name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.core.account_keys import AccountKeyProvider
from pulumi_gpu.core.inputs import REPLACES, ResourceInputs
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.core.ssh import PublicKey
from pulumi_gpu.primeintellect.client import PrimeClient, prime_client
from pulumi_gpu.primeintellect.models import SshKey as ApiKey

__all__ = ["SshKey", "SshKeyInputs"]


class SshKeyInputs(ResourceInputs):
    """Inputs of a Prime Intellect SSH key. The API cannot edit a key: a change of name or
    key replaces it (pods already made keep the key they were made with)."""

    name: str = Field(
        min_length=1, max_length=255, description="Key name.", json_schema_extra=REPLACES
    )
    public_key: PublicKey = Field(
        description="OpenSSH public key, e.g. 'ssh-ed25519 AAAA... alice@laptop'.",
        json_schema_extra=REPLACES,
    )


class SshKeyProvider(AccountKeyProvider[SshKeyInputs, ApiKey]):
    inputs_model = SshKeyInputs
    kind = "primeintellect SshKey"
    cloud = "primeintellect"
    keys_path = "/ssh_keys/"

    def client(self) -> PrimeClient:
        return prime_client()

    def list_objects(self) -> list[ApiKey]:
        return self.client().list_ssh_keys()

    def create_object(self, inputs: SshKeyInputs, token: str) -> ApiKey:
        return self.client().create_ssh_key(inputs.name, inputs.public_key)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_ssh_key(id_)

    def outputs(self, obj: ApiKey, state: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().outputs(obj, state), "is_primary": obj.is_primary}


class SshKey(GpuResource, module="primeintellect", name="SshKey"):
    """A public key of the Prime Intellect account, which pods name with
    ``primeintellect.Pod(ssh_key_id=key.id)`` (a pod that names none gets the account's
    primary key).

    Example::

        import pulumi_gpu.primeintellect as prime

        team = prime.SshKey("team", public_key="ssh-ed25519 AAAA... team@ci")
        pod = prime.Pod("h100", gpu_type="H100_80GB", ssh_key_id=team.id)
    """

    name: pulumi.Output[str]
    public_key: pulumi.Output[str]
    fingerprint: pulumi.Output[str]
    """``SHA256:...``, as ``ssh-keygen -lf`` prints it."""
    is_primary: pulumi.Output[bool]
    """Whether pods that name no key get this one."""

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
