import pulumi

import pulumi_gpu.runpod as runpod

gpus = runpod.get_gpu_types(min_memory_gb=int(pulumi.Config().get("minMemoryGb") or 0))
pulumi.export("gpus", sorted(g.id for g in gpus))
