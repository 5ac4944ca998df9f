"""``celium.Job``: a command run once on a rented Celium executor, removed on time.

The job makes a one-time template (Celium deletes it with the pod) whose startup
commands run the wrapped command (:func:`~pulumi_gpu.core.jobs.wrap`), rents an
executor for it exactly as ``celium.Pod`` does, and asks Celium to remove the pod at the
end of its time box (``schedule-removal``), so the machine is released on time with no
Pulumi running. The container keeps running its SSH server after the command ends, so
the end is read from the pod's logs (the wrapper's exit line); the provider then
deletes the pod: at once with ``wait="finished"``, else at the next refresh, or Celium
removes it at the time box's end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure
from pydantic import Field, field_validator

from pulumi_gpu.celium.client import CeliumClient, celium_client
from pulumi_gpu.celium.models import Pod as ApiPod
from pulumi_gpu.celium.one_time import (
    check_image,
    rent_on_own_template,
    same_image,
    split_image,
    tag_failures,
)
from pulumi_gpu.celium.pod import (
    ExecutorSelectorArgs,
    PodInputs,
    PodProvider,
    RentInputs,
    delete_pod,
    gpu_model_failures,
    on_the_rented_machine,
    reference_exists,
    rent_price_cap,
)
from pulumi_gpu.celium.template import TemplateInputs
from pulumi_gpu.core import jobs
from pulumi_gpu.core.identity import Inventoried
from pulumi_gpu.core.inputs import REPLACES, EnvVars, wait_timeout_field
from pulumi_gpu.core.jobs import (
    KILL_GRACE,
    JobSpec,
    JobWait,
    Run,
    RunStatus,
    epoch,
    exit_of,
    iso,
    status_of_exit,
    unwrap,
    wrap,
)
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.core.pricing import PriceCap
from pulumi_gpu.core.provider import Change
from pulumi_gpu.core.resource import JobRecord

__all__ = ["Job", "JobInputs"]

BOOT_ALLOWANCE = 600
"""Seconds a pod may take to start its command: Celium removes the pod this long after
the time box would end had the command started at the rent (by Celium's clock)."""


class JobInputs(RentInputs, JobSpec):
    """Inputs of a Celium job: the image and command, and the executor to rent."""

    name: str = Field(
        min_length=1,
        max_length=128,
        description="Name of the job's pod (and of its one-time template) in Celium.",
        json_schema_extra=REPLACES,
    )
    image: str = Field(
        min_length=1,
        description=(
            "Image as 'repository:tag' (the tag is required), Debian/Ubuntu based (Celium "
            "verifies it by installing openssh-server with apt)."
        ),
        examples=["pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"],
        json_schema_extra=REPLACES,
    )
    env: EnvVars = Field(
        default_factory=dict,
        description="Environment variables of the container (kept secret in the state).",
        json_schema_extra=REPLACES,
    )
    wait_timeout: float = wait_timeout_field(
        1800, "for verification and the start (or end, with 'finished')"
    )

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)

    def template(self) -> TemplateInputs:
        """The one-time template whose startup commands run the job."""
        repository, tag = split_image(self.image)
        return TemplateInputs(
            name=self.name,
            docker_image=repository,
            docker_image_tag=tag,
            startup_commands=wrap(self.command, self.max_duration),
            environment=self.env,
            description="pulumi-gpu job (deleted with its pod)",
            wait_timeout=self.wait_timeout,
        ).owned_by(self.owner)

    def pod(self, template_id: str) -> PodInputs:
        return PodInputs(
            name=self.name,
            template_id=template_id,
            ssh_public_keys=self.ssh_public_keys,
            executor_id=self.executor_id,
            selector=self.selector,
            volume_id=self.volume_id,
            wait_timeout=self.wait_timeout,
        ).owned_by(self.owner)


@dataclass(frozen=True)
class PodRun:
    """A job's pod as last seen, with its log lines when they were read."""

    pod: ApiPod
    log: tuple[str, ...] | None = None


