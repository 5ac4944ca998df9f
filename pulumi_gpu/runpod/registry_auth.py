"""``runpod.RegistryAuth``: credentials for pulling private images."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pydantic import Field

from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import REPLACES, SECRET, ResourceInputs, Secret
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.resource import GpuResource
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.models import Registry

__all__ = ["RegistryAuth", "RegistryAuthInputs"]


class RegistryAuthInputs(ResourceInputs):
    """Inputs of RunPod registry credentials. RunPod cannot edit them: any change
    replaces them (the new ones are made first, then pods and templates that name them
    move to the new id by their own update, then the old ones are deleted)."""

    name: str = Field(
        min_length=1, description="Name of the credentials.", json_schema_extra=REPLACES
    )
    username: str = Field(
        min_length=1, description="Registry user name.", json_schema_extra=REPLACES
    )
    password: Secret = Field(
        min_length=1,
        description="Registry password or access token (kept encrypted in the state).",
        json_schema_extra={**SECRET, **REPLACES},
    )


class RegistryAuthProvider(GpuProvider[RegistryAuthInputs, Registry]):
    inputs_model = RegistryAuthInputs
    kind = "runpod RegistryAuth"

    def client(self) -> RunPodClient:
        return runpod_client()

    def find(self, inputs: RegistryAuthInputs) -> list[Registry]:
        return [r for r in self.client().list_registries() if r.name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [Inventoried(r.id, r.name) for r in self.client().list_registries()]

    def create_object(self, inputs: RegistryAuthInputs, token: str) -> Registry:
        body = {"name": inputs.name, "username": inputs.username, "password": inputs.password}
        return self.client().create_registry(body)

    def object_id(self, obj: Registry) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> Registry:
        return self.client().get_registry(id_)

    def observe(self, obj: Registry) -> Observed[Registry]:
        return Observed(Phase.READY, "registered", obj=obj)  # credentials have no status

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        client = self.client()
        try:
            client.delete_registry(id_)
        except InvalidRequestError as exc:
            users = [f"{p.name} ({p.id})" for p in client.list_pods() if p.registry == id_]
            which = f": {', '.join(users)}" if users else ""
            raise GpuCloudError(
                f"runpod registry credentials {id_} cannot be deleted while pods use "
                f"them{which}. Terminate those pods first (RunPod said: {exc.message})"
            ) from exc

    def outputs(self, obj: Registry, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": obj.name}


class RegistryAuth(GpuResource, module="runpod", name="RegistryAuth"):
    """Credentials RunPod pulls private images with: pods, jobs and templates name them
    with ``registry_id``.

    Example::

        import pulumi
        import pulumi_gpu.runpod as runpod

        ghcr = runpod.RegistryAuth(
            "ghcr",
            username="my-org-bot",
            password=pulumi.Config().require_secret("ghcrToken"),
        )
        pod = runpod.Pod(
            "trainer",
            gpu_type="NVIDIA GeForce RTX 4090",
            image="ghcr.io/my-org/trainer:1.4",
            registry_id=ghcr.id,
        )
    """

    name: pulumi.Output[str]
    username: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        username: pulumi.Input[str],
        password: pulumi.Input[str],
        name: pulumi.Input[str] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare registry credentials; see :class:`RegistryAuthInputs`."""
        self._register(
            RegistryAuthProvider(),
            resource_name,
            {
                "name": name,
                "username": username,
                "password": password,
                "adopt_id": adopt_id,
            },
            opts,
        )
