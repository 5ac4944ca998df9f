"""``runpod.Job``: a command run once on a RunPod pod, which ends by itself on time.

The pod's container runs the command under ``timeout`` (:func:`~pulumi_gpu.core.jobs.wrap`),
so it exits at ``max_duration`` even with no Pulumi running; RunPod then shows the pod
EXITED and bills nothing for its GPUs. The exit code comes from the wrapper's last log
line. ``on_finish`` says what happens to the EXITED pod: deleted (default) or kept,
stopped, with its volume.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pulumi
from pydantic import Field

from pulumi_gpu.core import jobs, lifecycle
from pulumi_gpu.core.checking import Choices
from pulumi_gpu.core.identity import OWNER_ENV, Inventoried
from pulumi_gpu.core.inputs import LOCAL, Renamed
from pulumi_gpu.core.jobs import (
    JobSpec,
    JobWait,
    Run,
    RunStatus,
    epoch,
    exit_of,
    status_of_exit,
    unwrap,
    wrap,
)
from pulumi_gpu.core.log import report
from pulumi_gpu.core.resource import JobRecord
from pulumi_gpu.runpod.client import RunPodClient, runpod_client
from pulumi_gpu.runpod.lookups import catalog_choices
from pulumi_gpu.runpod.models import EXITED, CloudType
from pulumi_gpu.runpod.models import Pod as ApiPod
from pulumi_gpu.runpod.pod import (
    PodProvider,
    act,
    outputs,
    reference_exists,
    reflected,
    system_tail,
)
from pulumi_gpu.runpod.pod_inputs import MIGRATIONS, PodBase

__all__ = ["Job", "JobInputs", "OnFinish"]

_STARTING = ("PROVISIONING", "STARTING")

OnFinish = Literal["delete", "stop"]
"""What happens to a job's pod once its command ended."""


class JobInputs(PodBase, JobSpec):
    """Inputs of a RunPod job: a pod's placement and container, and what it runs."""

    renamed: ClassVar[Mapping[str, Renamed]] = {}  # jobs came after exposed_ports

    on_finish: OnFinish = Field(
        "delete",
        description=(
            "What happens to the pod once the command ended: 'delete' it, or 'stop' it "
            "(kept EXITED with its volume, which RunPod bills for storage) until destroy."
        ),
        json_schema_extra=LOCAL,
    )

    def create_body(self) -> dict[str, Any]:
        command = wrap(self.command, self.max_duration)
        return {**super().create_body(), "args": f"sh -c {shlex.quote(command)}"}


@dataclass(frozen=True)
class PodRun:
    """A job's pod as last seen, with its log (time, line) when it was read."""

    pod: ApiPod
    log: tuple[tuple[str, str], ...] | None = None
    failure: str | None = None
    """RunPod's own lines about a pod in ERROR."""


