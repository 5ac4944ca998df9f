import pulumi

import pulumi_gpu.celium as celium

config = pulumi.Config()
template = celium.Template("base", docker_image="ubuntu", docker_image_tag="22.04")
pods = [
    celium.Pod(
        f"pod-{index}",
        template_id=template.id,
        ssh_public_keys=[config.require("sshPublicKey")],
        selector={"max_price_per_hour": 100},
    )
    for index in range(config.require_int("pods"))
]
pulumi.export("ssh", {f"pod-{i}": pod.ssh_command for i, pod in enumerate(pods)})
