"""The JSON Schema of fleet files, derived from the kinds' inputs models.

Editors use it to validate and complete fleet files (``# yaml-language-server:
$schema=...``); ``pulumi-gpu schema`` writes it to ``schema/fleet.schema.json``.

An input the model requires is required of an entry, unless ``defaults`` gives it for the
entry's cloud (a rule at the top: ``if`` defaults has it, ``else`` every entry of the
kinds that need it does); a secret, which ``defaults`` cannot hold, is required of the
entry itself. Each property carries the field's update policy (``replaceOnChange``,
``updateInPlace`` or ``local``, see ``core.inputs``).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pulumi_gpu.core.inputs import REPLACES, policy_extra
from pulumi_gpu.fleet.kinds import PLACED, SECTIONS, Kind, kinds_of
from pulumi_gpu.fleet.model import NAME

SCHEMA_ID = "https://github.com/pulumi-gpu/pulumi-gpu/schema/fleet.schema.json"

_SECRET_REF = {
    "title": "SecretRef",
    "description": "Where a secret comes from; its value is never written in the fleet file.",
    "oneOf": [
        {
            "type": "object",
            "properties": {"config": {"type": "string", "description": "Secret stack config key."}},
            "required": ["config"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {"env": {"type": "string", "description": "Environment variable."}},
            "required": ["env"],
            "additionalProperties": False,
        },
    ],
    "examples": [{"config": "jupyterPassword"}, {"env": "JUPYTER_PASSWORD"}],
}

_SECTION_HELP = {
    "ssh_keys": (
        "Public keys of the cloud account (RunPod gives them to every pod started with "
        "SSH; Prime Intellect pods name one with ssh_key)."
    ),
    "registries": "Credentials for pulling private images (RunPod).",
    "templates": "Container templates (Celium verifies them before pods may use them).",
    "disks": "Persistent storage that outlives the pods and jobs that mount it.",
    "pods": "GPU machines, ready for SSH when `pulumi up` finishes.",
    "jobs": "Runs that end by themselves, kept as the record of how they went.",
}


def fleet_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12)."""
    defs: dict[str, Any] = {"SecretRef": _SECRET_REF}
    properties: dict[str, Any] = {
        "defaults": {
            "description": "Default inputs per cloud, applied to every entry of that cloud "
            "whose kind has the input (an entry's own value wins).",
            "type": "object",
            "properties": {},
            "additionalProperties": False,
        },
        "budget": {
            "description": "What the fleet's machines may cost per hour at most: `pulumi "
            "preview` refuses the fleet above it, itemized, before anything is created.",
            "type": "object",
            "properties": {
                "max_cost_per_hour": {"type": "number", "exclusiveMinimum": 0},
            },
            "required": ["max_cost_per_hour"],
            "additionalProperties": False,
        },
    }
    for section in SECTIONS:
        entries = []
        for cloud, kind in sorted(kinds_of(section).items()):
            name = f"{cloud}.{kind.resource.__name__}"
            defs[name] = _entry_schema(kind, defs)
            entries.append({"$ref": f"#/$defs/{name}"})
        if not entries:
            continue
        properties[section] = {
            "description": _SECTION_HELP[section] + " Keys are the entries' names.",
            "type": "object",
            "propertyNames": {"pattern": NAME.pattern},
            "additionalProperties": {"oneOf": entries},
        }
    rules = [_defaulted_rule(cloud, field, kinds) for (cloud, field), kinds in _defaultable()]
    defaults = properties["defaults"]["properties"]
    for cloud in sorted({k.cloud for s in SECTIONS for k in kinds_of(s).values()}):
        merged: dict[str, Any] = {}
        for section in SECTIONS:
            found = kinds_of(section).get(cloud)
            if found is None:
                continue
            schema = defs[f"{cloud}.{found.resource.__name__}"]["properties"]
            skip = {"cloud", "name", *found.secrets, *(r.alias for r in found.references)}
            merged.update({k: v for k, v in schema.items() if k not in skip})
        defaults[cloud] = {"type": "object", "properties": merged, "additionalProperties": False}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pulumi-gpu fleet",
        "description": "GPU templates, disks, pods and jobs across clouds, for `pulumi up`.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "allOf": rules,
        "$defs": defs,
    }


def required_inputs(kind: Kind) -> dict[str, bool]:
    """The inputs an entry of ``kind`` must give -> whether ``defaults`` may give it
    instead (a secret may not). The name is not among them: it is the entry's own."""
    return {
        name: name not in kind.secrets
        for name, info in kind.inputs.model_fields.items()
        if info.is_required() and name != "name"
    }


