import pulumi

import pulumi_gpu.runpod as runpod

config = pulumi.Config()
template = runpod.Template(
    "base",
    image=config.get("image") or "runpod/base:0.6.2-cuda12.4.1",
    exposed_ports=["22/tcp", "8888/http"],
    env={"MODE": config.get("mode") or "train"},
    container_disk_gb=config.get_int("disk") or 40,
    volume_gb=20,
    opts=pulumi.ResourceOptions(import_=config.get("importId")),
)
pod = runpod.Pod(
    "worker",
    gpu_type="NVIDIA RTX A6000",
    template_id=template.id,
    env={"RUN": config.get("run") or "1"},
)
pulumi.export("template_id", template.id)
pulumi.export("pod_id", pod.id)
pulumi.export("ssh", pod.ssh_command)
