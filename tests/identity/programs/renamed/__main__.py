"""The fleet program, with entry names a fleet file cannot hold (config ``renames``: entry
name -> resource name, e.g. non-ASCII): a Python program may name resources anything."""

import json

import pulumi

from pulumi_gpu.fleet.model import load_fleet
from pulumi_gpu.fleet.program import declare, export

fleet = load_fleet("fleet.yaml")
renames = json.loads(pulumi.Config().get("renames") or "{}")
for entry in fleet.entries:
    entry.name = renames.get(entry.name, entry.name)
export(declare(fleet))
