import pulumi

import pulumi_gpu.celium as celium
from bench.naive_provider import NaivePod

# Only pods: a pulumi-gpu resource in the naive variant would lift the provider
# process's worker limit for the naive pods too.
config = pulumi.Config()
count = config.require_int("pods")
key = config.require("sshPublicKey")
template_id = config.require("templateId")
if config.require("provider") == "pulumi-gpu":
    pods = [
        celium.Pod(f"pod-{i}", template_id=template_id, ssh_public_keys=[key],
                   selector={"max_price_per_hour": 1000})
        for i in range(count)
    ]  # fmt: skip
else:
    pods = [NaivePod(f"pod-{i}", template_id=template_id, ssh_key=key) for i in range(count)]
pulumi.export("ssh", [p.ssh_command for p in pods])