def _defaultable() -> list[tuple[tuple[str, str], list[Kind]]]:
    """(cloud, input) -> the kinds of that cloud that require it, where defaults may give it."""
    found: dict[tuple[str, str], list[Kind]] = {}
    for section in SECTIONS:
        for cloud, kind in sorted(kinds_of(section).items()):
            for name, defaultable in required_inputs(kind).items():
                if defaultable:
                    found.setdefault((cloud, name), []).append(kind)
    return sorted(found.items(), key=lambda item: item[0])


def _defaulted_rule(cloud: str, field: str, kinds: list[Kind]) -> dict[str, Any]:
    """Unless ``defaults`` gives ``field`` for ``cloud``, every entry of ``kinds`` does
    (or names the entry it references instead, for an id input)."""
    given = {
        "required": ["defaults"],
        "properties": {
            "defaults": {"required": [cloud], "properties": {cloud: {"required": [field]}}}
        },
    }
    each: dict[str, Any] = {}
    for kind in kinds:
        alias = next((r.alias for r in kind.references if r.field == field), None)
        needs: dict[str, Any] = {"required": [field]}
        if alias is not None:
            needs = {"anyOf": [needs, {"required": [alias]}]}
        each[kind.section] = {"additionalProperties": {"if": _is_entry_of(kind), "then": needs}}
    return {"if": given, "else": {"properties": each}}


def _is_entry_of(kind: Kind) -> dict[str, Any]:
    """An entry (of ``kind``'s section) that is of ``kind``."""
    of_cloud = {"required": ["cloud"], "properties": {"cloud": {"const": kind.cloud}}}
    if kind.cloud == PLACED:  # `clouds:` alone says it too
        return {"anyOf": [of_cloud, {"required": ["clouds"], "not": {"required": ["cloud"]}}]}
    return of_cloud


def _entry_schema(kind: Kind, defs: dict[str, Any]) -> dict[str, Any]:
    prefix = f"{kind.cloud}.{kind.resource.__name__}."
    schema = kind.inputs.model_json_schema(ref_template="#/$defs/" + prefix + "{model}")
    for name, nested in schema.pop("$defs", {}).items():
        defs[prefix + name] = nested
    schema = copy.deepcopy(schema)
    props: dict[str, Any] = schema["properties"]
    schema["title"] = kind.title
    schema["description"] = (kind.resource.__doc__ or "").strip().split("\n\n")[0]
    props_in_order = {
        "cloud": {
            "const": kind.cloud,
            "description": (
                "This entry is a placed pod, on the cheapest offer of its clouds."
                if kind.cloud == "any"
                else f"This entry is a {kind.title}."
            ),
            **REPLACES,  # another cloud's kind is another resource
        },
        **props,
    }
    if "name" in props_in_order:
        name = props_in_order["name"]
        name["description"] = (
            f"{name.get('description', '')} Default: <project>-<stack>-<entry name>-<owner "
            "tag>; an object keeps the name it has."
        ).strip()
    conditions: list[dict[str, Any]] = []
    for ref in kind.references:
        item = {"type": "string", "pattern": NAME.pattern}
        props_in_order[ref.alias] = {
            "description": f"Name of the {ref.section} entry (same cloud) whose id becomes "
            f"{ref.field}.",
            **({"type": "array", "items": item} if ref.many else item),
            **policy_extra(props[ref.field]),
        }
        conditions.append({"not": {"required": [ref.field, ref.alias]}})
    for secret in kind.secrets:
        description = props_in_order.get(secret, {}).get("description", "")
        policy = policy_extra(props.get(secret))
        if secret in kind.secret_maps:
            value = {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/SecretRef"}]}
            props_in_order[secret] = {
                "description": f"{description} A value is written, or read from a SecretRef.",
                "type": "object",
                "additionalProperties": value,
                **policy,
            }
        else:
            props_in_order[secret] = {
                "description": description,
                "$ref": "#/$defs/SecretRef",
                **policy,
            }
    schema["properties"] = props_in_order
    # What defaults may give is required by the fleet's rules (`_defaulted_rule`).
    here = [name for name, defaultable in required_inputs(kind).items() if not defaultable]
    schema["required"] = ["cloud", *here]
    if kind.cloud == PLACED:  # `clouds:` alone says it too
        schema["required"] = here
        conditions.append({"anyOf": [{"required": ["cloud"]}, {"required": ["clouds"]}]})
    if conditions:
        schema["allOf"] = conditions
    return schema


def schema_text() -> str:
    """The schema as the text checked in at ``schema/fleet.schema.json``."""
    return json.dumps(fleet_schema(), indent=2, sort_keys=False) + "\n"
