"""``pulumi-gpu logs``: the log tail of a stack's pod or job, for a person.

The stack is read with the ``pulumi`` CLI (``stack export`` for the resource, ``config``
for the credentials), then the cloud's log endpoint is asked, as each cloud's
``get_pod_logs`` lookup does in a program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.stack_identity import IDENTITY_TYPE
from pulumi_gpu.pulumi_cli import pulumi_json, revealed

LogReader = Callable[[str, int, str], list[str]]
"""(pod id, tail, source) -> lines."""


def _readers() -> dict[str, LogReader]:
    from pulumi_gpu import celium, primeintellect, runpod

    def container_only(read: Callable[..., list[str]]) -> LogReader:
        def reader(pod_id: str, tail: int, source: str) -> list[str]:
            if source != "container":
                raise GpuCloudError("only RunPod keeps its own (system) log lines apart")
            return read(pod_id, tail=tail)

        return reader

    return {
        "runpod": lambda pod_id, tail, source: runpod.get_pod_logs(
            pod_id, tail=tail, source=source
        ),
        "celium": container_only(celium.get_pod_logs),
        "primeintellect": container_only(primeintellect.get_pod_logs),
    }


def stack_logs(name: str, *, tail: int, source: str, stack: str | None, cwd: Path) -> list[str]:
    """The last ``tail`` log lines of the stack's resource ``name`` (a pod or a job)."""
    if not any((cwd / f"Pulumi.{ext}").is_file() for ext in ("yaml", "yml", "json")):
        raise GpuCloudError(
            f"{cwd.resolve()} is not a Pulumi project (no Pulumi.yaml): run it in the "
            "project's directory or give --dir"
        )
    on = ["--stack", stack] if stack else []
    exported = pulumi_json(["stack", "export", "--show-secrets", *on], cwd=cwd)
    resource = find_resource(exported, name)
    use_stack_config(
        config_values(pulumi_json(["config", "--json", "--show-secrets", *on], cwd=cwd))
    )
    return log_lines(resource, tail, source)


def find_resource(exported: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The state entry of the pulumi-gpu resource called ``name``."""
    resources = (exported.get("deployment") or {}).get("resources") or []
    ours = {
        str(r["urn"]).rsplit("::", 1)[-1]: r
        for r in resources
        if r.get("custom") and "dynamic/" in str(r.get("type")) and r.get("type") != IDENTITY_TYPE
    }
    if name not in ours:
        listed = ", ".join(sorted(ours)) or "none"
        raise GpuCloudError(f"the stack has no pulumi-gpu resource '{name}'; it has: {listed}")
    return dict(ours[name])


def config_values(config: Mapping[str, Any]) -> dict[str, str]:
    """``pulumi config --json --show-secrets`` as key -> value."""
    return {k: str(v.get("value")) for k, v in config.items() if v.get("value") is not None}


def log_lines(resource: Mapping[str, Any], tail: int, source: str = "container") -> list[str]:
    """The log tail of a pod or job from its state entry: the cloud's, while it runs; the
    recorded one, once a job ended and its compute was released."""
    cloud, kind = str(resource["type"]).rsplit("/", 1)[-1].split(":", 1)
    outputs = resource.get("outputs") or {}
    object_id = str(resource.get("id") or "")
    if outputs.get("released"):
        recorded = revealed(outputs.get("log_tail"))
        return str(recorded).splitlines()[-tail:] if isinstance(recorded, str) else []
    if cloud == "market":  # a placed pod: "<cloud>/<the cloud's id>"
        cloud, _, object_id = object_id.partition("/")
    if kind not in ("Pod", "Job"):
        raise GpuCloudError(f"{resource['urn']} is a {cloud} {kind}: only pods and jobs have logs")
    reader = _readers().get(cloud)
    if reader is None:
        raise GpuCloudError(
            f"{cloud}'s API serves no logs of a running job; log in with its ssh output"
        )
    return reader(object_id, tail, source)
