"""A RunPod pod with a network volume, as the seeds' curl scripts did by hand (create,
stop, resume, get, terminate), declared once.

    pulumi config set --secret pulumi-gpu:runpodApiKey rpa_...
    pulumi up                                        # volume + pod, waits until SSH works
    pulumi config set desiredStatus stopped && pulumi up   # GPUs released, volume kept
    pulumi config set desiredStatus running && pulumi up   # started again, waits again
"""

from typing import cast

import pulumi

import pulumi_gpu.runpod as runpod

config = pulumi.Config()
ssh_key = config.get("sshPublicKey")

volume = runpod.NetworkVolume(
    "data",
    size_gb=config.get_int("volumeSize") or 50,
    data_center_id=config.get("dataCenter") or "US-KS-2",
    type=cast(runpod.VolumeType, config.get("volumeType") or "STANDARD"),
    allow_replacement=config.get_bool("allowVolumeReplacement") or False,
)

pod = runpod.Pod(
    "trainer",
    name=config.get("podName"),
    gpu_type=config.get("gpuType") or "NVIDIA GeForce RTX 4090",
    gpu_count=config.get_int("gpuCount") or 1,
    image=config.get("image") or "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
    exposed_ports=["8888/http", "22/tcp"],
    env={"HF_HOME": "/workspace/hf"},
    ssh_public_keys=[ssh_key] if ssh_key else None,
    network_volume_id=volume.id,
    volume_mount_path="/workspace",
    desired_status=cast(runpod.DesiredStatus, config.get("desiredStatus") or "running"),
)

pulumi.export("pod_id", pod.id)
pulumi.export("status", pod.status)
pulumi.export("ssh", pod.ssh_command)
pulumi.export("ports", pod.ports)
pulumi.export("urls", pod.http_urls)
pulumi.export("gpu", pod.compute)
pulumi.export("cost_per_hour", pod.cost_per_hour)
pulumi.export("data_center", pod.data_center_id)
pulumi.export("volume", {"id": volume.id, "size_gb": volume.size_gb})