class JobProvider(jobs.JobProvider[PodRun]):
    inputs_model = JobInputs
    kind = "celium Job"

    def client(self) -> CeliumClient:
        return celium_client()

    def reference_exists(self, field: str, value: str) -> bool | None:
        return reference_exists(self.client(), field, value)

    def price_cap(self, inputs: JobInputs) -> PriceCap | None:
        return rent_price_cap(self.client, inputs)

    def check_inputs(
        self, olds: Mapping[str, Any], values: Mapping[str, Any]
    ) -> list[CheckFailure]:
        return tag_failures(self.kind, olds, values) or gpu_model_failures(
            self.client, olds, values
        )

    def change_kind(self, field: str, olds: dict[str, Any], news: dict[str, Any]) -> Change:
        if field == "image" and same_image(olds.get(field), news.get(field)):
            return Change.NONE
        return super().change_kind(field, olds, news)

    def find(self, inputs: JobInputs) -> list[PodRun]:
        """Among Celium's pods, listed once for the pods and jobs that ask together."""
        return [PodRun(p) for p in PodProvider().listing() if p.pod_name == inputs.name]

    def inventory(self) -> list[Inventoried]:
        return []  # a job's pod is listed with the pods (its template, with the templates)

    def create_object(self, inputs: JobInputs, token: str) -> PodRun:
        """A verified one-time template, an executor rented for it, and its removal time."""
        made = rent_on_own_template(
            self.client(),
            inputs.template(),
            token,
            self.describe(inputs.model_dump()),
            lambda template_id: PodProvider().rent(inputs.pod(template_id)),
        )
        self._time_box(made, inputs.max_duration)
        return PodRun(made)

    def _time_box(self, pod: ApiPod, max_duration: int) -> None:
        """Have Celium remove the pod once its time box is over, counted from the rent
        by Celium's clock (plus the time a command may take to start)."""
        rented = epoch(pod.created_at) or self.client().cloud_now()
        at = iso(rented + max_duration + KILL_GRACE + BOOT_ALLOWANCE)
        assert at is not None
        self.client().schedule_removal(pod.id, at)

    def object_id(self, obj: PodRun) -> str:
        return obj.pod.id

    def get(self, id_: str, state: Mapping[str, Any]) -> PodRun:
        """The pod (and its log while it runs); one found without a removal time (adopted
        after its rent's answer was lost, or from a killed run) gets it now."""
        pod = self.client().get_pod(id_)
        spec = self.saved(state)
        if pod.removal_scheduled_at is None and pod.status in ("PENDING", "RUNNING"):
            self._time_box(pod, spec.max_duration)
        if pod.status != "RUNNING":
            return PodRun(pod)
        tail = spec.log_lines + 1  # and the exit line
        return PodRun(pod, tuple(self.client().pod_logs(id_, tail=tail)))

    def run(self, obj: PodRun) -> Run:
        pod = obj.pod
        code, log = exit_of(obj.log) if obj.log is not None else (None, None)
        common: dict[str, Any] = {
            "cloud_status": pod.status or "unknown",
            "log": tuple(log) if log is not None else None,
            "expires_at": epoch(pod.removal_scheduled_at),
            "cost_per_hour": pod.price,
        }
        if code is not None:
            return Run(status_of_exit(code), exit_code=code, **common)
        seen = pod.observe()
        if seen.phase is Phase.READY:
            return Run(RunStatus.RUNNING, **common)
        if seen.phase is Phase.PENDING:
            return Run(RunStatus.STARTING, note=seen.note, **common)
        if seen.phase is Phase.FAILED:
            return Run(RunStatus.FAILED, reason=seen.reason, **common)
        why = "the pod was stopped or is being removed before the command reported its end"
        return Run(RunStatus.CANCELLED, reason=why, **common)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        delete_pod(self.client(), id_, state)

    def reflect(self, obj: PodRun, state: Mapping[str, Any]) -> dict[str, Any]:
        """The name, and what its one-time template runs (where the pod shows it)."""
        live: dict[str, Any] = {"name": obj.pod.pod_name or state.get("name")}
        template = obj.pod.template or {}
        ran = unwrap(str(template.get("startup_commands") or ""))
        if ran is not None:
            live["command"], live["max_duration"] = ran
        image = (template.get("docker_image"), template.get("docker_image_tag"))
        wanted = state.get("image")
        if image[0] and isinstance(wanted, str) and split_image(wanted) != image:
            live["image"] = f"{image[0]}:{image[1]}" if image[1] else image[0]
        return live

    def as_found(self, obj: PodRun, values: Mapping[str, Any]) -> dict[str, Any]:
        found = super().as_found(obj, values)
        on_the_rented_machine(obj.pod, found, values)
        return found

    def outputs(self, obj: PodRun, state: Mapping[str, Any]) -> dict[str, Any]:
        found = PodProvider().outputs(obj.pod, state)
        return {k: v for k, v in found.items() if k in Job.output_names()}

    def creation_facts(self, made: PodRun) -> dict[str, Any]:
        return PodProvider().creation_facts(made.pod)


class Job(JobRecord, module="celium", name="Job"):
    """A command run once on a rented Celium executor, removed when it ends or its time is up.

    ``pulumi up`` makes a one-time template that runs ``command``, rents an executor
    for it (by id, or the cheapest matching ``selector``), schedules Celium's removal of
    the pod for the end of ``max_duration``, and returns once the command runs
    (``wait="started"``) or once it succeeded (``wait="finished"``; a failure fails
    ``up`` with the exit code and the last log lines, and removes the pod). The run's
    end is read from the pod's logs; a run that ended stays in the state as its record
    (``pulumi refresh`` shows how it ended and removes the pod; ``pulumi up`` does not
    run it again; change ``run_id`` to run it again). ``pulumi destroy`` cancels it.

    Example::

        import pulumi
        import pulumi_gpu.celium as celium

        train = celium.Job(
            "train",
            image="pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
            command="python train.py --epochs 3",
            max_duration="2h",
            selector={"gpu_model": "A100", "gpu_count": 1},
            ssh_public_keys=["ssh-ed25519 AAAA... me@laptop"],
        )
        pulumi.export("train", train.status)
    """

    name: pulumi.Output[str]
    """Name of the job's pod (``cloud_status`` is the pod's: PENDING, RUNNING...)."""
    gpu_name: pulumi.Output[str | None]
    gpu_count: pulumi.Output[int | None]
    rented_executor_id: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        image: pulumi.Input[str],
        command: pulumi.Input[str],
        max_duration: pulumi.Input[int | str],
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]],
        executor_id: pulumi.Input[str] | None = None,
        selector: pulumi.Input[ExecutorSelectorArgs] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        volume_id: pulumi.Input[str] | None = None,
        wait: pulumi.Input[JobWait] | None = None,
        run_id: pulumi.Input[str] | None = None,
        log_lines: pulumi.Input[int] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a job; see :class:`JobInputs` for every input's rules."""
        self._register(
            JobProvider(),
            resource_name,
            {
                "name": name,
                "image": image,
                "command": command,
                "max_duration": max_duration,
                "ssh_public_keys": ssh_public_keys,
                "executor_id": executor_id,
                "selector": selector,
                "env": env,
                "volume_id": volume_id,
                "wait": wait,
                "run_id": run_id,
                "log_lines": log_lines,
                "wait_timeout": wait_timeout,
                "adopt_id": adopt_id,
            },
            opts,
        )
