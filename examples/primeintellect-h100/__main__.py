"""Prime Intellect H100: what users did by hand (list availability, copy cloudId,
socket and data center into a create request, poll the status until SSH works) as
one declarative program, plus a disk that outlives the pod."""

from typing import cast

import pulumi

import pulumi_gpu.primeintellect as primeintellect

config = pulumi.Config()
provider = cast(primeintellect.ProviderType, config.get("provider") or "hyperstack")
data_center = config.get("dataCenter") or "CANADA-1"

# Datasets and checkpoints: survives pod replacements; resizing needs allowDiskReplacement.
disk = primeintellect.Disk(
    "data",
    name=config.get("diskName"),
    size=config.get_int("diskSize") or 200,
    provider=provider,
    data_center_id=data_center,
    allow_replacement=config.get_bool("allowDiskReplacement"),
)

# The cheapest matching offer in stock is chosen at create time and kept in `offer`.
pod = primeintellect.Pod(
    "h100",
    gpu_type=cast(primeintellect.GpuType, config.get("gpuType") or "H100_80GB"),
    gpu_count=config.get_int("gpuCount") or 1,
    provider=provider,
    data_center_id=data_center,
    max_price_per_hour=config.get_float("maxPricePerHour") or 5.0,
    image=cast(primeintellect.Image, config.get("image") or "cuda_12_4_pytorch_2_5"),
    disk_ids=[disk.id],
    jupyter_password=config.get_secret("jupyterPassword"),
)

pulumi.export("ssh", pod.ssh_command)
pulumi.export("jupyter", pod.jupyter_url)
pulumi.export("cost_per_hour", pod.cost_per_hour)
pulumi.export("offer", pod.offer)
pulumi.export("disk_id", disk.id)
