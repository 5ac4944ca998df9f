import pulumi

import pulumi_gpu.primeintellect as primeintellect

JUPYTER_PASSWORD = "jupyter-pass-7f3a9c"
"""A literal, not stack config (the export shows plain config): the provider alone must
keep it encrypted in state."""

config = pulumi.Config()
pod = primeintellect.Pod(
    "pod",
    gpu_type=config.get("gpuType") or "A6000_48GB",
    gpu_count=config.get_int("gpuCount") or 1,
    cloud_id=config.get("cloudId"),
    provider=config.get("provider"),
    socket=config.get("socket"),
    data_center_id=config.get("dataCenter"),
    disk_size=config.get_int("diskSize"),
    max_price_per_hour=config.get_float("maxPricePerHour"),
    jupyter_password=JUPYTER_PASSWORD if config.get_bool("jupyter") else None,
)
pulumi.export("ssh", pod.ssh_command)
pulumi.export("offer", pod.offer)
