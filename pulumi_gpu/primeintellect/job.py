"""``primeintellect.Job``: refused, with the reason, because Prime Intellect cannot run one.

A job runs a command and ends with it. Prime Intellect's pod API takes no command: a
pod request has no start command or entrypoint, its images are a fixed list, and custom
templates (``customTemplateId``) cannot be made or read through the API. The only way
left would be to SSH in and start the command, which makes the run depend on the
Pulumi process, the opposite of what a job promises (it ends by itself, on time,
with no Pulumi running). So the class refuses at preview instead of faking it.
"""

from __future__ import annotations

from typing import Any

import pulumi

__all__ = ["NO_JOBS", "Job"]

NO_JOBS = (
    "Prime Intellect's API cannot run a job: a pod request takes no command or "
    "entrypoint, and custom templates cannot be made through the API, so nothing could "
    "start the command and end the pod with it without Pulumi holding an SSH session. "
    "Use a primeintellect.Pod and run the command over SSH, or a Job on runpod, celium "
    "or gpudev"
)


class Job:
    """Refused: see :data:`NO_JOBS`. Declaring one stops the program at preview."""

    def __init__(self, resource_name: str, **_inputs: Any) -> None:
        raise pulumi.RunError(f"primeintellect.Job {resource_name!r}: {NO_JOBS}")
