import pulumi

import pulumi_gpu.runpod as runpod

config = pulumi.Config()
offers = runpod.get_gpu_types(name=config.get("gpu") or "RTX 4090", in_stock=True)
pods = [
    runpod.Pod(
        f"pod-{index}",
        gpu_type=offers[0].id,
        image="runpod/base:0.6.2-cuda12.4.1",
        exposed_ports=["22/tcp"],
    )
    for index in range(config.require_int("pods"))
]
pulumi.export("gpu", offers[0].id)
pulumi.export("ssh", {pod._name: pod.ssh_command for pod in pods})
