"""Celium quickstart: the seed's bash script (template, verification wait, pick an A100,
rent, wait until running, print the SSH command) as one declarative program."""

import pulumi

import pulumi_gpu.celium as celium

config = pulumi.Config()
gpu_count = config.get_int("gpuCount")

template = celium.Template(
    "vllm",
    docker_image=config.get("image") or "elaich/simple-vllm-launcher",
    docker_image_tag=config.get("imageTag") or "latest",
    internal_ports=[22, 8000],
)

# The cheapest machine matching the selector, or one pinned with `executorId`.
executor = config.get("executorId")
pod = celium.Pod(
    "pod",
    name=config.get("podName"),
    template_id=template.id,
    ssh_public_keys=[config.require("sshPublicKey")],
    executor_id=executor,
    selector=None
    if executor
    else {
        "gpu_model": config.get("gpuModel") or "A100",
        "gpu_count": 1 if gpu_count is None else gpu_count,
        "max_price_per_hour": config.get_float("maxPricePerHour"),
    },
)

pulumi.export("template_id", template.id)
pulumi.export("ssh", pod.ssh_command)
pulumi.export("ports", pod.ports)
pulumi.export("gpu", pulumi.Output.concat(pod.gpu_count.apply(str), "x ", pod.gpu_name))
pulumi.export("cost_per_hour", pod.cost_per_hour)
