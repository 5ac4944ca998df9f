"""Resources as a user declares them, from the `cases` setting: a JSON object of resource
name -> {"kind": "runpod.Pod" (or "Pod", the placed pod), "args": {keyword arguments}}.

A program stops at its first exception, so each declaration here is judged on its own:
an exception its constructor raises is logged as an error of that resource, with its
type (a ``pulumi.RunError`` is what the engine shows as one line, without a traceback).
"""

import importlib
import json

import pulumi

import pulumi_gpu

config = pulumi.Config()
for resource_name, case in json.loads(config.require("cases")).items():
    module, _, cls = case["kind"].rpartition(".")
    where = importlib.import_module(f"pulumi_gpu.{module}") if module else pulumi_gpu
    try:
        getattr(where, cls)(resource_name, **case["args"])
    except Exception as exc:  # reported as the engine would show it, with its type
        pulumi.log.error(f"declaring {resource_name}: {type(exc).__name__}: {exc}")
