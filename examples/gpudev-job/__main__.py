"""GPU Dev quickstart: the seed's curl script (log in with AWS credentials, submit, poll the
job until it is active) as one declarative program, with a persistent disk for the work.

Raise `durationHours` and run `pulumi up` again: the job is extended in place, not
replaced (up to 48 hours in total). Lowering it, or changing the GPU type or count,
queues a new job."""

from typing import cast

import pulumi

import pulumi_gpu.gpudev as gpudev

config = pulumi.Config()

disk = gpudev.Disk(
    "workspace",
    name=config.get("diskName"),
    size_gb=config.get_int("diskSizeGb", 100),
)

job = gpudev.Job(
    "dev",
    gpu_type=cast(gpudev.GpuTypeName, config.get("gpuType") or "a100"),
    gpu_count=config.get_int("gpuCount", 1),
    duration_hours=config.get_int("durationHours") or 2,
    disk_name=disk.name,
    github_user=config.get("githubUser"),
    jupyter=config.get_bool("jupyter") or False,
)

pulumi.export("job_id", job.id)
pulumi.export("ssh", job.ssh_command)
pulumi.export("node", pulumi.Output.format("{0}:{1}", job.ssh_host, job.ssh_port))
pulumi.export("expires_at", job.expires_at)
pulumi.export("jupyter_url", job.jupyter_url)
pulumi.export("jupyter_token", job.jupyter_token)
pulumi.export("disk", disk.name)
