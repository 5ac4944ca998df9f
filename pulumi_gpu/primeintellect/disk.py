"""``primeintellect.Disk``: a network disk that outlives the pods it is attached to."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult
from pydantic import Field

from pulumi_gpu.core.errors import GpuCloudError, NotFoundError
from pulumi_gpu.core.lifecycle import cleanup_on_failure, create_once
from pulumi_gpu.core.log import report
from pulumi_gpu.core.provider import (
    DESTROYS_DATA,
    PROVIDER_KEY,
    GpuProvider,
    ResourceInputs,
    contains_unknown,
)
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.core.waiting import wait_for
from pulumi_gpu.primeintellect.client import PrimeClient, prime_client, team
from pulumi_gpu.primeintellect.models import Disk as ApiDisk
from pulumi_gpu.primeintellect.models import ProviderType, disk_phase

__all__ = ["Disk", "DiskInputs"]

LOCATION_FIELDS = ("provider", "data_center_id", "cloud_id")


class DiskInputs(ResourceInputs):
    """Inputs of a Prime Intellect disk.

    The name updates in place. Prime Intellect cannot resize or move a disk: a new
    size, provider, data center or cloud id means a new, empty disk. Such a change is
    refused at preview unless ``allow_replacement`` is true for that update.
    """

    name: str = Field(min_length=1, max_length=255, description="Disk name; updates in place.")
    size: int = Field(
        gt=0,
        description="Size in GB. Disks cannot be resized: a new size replaces (empties) the disk.",
        json_schema_extra=DESTROYS_DATA,
    )
    provider: ProviderType = Field(
        description="Provider the disk lives at, e.g. 'hyperstack' (see get_disk_availability()).",
        json_schema_extra=DESTROYS_DATA,
    )
    data_center_id: str = Field(
        min_length=1,
        description="Data center, e.g. 'CANADA-1'; pods attaching the disk run there.",
        json_schema_extra=DESTROYS_DATA,
    )
    cloud_id: str | None = Field(
        None,
        min_length=1,
        description="The disk product's cloudId from get_disk_availability(), when it has one.",
        json_schema_extra=DESTROYS_DATA,
    )
    allow_replacement: bool = Field(
        False,
        description=(
            "Confirms, for one update, a change that replaces the disk and deletes its data."
        ),
    )
    wait_timeout: float = Field(
        600, gt=0, description="Seconds to wait until the disk is ACTIVE (and for deletion)."
    )


def _outputs(disk: ApiDisk) -> dict[str, Any]:
    return {
        "status": disk.status,
        "price_per_hour": disk.price_hr,
        "country": disk.country,
        "attached_pods": list(disk.pods),
    }


def _body(inputs: DiskInputs) -> dict[str, Any]:
    disk = {
        "size": inputs.size,
        "name": inputs.name,
        "dataCenterId": inputs.data_center_id,
        "cloudId": inputs.cloud_id,
    }
    body: dict[str, Any] = {
        "disk": {k: v for k, v in disk.items() if v is not None},
        "provider": {"type": inputs.provider},
    }
    if team():
        body["team"] = team()
    return body


def _wait_active(client: PrimeClient, disk_id: str, what: str, timeout: float) -> ApiDisk:
    return wait_for(
        f"{what} ({disk_id})",
        lambda: client.get_disk(disk_id),
        status=lambda d: d.status,
        ready=lambda d: disk_phase(d.status) == "ready",
        failure=lambda d: (
            f"Prime Intellect reports the disk {d.status}"
            if disk_phase(d.status) in ("failed", "deleting", "gone")
            else None
        ),
        timeout=timeout,
    )


def _delete_and_wait(client: PrimeClient, disk_id: str, timeout: float) -> None:
    try:
        client.delete_disk(disk_id)
    except NotFoundError:
        return

    def fetch() -> ApiDisk | None:
        try:
            return client.get_disk(disk_id)
        except NotFoundError:
            return None

    wait_for(
        f"primeintellect disk {disk_id} deletion",
        fetch,
        status=lambda d: d.status if d else "gone",
        ready=lambda d: d is None or disk_phase(d.status) == "gone",
        timeout=timeout,
    )


class DiskProvider(GpuProvider[DiskInputs]):
    inputs_model = DiskInputs
    kind = "primeintellect Disk"

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        result = super().check(olds, news)
        if result.failures:
            return result
        values = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        return CheckResult(result.inputs, self._location_failures(olds, values))

    def _location_failures(
        self, olds: dict[str, Any], values: dict[str, Any]
    ) -> list[CheckFailure]:
        """The location is known at preview: check that it sells disks of this size."""
        judged = ("size", *LOCATION_FIELDS)
        if contains_unknown({f: values.get(f) for f in judged}):
            return []
        if olds and not set(self.changed_fields(olds, values)) & set(judged):
            return []
        inputs = DiskInputs.model_validate(values)
        try:
            offers = prime_client().disk_availability()
        except GpuCloudError as exc:
            report(f"primeintellect disk {inputs.name}: could not check the location: {exc}")
            return []
        mine = [o for o in offers if o.provider == inputs.provider]
        here = [
            o
            for o in mine
            if o.data_center == inputs.data_center_id and inputs.cloud_id in (None, o.cloud_id)
        ]
        if not here:
            places = ", ".join(
                sorted(
                    f"{o.data_center}" + (f" ({o.cloud_id})" if o.cloud_id else "") for o in mine
                )
            )
            field = "data_center_id" if inputs.cloud_id is None else "cloud_id"
            allowed = f"allowed: {places}" if places else f"{inputs.provider} sells no disks"
            return [
                CheckFailure(
                    field,
                    f"{inputs.provider} has no disks in {inputs.data_center_id}"
                    + (f" with cloud_id {inputs.cloud_id}" if inputs.cloud_id else "")
                    + f"; {allowed}",
                )
            ]
        if any(o.spec.admits(inputs.size) for o in here):
            return []
        return [
            CheckFailure(
                "size",
                f"{inputs.size} GB is outside what {inputs.provider} {inputs.data_center_id} "
                f"allows: {here[0].spec.describe(' GB')}",
            )
        ]

    def create_resource(self, inputs: DiskInputs) -> tuple[str, dict[str, Any]]:
        client = prime_client()
        what = f"primeintellect disk {inputs.name}"
        disk = create_once(
            what,
            lambda: client.create_disk(_body(inputs)),
            existing=lambda: [d for d in client.list_disks() if d.name == inputs.name],
            ident=lambda d: d.id,
        )
        ready = cleanup_on_failure(
            what,
            disk.id,
            wait=lambda: _wait_active(client, disk.id, what, inputs.wait_timeout),
            delete=lambda: _delete_and_wait(client, disk.id, inputs.wait_timeout),
        )
        return disk.id, _outputs(ready)

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            disk = prime_client().get_disk(id_)
        except NotFoundError:
            return None
        if disk_phase(disk.status) in ("deleting", "gone"):
            return None
        live: dict[str, Any] = {
            "name": disk.name or state.get("name"),
            "size": disk.size or state.get("size"),
            "provider": disk.provider_type or state.get("provider"),
            "data_center_id": disk.data_center_id or state.get("data_center_id"),
        }
        if state.get("cloud_id") is not None and disk.cloud_id:
            live["cloud_id"] = disk.cloud_id
        return {**live, **_outputs(disk)}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: DiskInputs, changed: set[str]
    ) -> dict[str, Any]:
        client = prime_client()
        if "name" in changed:
            client.rename_disk(id_, inputs.name)
        return _outputs(client.get_disk(id_))

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        _delete_and_wait(prime_client(), id_, float(state.get("wait_timeout") or 600))


class Disk(GpuResource, module="primeintellect", name="Disk"):
    """A Prime Intellect network disk, attached to pods with ``Pod(disks=[disk.id])``.

    Its data survives the pods that use it: replacing or deleting a pod never touches
    the disk. The name updates in place; a new size or location would replace the
    disk and lose its data, so preview refuses it unless ``allow_replacement=True``.
    Pods attaching the disk run in its provider and data center.

    Example::

        import pulumi_gpu.primeintellect as primeintellect

        where = primeintellect.get_disk_availability(provider="hyperstack")[0]
        data = primeintellect.Disk(
            "datasets", size=1000, provider=where.provider, data_center_id=where.data_center
        )
    """

    name: pulumi.Output[str]
    status: pulumi.Output[str]
    """PROVISIONING, ACTIVE, ... as Prime Intellect reports it."""
    price_per_hour: pulumi.Output[float]
    """USD per hour for the disk (billed whether or not a pod uses it)."""
    country: pulumi.Output[str]
    attached_pods: pulumi.Output[list[str]]
    """Ids of the pods the disk is attached to, as last read."""

    def __init__(
        self,
        resource_name: str,
        *,
        size: pulumi.Input[int],
        provider: pulumi.Input[str],
        data_center_id: pulumi.Input[str],
        cloud_id: pulumi.Input[str] | None = None,
        allow_replacement: pulumi.Input[bool] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a disk; see :class:`DiskInputs` for every input's rules."""
        self._register(
            DiskProvider(),
            resource_name,
            {
                "name": name or default_name(resource_name),
                "size": size,
                "provider": provider,
                "data_center_id": data_center_id,
                "cloud_id": cloud_id,
                "allow_replacement": allow_replacement,
                "wait_timeout": wait_timeout,
            },
            opts,
        )
