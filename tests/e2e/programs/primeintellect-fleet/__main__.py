import pulumi

import pulumi_gpu.primeintellect as primeintellect

config = pulumi.Config()
pods = [
    primeintellect.Pod(f"pod-{index}", gpu_type=config.get("gpuType") or "A6000_48GB")
    for index in range(config.require_int("pods"))
]
pulumi.export("ssh", {pod._name: pod.ssh_command for pod in pods})
