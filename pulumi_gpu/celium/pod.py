"""``celium.Pod``: a rented executor running a verified template, ready for SSH."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any, TypedDict

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import DELETING, Executor
from pulumi_gpu.celium.models import Pod as ApiPod
from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError, NotFoundError
from pulumi_gpu.core.lifecycle import cleanup_on_failure, create_once
from pulumi_gpu.core.log import report
from pulumi_gpu.core.provider import (
    REPLACES,
    Change,
    GpuProvider,
    ResourceInputs,
    contains_unknown,
    references,
)
from pulumi_gpu.core.resource import GpuResource, default_name
from pulumi_gpu.core.ssh import check_public_keys, parse_ssh
from pulumi_gpu.core.waiting import wait_for

__all__ = ["ExecutorSelector", "ExecutorSelectorArgs", "Pod", "PodInputs"]

RENT_ATTEMPTS = 3
"""Executors tried, cheapest first, when another renter takes one first."""

_claimed: set[str] = set()
_claimed_lock = threading.Lock()
"""Executors that creates in this process are renting or have rented: the pods of one
fleet that share a selector take different machines instead of racing for the cheapest."""


class ExecutorSelector(BaseModel):
    """Which executor to rent: the cheapest one matching every given criterion."""

    model_config = ConfigDict(extra="forbid")

    gpu_model: str | None = Field(
        None,
        min_length=1,
        description="Part of the GPU model name, case-insensitive: 'A100', 'H100', 'RTX 4090'.",
        examples=["A100"],
    )
    gpu_count: int | None = Field(None, ge=1, le=16, description="Exact number of GPUs.")
    max_price_per_hour: float | None = Field(
        None, gt=0, description="Highest price of the whole machine, USD per hour."
    )
    location: str | None = Field(
        None,
        min_length=1,
        description="Country code, country or city of the machine, case-insensitive: 'US'.",
    )

    def matches(self, machine: str, gpus: int, price: float, where: dict[str, str]) -> bool:
        """True if a machine with these properties satisfies every criterion."""
        places = {str(v).lower() for v in where.values() if v}
        return (
            (self.gpu_model is None or self.gpu_model.lower() in machine.lower())
            and (self.gpu_count is None or self.gpu_count == gpus)
            and (self.max_price_per_hour is None or price <= self.max_price_per_hour + 1e-9)
            and (self.location is None or self.location.lower() in places)
        )

    def describe(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.model_dump(exclude_none=True).items())


class ExecutorSelectorArgs(TypedDict, total=False):
    """Keyword form of :class:`ExecutorSelector` for Python programs."""

    gpu_model: pulumi.Input[str]
    gpu_count: pulumi.Input[int]
    max_price_per_hour: pulumi.Input[float]
    location: pulumi.Input[str]


class PodInputs(ResourceInputs):
    """Inputs of a Celium pod.

    The executor is given by id or chosen by ``selector`` at create time (the cheapest
    match, recorded in the outputs). A changed selector that the rented executor still
    satisfies changes nothing; otherwise, like a new template, SSH keys or volume, it
    replaces the pod. The name updates in place.
    """

    name: str = Field(min_length=1, max_length=128, description="Pod name; updates in place.")
    template_id: str = Field(
        min_length=1,
        description="Id of a verified template (e.g. a celium.Template's id).",
        json_schema_extra=references("templates"),
    )
    ssh_public_keys: list[str] = Field(
        min_length=1,
        description="OpenSSH public keys allowed to log in, e.g. 'ssh-ed25519 AAAA... me'.",
        json_schema_extra=REPLACES,
    )
    executor_id: str | None = Field(
        None, min_length=1, description="Rent this executor (mutually exclusive with selector)."
    )
    selector: ExecutorSelector | None = Field(
        None, description="Rent the cheapest executor matching these criteria."
    )
    volume_id: str | None = Field(
        None,
        min_length=1,
        description="Id of a celium.Volume to mount; the volume outlives the pod.",
        json_schema_extra=references("disks"),
    )
    wait_timeout: float = Field(
        900, gt=0, description="Seconds to wait for RUNNING (and for deletion)."
    )

    @field_validator("ssh_public_keys")
    @classmethod
    def _keys(cls, keys: list[str]) -> list[str]:
        return check_public_keys(keys)

    @model_validator(mode="after")
    def _one_executor(self) -> PodInputs:
        if (self.executor_id is None) == (self.selector is None):
            raise ValueError("give exactly one of executor_id and selector")
        return self


def _outputs(pod: ApiPod, executor: dict[str, Any]) -> dict[str, Any]:
    target = parse_ssh(pod.ssh_connect_cmd)
    return {
        "status": pod.status,
        "ssh_command": pod.ssh_connect_cmd,
        "ssh_user": (target.user or "root") if target else None,
        "ssh_host": target.host if target else None,
        "ssh_port": target.port if target else None,
        "ports": {str(k): int(v) for k, v in pod.ports_mapping.items()},
        "gpu_name": pod.gpu_name or executor.get("machine_name"),
        "gpu_count": pod.gpu_count or executor.get("gpu_count"),
        "price_per_hour": pod.price if pod.price is not None else executor.get("price_per_hour"),
        "rented_executor_id": executor["id"],
        "location": executor.get("location") or {},
    }


def _executor_record(executor: Executor) -> dict[str, Any]:
    return {
        "id": executor.id,
        "machine_name": executor.machine_name,
        "gpu_count": executor.gpu_count,
        "price_per_hour": round(executor.price_per_hour, 4),
        "location": executor.location.model_dump(include={"country", "country_code", "city"}),
    }


def _recorded_executor(state: dict[str, Any], fallback_id: str) -> dict[str, Any]:
    """The executor facts recorded at create time (the pod API does not repeat them all)."""
    return {
        "id": state.get("rented_executor_id") or fallback_id,
        "machine_name": state.get("gpu_name"),
        "gpu_count": state.get("gpu_count"),
        "price_per_hour": state.get("price_per_hour"),
        "location": state.get("location") or {},
    }


def _still_on_rented(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """True if the new executor_id/selector still designate the executor the pod runs on."""
    rented = olds.get("rented_executor_id")
    if (
        not rented
        or contains_unknown(news.get("executor_id"))
        or contains_unknown(news.get("selector"))
    ):
        return False
    if news.get("executor_id") is not None:
        return bool(news["executor_id"] == rented)
    try:
        selector = ExecutorSelector.model_validate(news.get("selector"))
    except ValidationError:
        return False
    return selector.matches(
        str(olds.get("gpu_name") or ""),
        int(olds.get("gpu_count") or 0),
        float(olds.get("price_per_hour") or 0),
        olds.get("location") or {},
    )


def _delete_and_wait(client: CeliumClient, pod_id: str, timeout: float) -> None:
    try:
        client.delete_pod(pod_id)
    except NotFoundError:
        return

    def fetch() -> ApiPod | None:
        try:
            return client.get_pod(pod_id)
        except NotFoundError:
            return None

    wait_for(
        f"celium pod {pod_id} deletion",
        fetch,
        status=lambda p: p.status if p else "gone",
        ready=lambda p: p is None,
        timeout=timeout,
    )


class PodProvider(GpuProvider[PodInputs]):
    inputs_model = PodInputs
    kind = "celium Pod"

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field in ("selector", "executor_id"):
            return Change.NONE if _still_on_rented(olds, news) else Change.REPLACE
        return super().change_kind(field, olds, news)

    def create_resource(self, inputs: PodInputs) -> tuple[str, dict[str, Any]]:
        client = celium_client()
        what = f"celium pod {inputs.name}"
        pod, executor = self._rent(client, inputs, what)
        report(f"{what}: rented {executor.gpu_count}x {executor.machine_name} as {pod.id}")
        ready = cleanup_on_failure(
            what,
            pod.id,
            wait=lambda: wait_for(
                f"{what} ({pod.id})",
                lambda: client.get_pod(pod.id),
                status=lambda p: p.status,
                ready=lambda p: p.ready,
                failure=lambda p: p.failure_reason(),
                timeout=inputs.wait_timeout,
            ),
            delete=lambda: _delete_and_wait(client, pod.id, inputs.wait_timeout),
        )
        return ready.id, _outputs(ready, _executor_record(executor))

    def _rent(self, client: CeliumClient, inputs: PodInputs, what: str) -> tuple[ApiPod, Executor]:
        """Rent the first candidate executor that is still free; never rent twice."""
        body: dict[str, Any] = {
            "pod_name": inputs.name,
            "template_id": inputs.template_id,
            "user_public_key": inputs.ssh_public_keys,
        }
        if inputs.volume_id:
            body["volume_id"] = inputs.volume_id
        races = 0
        while True:
            candidates = self._candidates(client, inputs)
            with _claimed_lock:
                free = [e for e in candidates if e.id not in _claimed]
                if not free:
                    raise GpuCloudError(
                        f"{what}: every executor matching the selector is taken by other pods "
                        "of this update"
                    )
                executor = free[0]
                _claimed.add(executor.id)
            try:
                pod = create_once(
                    what,
                    functools.partial(client.rent, executor.id, body),
                    existing=lambda: [p for p in client.list_pods() if p.pod_name == inputs.name],
                    ident=lambda p: p.id,
                )
            except (InvalidRequestError, NotFoundError) as exc:
                with _claimed_lock:
                    _claimed.discard(executor.id)
                races += 1
                if inputs.selector is None or "rented" not in exc.message.lower():
                    raise
                if races >= RENT_ATTEMPTS:
                    raise GpuCloudError(
                        f"{what}: {races} executors in a row were rented by someone else "
                        "between listing and renting; try again"
                    ) from exc
                report(f"{what}: executor {executor.id} was taken meanwhile; trying the next")
                continue
            except BaseException:
                with _claimed_lock:
                    _claimed.discard(executor.id)
                raise
            return pod, executor

    def _candidates(self, client: CeliumClient, inputs: PodInputs) -> list[Executor]:
        if inputs.executor_id is not None:
            found = [e for e in client.list_executors() if e.id == inputs.executor_id]
            if not found:
                raise GpuCloudError(
                    f"celium executor {inputs.executor_id} is not for rent (unknown or rented)"
                )
            return found
        selector = inputs.selector
        assert selector is not None
        filters: dict[str, Any] = {
            "gpu_count_gte": selector.gpu_count,
            "gpu_count_lte": selector.gpu_count,
            "price_per_hour_lte": selector.max_price_per_hour,
        }
        offered = client.list_executors(**filters)
        matching = [
            e
            for e in offered
            if selector.matches(
                e.machine_name, e.gpu_count, e.price_per_hour, e.location.model_dump()
            )
        ]
        if not matching:
            raise GpuCloudError(
                f"no Celium executor for rent matches {selector.describe()}"
                + _cheapest_hint(client, selector)
            )
        return sorted(matching, key=lambda e: (e.price_per_hour, -e.uptime_in_minutes, e.id))

    def read_resource(self, id_: str, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            pod = celium_client().get_pod(id_)
        except NotFoundError:
            return None
        if pod.status == DELETING:
            return None
        outputs = _outputs(pod, _recorded_executor(state, pod.executor.id))
        return {"name": pod.pod_name or state.get("name"), **outputs}

    def update_resource(
        self, id_: str, state: dict[str, Any], inputs: PodInputs, changed: set[str]
    ) -> dict[str, Any]:
        client = celium_client()
        pod = client.rename_pod(id_, inputs.name) if "name" in changed else client.get_pod(id_)
        return _outputs(pod, _recorded_executor(state, pod.executor.id))

    def delete_resource(self, id_: str, state: dict[str, Any]) -> None:
        _delete_and_wait(celium_client(), id_, float(state.get("wait_timeout") or 900))


def _cheapest_hint(client: CeliumClient, selector: ExecutorSelector) -> str:
    loose = ExecutorSelector(gpu_model=selector.gpu_model)
    similar = sorted(
        (
            e
            for e in client.list_executors()
            if loose.matches(e.machine_name, e.gpu_count, e.price_per_hour, {})
        ),
        key=lambda e: e.price_per_hour,
    )[:3]
    if not similar:
        return "; no machine with that GPU model is for rent now"
    offers = ", ".join(
        f"{e.gpu_count}x {e.machine_name} at ${e.price_per_hour:.2f}/h ({e.location.country_code})"
        for e in similar
    )
    return f"; cheapest with that GPU model now: {offers}"


class Pod(GpuResource, module="celium", name="Pod"):
    """A Celium pod: an executor rented with a verified template, waited on until SSH works.

    Give ``executor_id``, or a ``selector`` that picks the cheapest matching executor
    at create time. ``pulumi up`` waits until the pod is RUNNING with an SSH command;
    a FAILED pod ends the wait at once, is deleted, and the error says why. The rented
    executor and its price are outputs.

    Example::

        import pulumi
        import pulumi_gpu.celium as celium

        template = celium.Template("app", docker_image="pytorch/pytorch")
        pod = celium.Pod(
            "trainer",
            template_id=template.id,
            ssh_public_keys=["ssh-ed25519 AAAA... me@laptop"],
            selector={"gpu_model": "A100", "gpu_count": 8, "max_price_per_hour": 12},
        )
        pulumi.export("ssh", pod.ssh_command)
    """

    name: pulumi.Output[str]
    """Pod name in Celium."""
    status: pulumi.Output[str]
    """Celium status: PENDING, RUNNING, STOPPED, FAILED or DELETING."""
    ssh_command: pulumi.Output[str]
    """Ready-to-run SSH command, e.g. ``ssh root@1.2.3.4 -p 40022``."""
    ssh_user: pulumi.Output[str]
    ssh_host: pulumi.Output[str]
    ssh_port: pulumi.Output[int]
    ports: pulumi.Output[dict[str, int]]
    """Container port -> public port on ``ssh_host``."""
    gpu_name: pulumi.Output[str]
    gpu_count: pulumi.Output[int]
    price_per_hour: pulumi.Output[float]
    """USD per hour for the whole pod."""
    rented_executor_id: pulumi.Output[str]
    """The executor the pod runs on (chosen by the selector, or given)."""
    location: pulumi.Output[dict[str, str]]
    """Country, country code and city of the executor."""

    def __init__(
        self,
        resource_name: str,
        *,
        template_id: pulumi.Input[str],
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]],
        executor_id: pulumi.Input[str] | None = None,
        selector: pulumi.Input[ExecutorSelectorArgs] | None = None,
        volume_id: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a pod; see :class:`PodInputs` for every input's rules."""
        self._register(
            PodProvider(),
            resource_name,
            {
                "name": name or default_name(resource_name),
                "template_id": template_id,
                "ssh_public_keys": ssh_public_keys,
                "executor_id": executor_id,
                "selector": selector,
                "volume_id": volume_id,
                "wait_timeout": wait_timeout,
            },
            opts,
        )