class JobProvider(jobs.JobProvider[PodRun]):
    inputs_model = JobInputs
    kind = "runpod Job"
    migrations = MIGRATIONS

    def client(self) -> RunPodClient:
        return runpod_client()

    def find(self, inputs: JobInputs) -> list[PodRun]:
        """Among RunPod's pods, listed once for the pods and jobs that ask together."""
        return [PodRun(p) for p in PodProvider().listing() if p.name == inputs.name]

    def create_object(self, inputs: JobInputs, token: str) -> PodRun:
        pod = self.client().create_pod(inputs.create_body())
        report(f"{self.describe(inputs.model_dump())}: created pod {pod.id}")
        return PodRun(pod)

    def object_id(self, obj: PodRun) -> str:
        return obj.pod.id

    def mark_of(self, obj: PodRun) -> str | None:
        return obj.pod.env.get(OWNER_ENV)

    def reference_exists(self, field: str, value: str) -> bool | None:
        return reference_exists(self.client(), field, value)

    def choices(self, field: str) -> Choices | None:
        return catalog_choices(self.client(), field)

    def inventory(self) -> list[Inventoried]:
        return []  # a job's pod is listed with the pods

    def get(self, id_: str, state: Mapping[str, Any]) -> PodRun:
        pod = self.client().get_pod(id_)
        if pod.status == "ERROR":
            return PodRun(pod, self._log(id_, state), system_tail(self.client(), id_))
        if pod.status not in (*_STARTING, "RUNNING"):
            return PodRun(pod, self._log(id_, state))
        return PodRun(pod)

    def _log(self, id_: str, state: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        tail = self.saved(state).log_lines + 1  # and the exit line
        return tuple(self.client().pod_logs(id_, tail=tail))

    def run(self, obj: PodRun) -> Run:
        pod = obj.pod
        lines = [line for _, line in obj.log] if obj.log is not None else None
        code, log = exit_of(lines) if lines is not None else (None, None)
        common: dict[str, Any] = {
            "cloud_status": pod.status or "unknown",
            "log": tuple(log) if log is not None else None,
            "started_at": epoch(pod.started_at),
            "cost_per_hour": pod.cost,
        }
        if code is not None and obj.log:
            common["ended_at"] = epoch(obj.log[-1][0])  # the exit line's time
        if pod.status in _STARTING:
            return Run(RunStatus.STARTING, **common)
        if pod.status == "RUNNING":  # usable as a Pod is: its ports mapped, its SSH known
            return Run(RunStatus.RUNNING, lacks=tuple(pod.unreachable()), **common)
        if code is not None:
            return Run(status_of_exit(code), exit_code=code, **common)
        if pod.status == "ERROR":
            why = obj.failure or "the pod is in ERROR (RunPod)"
            return Run(RunStatus.FAILED, reason=why, **common)
        why = "the pod was stopped or deleted before the command reported its end"
        return Run(RunStatus.CANCELLED, reason=why, **common)

    def delete_object(self, id_: str, state: Mapping[str, Any]) -> None:
        self.client().delete_pod(id_)

    def reflect(self, obj: PodRun, state: Mapping[str, Any]) -> dict[str, Any]:
        """The pod's inputs as it shows them, and the command its arguments run."""
        live = reflected(obj.pod, state)
        words = shlex.split(obj.pod.args or "")
        ran = unwrap(words[2]) if words[:2] == ["sh", "-c"] and len(words) == 3 else None
        if ran is not None:
            live["command"], live["max_duration"] = ran
        return live

    def outputs(self, obj: PodRun, state: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in outputs(obj.pod).items() if k in Job.output_names()}

    def release(self, id_: str, state: Mapping[str, Any], status: RunStatus) -> None:
        """Delete the pod, or with ``on_finish: stop`` keep it EXITED (stopping it first
        if it is still running past its time box)."""
        if self.saved(state).on_finish == "stop":
            pod = self.client().get_pod(id_)
            if pod.status != EXITED:
                act(self.client(), id_, "stop")
            return
        lifecycle.delete_and_wait(self, id_, state, self.describe(state))


class Job(JobRecord, module="runpod", name="Job"):
    """A command run once on a RunPod pod, released when it ends or its time is up.

    ``pulumi up`` creates the pod, whose container runs ``command`` under a time box
    (``max_duration``), and returns once it runs (``wait="started"``) or once it
    succeeded (``wait="finished"``; a failure fails ``up`` with the exit code and the
    last log lines, and deletes the pod). The container exits at ``max_duration`` by
    itself; RunPod then bills nothing for the GPUs. A run that ended stays in the state
    as its record (``status``, ``exit_code``, ``log_tail``): ``pulumi refresh`` shows
    how it ended and releases the pod (``on_finish``), and ``pulumi up`` does not run it
    again; change ``run_id`` (or any input) to run it again. ``pulumi destroy`` cancels
    a running job.

    Example::

        import pulumi
        import pulumi_gpu.runpod as runpod

        train = runpod.Job(
            "train",
            gpu_type="NVIDIA GeForce RTX 4090",
            image="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
            command="python train.py --epochs 3",
            max_duration="2h",
            wait="finished",
        )
        pulumi.export("train", train.status)
    """

    name: pulumi.Output[str]
    """Pod name in RunPod (``cloud_status`` is the pod's: RUNNING, EXITED...)."""
    data_center_id: pulumi.Output[str | None]
    compute: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        command: pulumi.Input[str],
        max_duration: pulumi.Input[int | str],
        gpu_type: pulumi.Input[str] | None = None,
        cpu_flavor: pulumi.Input[str] | None = None,
        gpu_count: pulumi.Input[int] | None = None,
        vcpu_count: pulumi.Input[int] | None = None,
        image: pulumi.Input[str] | None = None,
        registry_id: pulumi.Input[str] | None = None,
        template_id: pulumi.Input[str] | None = None,
        env: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        exposed_ports: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        ssh_public_keys: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        container_disk_gb: pulumi.Input[int] | None = None,
        volume_gb: pulumi.Input[int] | None = None,
        network_volume_id: pulumi.Input[str] | None = None,
        volume_mount_path: pulumi.Input[str] | None = None,
        cloud_type: pulumi.Input[CloudType] | None = None,
        data_center_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        allowed_cuda_versions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        min_cuda_version: pulumi.Input[str] | None = None,
        start_ssh: pulumi.Input[bool] | None = None,
        wait: pulumi.Input[JobWait] | None = None,
        on_finish: pulumi.Input[OnFinish] | None = None,
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
                "command": command,
                "max_duration": max_duration,
                "gpu_type": gpu_type,
                "cpu_flavor": cpu_flavor,
                "gpu_count": gpu_count,
                "vcpu_count": vcpu_count,
                "image": image,
                "registry_id": registry_id,
                "template_id": template_id,
                "env": env,
                "exposed_ports": exposed_ports,
                "ssh_public_keys": ssh_public_keys,
                "container_disk_gb": container_disk_gb,
                "volume_gb": volume_gb,
                "network_volume_id": network_volume_id,
                "volume_mount_path": volume_mount_path,
                "cloud_type": cloud_type,
                "data_center_ids": data_center_ids,
                "allowed_cuda_versions": allowed_cuda_versions,
                "min_cuda_version": min_cuda_version,
                "start_ssh": start_ssh,
                "wait": wait,
                "on_finish": on_finish,
                "run_id": run_id,
                "log_lines": log_lines,
                "wait_timeout": wait_timeout,
                "adopt_id": adopt_id,
            },
            opts,
        )
