"""Config: jobs (default 1), gpuType, gpuCount, durationHours, runId, jupyter, extraUsers (comma
separated), token (a secret, passed as WANDB_API_KEY), diskName (adds a gpudev.Disk), mount
(the first job mounts the disk, default true), lookups (export get_availability and
get_cluster_status)."""

import pulumi

import pulumi_gpu.gpudev as gpudev

config = pulumi.Config()
disk_name = config.get("diskName")
disk = gpudev.Disk("disk", name=disk_name) if disk_name else None

token = config.get_secret("token")
jobs = []
for index in range(config.get_int("jobs", 1)):
    mount = disk is not None and index == 0 and config.get_bool("mount", True)
    extra = [u for u in (config.get("extraUsers") or "").split(",") if u]
    jobs.append(
        gpudev.Job(
            f"job-{index}",
            gpu_type=config.get("gpuType") or "a100",
            gpu_count=config.get_int("gpuCount", 1),
            duration_hours=config.get_int("durationHours", 2),
            run_id=config.get("runId"),
            jupyter=config.get_bool("jupyter", False),
            extra_users=extra or None,
            env_vars={"WANDB_API_KEY": token} if token else None,
            disk_name=disk.name if mount and disk is not None else None,
        )
    )

for job in jobs:
    pulumi.export(f"{job._name}_ssh", job.ssh_command)
if jobs:
    pulumi.export("expires_at", jobs[0].expires_at)
    pulumi.export("duration_hours", jobs[0].duration_hours)
    pulumi.export("jupyter_url", jobs[0].jupyter_url)
    pulumi.export("jupyter_token", jobs[0].jupyter_token)
if disk is not None:
    pulumi.export("disk_name", disk.name)
    pulumi.export("disk_in_use", disk.in_use)
    pulumi.export("disk_snapshots", disk.snapshot_count)
if config.get_bool("lookups", False):
    availability = gpudev.get_availability()
    status = gpudev.get_cluster_status()
    pulumi.export("a100_available", availability["a100"].available)
    pulumi.export("a100_queued", availability["a100"].queued)
    pulumi.export("active_reservations", status.active_reservations)
    pulumi.export("total_gpus", status.total_gpus)
