"""SSH keys of a cloud account: what the three clouds' ``SshKey`` kinds share.

The clouds read keys only as a list (no GET by id) and give them no status; a key is
found by its name (its key material where the cloud has no names). Subclasses say how
to list (``list_objects``), add and remove keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, TypeVar

from pulumi_gpu.core.errors import NotFoundError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import ResourceInputs
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.ssh import key_fingerprint


class ListedKey(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def public_key(self) -> str: ...


InputsT = TypeVar("InputsT", bound=ResourceInputs)
KeyT = TypeVar("KeyT", bound=ListedKey)


class AccountKeyProvider(GpuProvider[InputsT, KeyT]):
    """A kind of account key, read from the account's list of keys."""

    listed = True
    cloud: ClassVar[str]
    keys_path: ClassVar[str]
    """The API's key collection, for messages."""

    def find(self, inputs: InputsT) -> list[KeyT]:
        name = getattr(inputs, "name", None)
        return [k for k in self.listing() if k.name == name]

    def inventory(self) -> list[Inventoried]:
        return [Inventoried(k.id, k.name, self.mark_of(k)) for k in self.list_objects()]

    def object_id(self, obj: KeyT) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> KeyT:
        for key in self.listing():
            if key.id == id_:
                return key
        raise NotFoundError(self.cloud, "GET", self.keys_path, 404, f"no key {id_}")

    def observe(self, obj: KeyT) -> Observed[KeyT]:
        return Observed(Phase.READY, "registered", obj=obj)  # keys have no status

    def outputs(self, obj: KeyT, state: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "name": obj.name,
            "public_key": obj.public_key,
            "fingerprint": key_fingerprint(obj.public_key),
        }
