"""Placed pods as a user declares them: the `pods` setting is a JSON object of
resource name -> pulumi_gpu.Pod keyword arguments."""

import json

import pulumi

import pulumi_gpu

config = pulumi.Config()
for resource_name, args in json.loads(config.require("pods")).items():
    pod = pulumi_gpu.Pod(resource_name, **args)
    pulumi.export(
        resource_name,
        {
            "cloud": pod.cloud,
            "price_per_hour": pod.price_per_hour,
            "offer": pod.offer,
            "attempts": pod.attempts,
            "ssh": pod.ssh_command,
            "status": pod.status,
        },
    )
