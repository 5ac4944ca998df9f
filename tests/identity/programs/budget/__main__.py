"""Machines of every priced kind, all named ``gpu``, under the configured budget."""

import pulumi

import pulumi_gpu
from pulumi_gpu import celium, primeintellect, runpod

config = pulumi.Config()
template = config.require("celiumTemplate")
selector = {"gpu_model": "RTX 4090", "max_price_per_hour": 1.5}
keys = [config.require("sshKey")]
long_run = {"command": "sleep 1000000", "max_duration": "24h"}
image = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"

pulumi_gpu.Pod("gpu", gpu={"model": "RTX 4090", "max_price_per_hour": 1.0}, clouds=["runpod"])
celium.Pod("gpu", template_id=template, selector=selector, ssh_public_keys=keys)
celium.Job("gpu", image=image, selector=selector, ssh_public_keys=keys, **long_run)
runpod.Pod("gpu", gpu_type="NVIDIA GeForce RTX 4090", image="runpod/base:0.6.2")
runpod.Job("gpu", gpu_type="NVIDIA GeForce RTX 4090", image="runpod/base:0.6.2", **long_run)
primeintellect.Pod("gpu", gpu_type="A6000_48GB", max_price_per_hour=1.25)
