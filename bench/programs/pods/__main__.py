import pulumi

import pulumi_gpu.celium as celium
import pulumi_gpu.gpudev as gpudev
import pulumi_gpu.primeintellect as primeintellect
import pulumi_gpu.runpod as runpod
from bench.naive_provider import NaivePod

CLOUDS = ["celium", "runpod", "primeintellect", "gpudev"]
config = pulumi.Config()
count = config.require_int("pods")
key = config.require("sshPublicKey")
template_id = config.get("templateId") or ""
chosen = config.require("cloud")


def cloud_of(index: int) -> str:
    return CLOUDS[index % len(CLOUDS)] if chosen == "mixed" else chosen


def ours(name: str, cloud: str) -> pulumi.CustomResource:
    if cloud == "celium":
        return celium.Pod(
            name,
            template_id=template_id,
            ssh_public_keys=[key],
            selector={"max_price_per_hour": 1000},
        )
    if cloud == "runpod":
        return runpod.Pod(
            name,
            gpu_type="NVIDIA GeForce RTX 4090",
            ssh_public_keys=[key],
            image="runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
        )
    if cloud == "primeintellect":
        return primeintellect.Pod(name, gpu_type="A6000_48GB")
    return gpudev.Job(name, gpu_type="t4")


def through_plugin(name: str, cloud: str) -> pulumi.CustomResource:
    """The same pod through the provider plugin, as any other language declares it."""
    props: dict[str, dict[str, object]] = {
        "celium": {
            "templateId": template_id,
            "sshPublicKeys": [key],
            "selector": {"maxPricePerHour": 1000},
        },
        "runpod": {
            "gpuType": "NVIDIA GeForce RTX 4090",
            "sshPublicKeys": [key],
            "image": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
        },
        "primeintellect": {"gpuType": "A6000_48GB"},
        "gpudev": {"gpuType": "t4"},
    }
    kind = "Job" if cloud == "gpudev" else "Pod"
    return pulumi.CustomResource(f"pulumi-gpu:{cloud}:{kind}", name, props[cloud])


# Only one provider's resources per run: a pulumi-gpu resource in the naive variant
# would lift the provider process's worker limit for the naive pods too.
if config.require("provider") == "pulumi-gpu":
    pods = [ours(f"pod-{i}", cloud_of(i)) for i in range(count)]
elif config.require("provider") == "plugin":
    pods = [through_plugin(f"pod-{i}", cloud_of(i)) for i in range(count)]
else:
    pods = [
        NaivePod(f"pod-{i}", cloud=cloud_of(i), ssh_key=key, template_id=template_id)
        for i in range(count)
    ]
pulumi.export("ids", [p.id for p in pods])
