"""``celium.Pod``: a rented executor running a verified template, ready for SSH."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import Executor
from pulumi_gpu.celium.models import Pod as ApiPod
from pulumi_gpu.celium.one_time import rent_on_own_template, same_image, tag_failures
from pulumi_gpu.celium.pod_inputs import (
    ExecutorSelector,
    ExecutorSelectorArgs,
    PodInputs,
    RentInputs,
)
from pulumi_gpu.core.budget import Price
from pulumi_gpu.core.checking import exists
from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError, NoCapacity, NotFoundError
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import (
    contains_unknown,
)
from pulumi_gpu.core.jobs import epoch, iso
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.pricing import PriceCap, Quote
from pulumi_gpu.core.provider import Change, GpuProvider, Replacement
from pulumi_gpu.core.resource import Machine, machine_outputs

__all__ = ["ExecutorSelector", "ExecutorSelectorArgs", "Pod", "PodInputs", "RentInputs"]

RENT_ATTEMPTS = 3
"""Executors tried, cheapest first, when another renter takes one first."""

_claimed: dict[str, str] = {}
_claimed_lock = threading.Lock()
"""Executor -> the owner (see ``core.identity``) of the pod or job this process is renting
it for, until that object is deleted: the pods of one fleet that share a selector take
different machines instead of racing for the cheapest, and a retry of one resource's rent
may take its own claim again."""


def _executor_record(executor: Executor) -> dict[str, Any]:
    return {
        "id": executor.id,
        "machine_name": executor.machine_name,
        "gpu_count": executor.gpu_count,
        "price_per_hour": round(executor.price_per_hour, 4),
        "location": executor.location.model_dump(include={"country", "country_code", "city"}),
        "tier": executor.tier or None,
    }


def _machine(pod: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
    """What is known of the machine: recorded at the rent, else from the pod (which does
    not say where the machine is)."""
    return {
        "id": state.get("rented_executor_id") or pod.executor.id,
        "machine_name": state.get("gpu_name") or pod.executor.machine_name,
        "gpu_count": state.get("gpu_count") or pod.gpu_count,
        "price_per_hour": state.get("cost_per_hour") or pod.executor.price_per_hour,
        "location": state.get("location") or {},
        "tier": state.get("tier"),
    }


def _still_on_rented(olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
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
        float(olds.get("cost_per_hour") or 0),
        olds.get("location") or {},
        olds.get("tier"),
    )


class PodProvider(GpuProvider[PodInputs, ApiPod]):
    inputs_model = PodInputs
    kind = "celium Pod"
    listed = True

    def client(self) -> CeliumClient:
        return celium_client()

    def reference_exists(self, field: str, value: str) -> bool | None:
        return reference_exists(self.client(), field, value)

    def price_cap(self, inputs: PodInputs) -> PriceCap | None:
        return rent_price_cap(self.client, inputs)

    def as_found(self, obj: ApiPod, values: Mapping[str, Any]) -> dict[str, Any]:
        found = super().as_found(obj, values)
        on_the_rented_machine(obj, found, values)
        return found

    # -- policy ---------------------------------------------------------------------

    def check_inputs(
        self, olds: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[CheckFailure]:
        remove_at = values.get("remove_at")
        now = time.time()  # a preview's judgement: Celium's clock is not known yet
        at = epoch(remove_at) if isinstance(remove_at, str) and not olds else None
        if at is not None and at <= now + 60:
            return [
                CheckFailure(
                    "remove_at",
                    f"{remove_at} is not in the future (it is {iso(now)}): Celium would "
                    "remove the pod as soon as it is rented",
                )
            ]
        return tag_failures(self.kind, olds, values) or gpu_model_failures(
            self.client, olds, values
        )

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field in ("selector", "executor_id"):
            return Change.NONE if _still_on_rented(olds, news) else Change.REPLACE
        if field == "image" and same_image(olds.get(field), news.get(field)):
            return Change.NONE
        return super().change_kind(field, olds, news)

    def replacement(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Replacement:
        """Delete first when the new pod wants the machine the old one holds: a pinned
        executor, or a selector for which that machine is the cheapest choice (made
        first, the new pod would rent a dearer machine, or none)."""
        rented = olds.get("rented_executor_id")
        if not rented or contains_unknown(news.get("executor_id")):
            return Replacement()
        if news.get("executor_id") is not None:
            return Replacement(delete_first=news["executor_id"] == rented)
        if not _still_on_rented(olds, {**news, "executor_id": None}):
            return Replacement()
        selector = ExecutorSelector.model_validate(news.get("selector"))
        try:
            others = _matching(self.client(), selector)
        except GpuCloudError as exc:
            report(f"warning: could not list Celium executors at preview: {exc}")
            return Replacement()  # made first: the old pod runs until the new one does
        price = float(olds.get("cost_per_hour") or 0)
        return Replacement(delete_first=not others or others[0].price_per_hour > price + 1e-9)

    # -- the cloud object -----------------------------------------------------------

    def list_objects(self) -> list[ApiPod]:
        return self.client().list_pods()

    def find(self, inputs: PodInputs) -> list[ApiPod]:
        return [p for p in self.listing() if p.pod_name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return [
            Inventoried(p.id, p.pod_name, None, p.created_at, p.price)
            for p in self.client().list_pods()
        ]

    def explain(self, obj: ApiPod) -> ApiPod:
        """A failed pod as read on its own: only that answer carries the executor's
        logs, which say why."""
        if obj.executor_status is None and obj.observe().phase is Phase.FAILED:
            return self.fetch(obj.id, {}) or obj
        return obj

    def create_object(self, inputs: PodInputs, token: str) -> ApiPod:
        """Rent on the pod's template, or on a one-time template made for its image; a
        time limit is handed to Celium at once (it holds even if this run is killed)."""
        if inputs.image is None:
            pod = self.rent(inputs)
        else:
            pod = rent_on_own_template(
                self.client(),
                inputs.template(),
                token,
                self.describe(inputs.model_dump()),
                lambda template_id: self.rent(
                    inputs.model_copy(update={"template_id": template_id})
                ),
            )
        return self._time_limited(pod, inputs)

    def _time_limited(self, pod: ApiPod, inputs: PodInputs) -> ApiPod:
        """The pod with Celium's removal scheduled as ``inputs`` ask (or cancelled)."""
        rented = epoch(pod.created_at) or self.client().cloud_now()
        wanted = iso(inputs.removal_at(rented))
        if wanted == iso(epoch(pod.removal_scheduled_at)):
            return pod
        if wanted is None:
            self.client().cancel_removal(pod.id)
        else:
            self.client().schedule_removal(pod.id, wanted)
        return pod.model_copy(update={"removal_scheduled_at": wanted})

    def rent(self, inputs: PodInputs) -> ApiPod:
        """Rent the first candidate executor that is still free, cheapest first."""
        client = self.client()
        body: dict[str, Any] = {
            "pod_name": inputs.name,
            "template_id": inputs.template_id,
            "user_public_key": inputs.ssh_public_keys,
        }
        if inputs.volume_id:
            body["volume_id"] = inputs.volume_id
        what = self.describe(inputs.model_dump())
        for race in range(1, RENT_ATTEMPTS + 1):
            executor = _claim(_candidates(client, inputs), what, str(inputs.owner))
            try:
                pod = client.rent(executor.id, body)
            except (InvalidRequestError, NotFoundError) as exc:
                _release(executor.id)
                if "rented" not in exc.message.lower():
                    raise
                if inputs.selector is None:
                    raise NoCapacity(
                        f"{what}: executor {executor.id} was rented by someone else"
                    ) from exc
                if race == RENT_ATTEMPTS:
                    raise NoCapacity(
                        f"{what}: {race} executors in a row were rented by someone else "
                        "between listing and renting; try again"
                    ) from exc
                report(f"{what}: executor {executor.id} was taken meanwhile; trying the next")
                continue
            except BaseException as exc:
                if not getattr(exc, "outcome_unknown", False):
                    _release(executor.id)
                raise
            report(f"{what}: rented {executor.gpu_count}x {executor.machine_name} as {pod.id}")
            return pod.model_copy(update={"rented_from": executor})
        raise AssertionError("unreachable")  # pragma: no cover

    def object_id(self, obj: ApiPod) -> str:
        return obj.id

    def get(self, id_: str, state: Mapping[str, Any]) -> ApiPod:
        return self.client().get_pod(id_)

    def creation_facts(self, made: ApiPod) -> dict[str, Any]:
        """The rented machine as listed (the pod's answer does not say where it is)."""
        if made.rented_from is None:
            return {}
        record = _executor_record(made.rented_from)
        return {
            "rented_executor_id": record["id"],
            "gpu_name": record["machine_name"],
            "gpu_count": record["gpu_count"],
            "cost_per_hour": record["price_per_hour"],
            "location": record["location"],
            "tier": record["tier"],
        }

    def observe(self, obj: ApiPod) -> Observed[ApiPod]:
        return obj.observe()

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        delete_pod(self.client(), id_, state)

    def outputs(self, obj: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
        machine = _machine(obj, state)
        specs = obj.executor.specs
        price = obj.price if obj.price is not None else machine.get("price_per_hour")
        return {
            **machine_outputs(
                obj.ssh_connect_cmd,
                ports=obj.ports_mapping,
                public_ip=obj.executor.executor_ip_address or None,
                cost_per_hour=price,
            ),
            "gpu_name": obj.gpu_name or machine.get("machine_name"),
            "gpu_count": obj.gpu_count or machine.get("gpu_count"),
            "rented_executor_id": machine["id"],
            "location": machine.get("location") or {},
            "tier": machine["tier"],
            "expires_at": iso(epoch(obj.removal_scheduled_at)),
            "machine": specs.facts() if specs else None,
            "runtime": specs.telemetry() if specs and obj.status == "RUNNING" else None,
        }

    def reflect(self, obj: ApiPod, state: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": obj.pod_name or state.get("name")}

    def after_ready(self, obj: ApiPod, inputs: PodInputs) -> ApiPod:
        """A pod adopted from an interrupted run may lack its time limit."""
        return self._time_limited(obj, inputs)

    def apply(
        self, id_: str, state: Mapping[str, Any], inputs: PodInputs, changed: set[str]
    ) -> set[str]:
        if "name" in changed:
            self.client().rename_pod(id_, inputs.name)
        if changed & {"max_duration", "remove_at"}:
            self._time_limited(self.client().get_pod(id_), inputs)
        return changed & {"name", "max_duration", "remove_at"}


def on_the_rented_machine(pod: ApiPod, found: dict[str, Any], values: Mapping[str, Any]) -> None:
    """``found`` (a pod's or a job's inputs as its object shows them) with the machine it
    was rented on in place of ``values``' selector or executor when that machine does not
    satisfy them, so that a diff sees the change (a refresh does not: a price rise is no
    reason to replace a running pod)."""
    facts = {**PodProvider().outputs(pod, values), "rented_executor_id": pod.executor.id}
    if pod.executor.id and not _still_on_rented(facts, values):
        found.update(selector=None, executor_id=pod.executor.id)


def reference_exists(client: CeliumClient, field: str, value: str) -> bool | None:
    """Whether the template or volume a Celium input names exists."""
    getters = {"template_id": client.get_template, "volume_id": client.get_volume}
    get = getters.get(field)
    return exists(get, value) if get is not None else None


def _claim(candidates: list[Executor], what: str, owner: str) -> Executor:
    with _claimed_lock:
        free = [e for e in candidates if _claimed.get(e.id, owner) == owner]
        if not free:
            raise NoCapacity(
                f"{what}: every executor matching the selector is taken by other pods of "
                "this update"
            )
        _claimed[free[0].id] = owner
        return free[0]


def _release(executor_id: str | None) -> None:
    """The claim on an executor ends: its rent failed, or its pod is being deleted."""
    with _claimed_lock:
        _claimed.pop(executor_id or "", None)


def delete_pod(client: CeliumClient, pod_id: str, state: Mapping[str, Any]) -> None:
    """Delete a pod (of a Pod or a Job) and end this process's claim on its executor."""
    try:
        client.delete_pod(pod_id)
    finally:  # deleted, or already gone
        _release(state.get("rented_executor_id"))


def _candidates(client: CeliumClient, inputs: RentInputs) -> list[Executor]:
    if inputs.executor_id is not None:
        found = [e for e in client.list_executors() if e.id == inputs.executor_id]
        if not found:
            raise NoCapacity(
                f"celium executor {inputs.executor_id} is not for rent (unknown or rented)"
            )
        return found
    assert inputs.selector is not None
    matching = _matching(client, inputs.selector)
    if not matching:
        raise NoCapacity(
            f"no Celium executor for rent matches {inputs.selector.describe()}"
            + _cheapest_hint(client, inputs.selector)
        )
    return matching


def rent_price(client: CeliumClient, inputs: RentInputs) -> Price:
    """What a rent for ``inputs`` costs per hour now: the executor it would take."""
    try:
        chosen = _candidates(client, inputs)[0]
    except GpuCloudError as exc:
        return Price(None, str(exc), bounded=False)
    return Price(chosen.price_per_hour, f"catalog now: {chosen.gpu_count}x {chosen.machine_name}")


def gpu_model_failures(
    client: Callable[[], CeliumClient], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """A new selector's ``gpu_model`` that no executor for rent has (a typo, or a GPU
    Celium does not rent): the rent would find nothing."""
    selector = values.get("selector")
    model = selector.get("gpu_model") if isinstance(selector, Mapping) else None
    old = olds.get("selector")
    if not isinstance(model, str) or (isinstance(old, Mapping) and old.get("gpu_model") == model):
        return []
    try:
        machines = sorted({e.machine_name for e in client().list_executors()})
    except GpuCloudError as exc:
        report(f"warning: celium: could not check selector.gpu_model {model!r}: {exc}")
        return []
    if not machines or any(model.lower() in m.lower() for m in machines):
        return []
    return [
        CheckFailure(
            "selector.gpu_model",
            f"no Celium executor for rent has a GPU matching {model!r} (a part of the "
            f"model's name, any case); models for rent now: {', '.join(machines)}",
        )
    ]


def rent_price_cap(client: Callable[[], CeliumClient], inputs: RentInputs) -> PriceCap | None:
    """A selector's ``max_price_per_hour``, held against the executors for rent that match
    the rest of the selector (a Pod's or a Job's, see ``pricing``)."""
    selector = inputs.selector
    if selector is None or selector.max_price_per_hour is None:
        return None
    rest = selector.model_copy(update={"max_price_per_hour": None})

    def offers() -> list[Quote]:
        return [
            Quote(e.price_per_hour, f"{e.gpu_count}x {e.machine_name} ({_place(e)})")
            for e in _matching(client(), rest)
        ]

    return PriceCap("selector.max_price_per_hour", selector.max_price_per_hour, offers)


def _place(executor: Executor) -> str:
    where = executor.location
    return ", ".join(p for p in (where.city, where.country_code) if p) or "place unknown"


def _matching(client: CeliumClient, selector: ExecutorSelector) -> list[Executor]:
    """Executors for rent that satisfy the selector, cheapest (then longest up) first."""
    offered = client.list_executors(
        gpu_count_gte=selector.gpu_count,
        gpu_count_lte=selector.gpu_count,
        price_per_hour_lte=selector.max_price_per_hour,
    )
    matching = [
        e
        for e in offered
        if selector.matches(
            e.machine_name, e.gpu_count, e.price_per_hour, e.location.model_dump(), e.tier
        )
    ]
    return sorted(matching, key=lambda e: (e.price_per_hour, -e.uptime_in_minutes, e.id))


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


class Pod(Machine, module="celium", name="Pod"):
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
    """Pod name in Celium (``cloud_status``: PENDING, RUNNING, STOPPED, FAILED, DELETING)."""
    gpu_name: pulumi.Output[str]
    gpu_count: pulumi.Output[int]
    rented_executor_id: pulumi.Output[str]
    """The executor the pod runs on (chosen by the selector, or given)."""
    location: pulumi.Output[dict[str, str]]
    """Country, country code and city of the executor."""
    tier: pulumi.Output[str | None]
    """The executor's tier: "secure", or "spot" (its owner may reclaim it)."""
    machine: pulumi.Output[dict[str, Any] | None]
    """The executor: ``cpu``, ``cpu_count``, ``ram_gb``, ``os``, ``gpu_driver``."""
    runtime: pulumi.Output[dict[str, Any] | None]
    """While running, as of the last ``up`` or ``refresh``: ``gpu_util``,
    ``gpu_memory_util`` (one per GPU), ``cpu_util``, ``memory_util``, in percent."""
    expires_at: pulumi.Output[str | None]
    """When Celium removes the pod by itself (max_duration / remove_at), ISO 8601 UTC."""

    def __init__(
        self,
        resource_name: str,
        *,
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]],
        template_id: pulumi.Input[str] | None = None,
        image: pulumi.Input[str] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        internal_ports: pulumi.Input[Sequence[pulumi.Input[int]]] | None = None,
        executor_id: pulumi.Input[str] | None = None,
        selector: pulumi.Input[ExecutorSelectorArgs] | None = None,
        volume_id: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        max_duration: pulumi.Input[int | str] | None = None,
        remove_at: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        wait_for_ssh: pulumi.Input[bool] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a pod; see :class:`PodInputs` for every input's rules."""
        self._register(
            PodProvider(),
            resource_name,
            {
                "name": name,
                "template_id": template_id,
                "image": image,
                "env": env,
                "internal_ports": internal_ports,
                "ssh_public_keys": ssh_public_keys,
                "executor_id": executor_id,
                "selector": selector,
                "volume_id": volume_id,
                "max_duration": max_duration,
                "remove_at": remove_at,
                "wait_timeout": wait_timeout,
                "wait_for_ssh": wait_for_ssh,
                "adopt_id": adopt_id,
            },
            opts,
        )
