"""One job on the cloud named by the `cloud` setting, as its users would declare it."""

import pulumi

import pulumi_gpu.celium as celium
import pulumi_gpu.gpudev as gpudev
import pulumi_gpu.primeintellect as primeintellect
import pulumi_gpu.runpod as runpod

config = pulumi.Config()
cloud = config.require("cloud")
run = {
    "command": config.require("command"),
    "wait": config.get("wait") or "finished",
    "run_id": config.get("runId"),
}
if cloud == "runpod":
    job = runpod.Job(
        "train",
        gpu_type="NVIDIA GeForce RTX 4090",
        image="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
        env={"HF_TOKEN": config.require_secret("token")},
        max_duration=config.get("maxDuration") or "1h",
        on_finish=config.get("onFinish") or "delete",
        **run,
    )
elif cloud == "celium":
    job = celium.Job(
        "train",
        image="pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime",
        env={"HF_TOKEN": config.require_secret("token")},
        max_duration=config.get("maxDuration") or "1h",
        selector={"gpu_model": "A100", "gpu_count": 1},
        ssh_public_keys=[config.require("sshPublicKey")],
        **run,
    )
elif cloud == "gpudev":
    job = gpudev.Job(
        "train",
        gpu_type="a100",
        env_vars={"HF_TOKEN": config.require_secret("token")},
        duration_hours=config.get_int("hours") or 1,
        **run,
    )
elif cloud == "primeintellect":
    job = primeintellect.Job("train", gpu_type="H100_80GB", **run)
else:
    raise ValueError(f"no job program for {cloud}")

pulumi.export("id", job.id)
pulumi.export("status", job.status)
pulumi.export("cloud_status", job.cloud_status)
pulumi.export("exit_code", job.exit_code)
pulumi.export("log_tail", job.log_tail)
pulumi.export("released", job.released)
pulumi.export("ssh", job.ssh_command)
pulumi.export("started_at", job.started_at)
pulumi.export("ended_at", job.ended_at)
pulumi.export("expires_at", job.expires_at)
pulumi.export("cost_so_far", job.cost_so_far)
