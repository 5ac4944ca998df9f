"""A pipeline pinned to one Celium machine: two jobs one after the other, then a pod, all
in one `pulumi up` (each step's machine is released before the next one rents it)."""

import pulumi

from pulumi_gpu import celium

config = pulumi.Config()
executor = config.require("executor")
image = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"
keys = [config.require("sshKey")]
step = {
    "image": image,
    "executor_id": executor,
    "max_duration": "1h",
    "wait": "finished",
    "ssh_public_keys": keys,
}

prepare = celium.Job("prepare", command="echo prepared", **step)
train = celium.Job(
    "train", command="echo trained", **step, opts=pulumi.ResourceOptions(depends_on=[prepare])
)
serve = celium.Pod(
    "serve",
    template_id=config.require("celiumTemplate"),
    executor_id=executor,
    ssh_public_keys=keys,
    opts=pulumi.ResourceOptions(depends_on=[train]),
)
pulumi.export("serve", serve.id)
