"""The fleet file (``fleet.yaml``), declared through the provider plugin as a program of
another language declares it: each entry a plain ``pulumi.CustomResource`` of the
plugin's type (``pulumi-gpu:<cloud>:<Kind>``) with camelCase properties, so the engine
runs ``pulumi-resource-pulumi-gpu`` from PATH. Entries are not validated here (a bad
input is the plugin's to refuse); ``{config: KEY}`` is the stack's secret config.
"""

from typing import Any

import pulumi
import yaml

from pulumi_gpu.fleet.kinds import PLACED, SECTIONS, kinds_of
from pulumi_gpu.plugin.kinds import package_kinds, token_of
from pulumi_gpu.plugin.names import camel, to_engine


def resolved(value: Any) -> Any:
    """``value`` with each ``{config: KEY}`` replaced by that secret config."""
    if isinstance(value, dict) and set(value) == {"config"}:
        return pulumi.Config().require_secret(value["config"])
    if isinstance(value, dict):
        return {k: resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v) for v in value]
    return value


with open("fleet.yaml") as file:
    sections: dict[str, dict[str, dict[str, Any]]] = yaml.safe_load(file) or {}
account_keys: dict[str, list[pulumi.Resource]] = {}  # cloud -> its ssh_keys resources
for section in SECTIONS:  # account keys before the pods that get them
    for name, entry in (sections.get(section) or {}).items():
        inputs = dict(entry)
        kind = kinds_of(section)[inputs.pop("cloud", PLACED)]
        token = token_of(kind.resource)
        props = to_engine(package_kinds()[token].shape, resolved(inputs))
        keys = account_keys.get(kind.cloud) if kind.after_account_keys else None
        resource = pulumi.CustomResource(
            token,
            name,
            {camel(k): v for k, v in props.items()},
            opts=pulumi.ResourceOptions(depends_on=keys) if keys else None,
        )
        if section == "ssh_keys":
            account_keys.setdefault(kind.cloud, []).append(resource)
