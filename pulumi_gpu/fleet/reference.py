"""The fleet file's reference, in Markdown, generated from the same schema editors use.

Every section, every kind of every cloud, every field (and every field of an object it
takes: ``gpu.model``): its type and allowed values, whether an entry must give it (there,
or in ``defaults``), its default, and what a change does: the one policy its model
declares (replace the object, update it in place, or only tune pulumi-gpu) and the
changes its kind treats otherwise. ``pulumi-gpu reference`` writes it to
``schema/fleet-reference.md``.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_gpu.core.inputs import EXCEPTION, POLICIES, policy_of
from pulumi_gpu.fleet.kinds import PLACED, SECTIONS, Kind, kinds_of
from pulumi_gpu.fleet.schema import fleet_schema, required_inputs

CHANGES = {
    "replaceOnChange": "replaces it",
    "updateInPlace": "in place",
    "local": "pulumi-gpu only",
}
"""What the "on change" column says for each policy (see ``core.inputs``)."""
DESTROYS_DATA = "replaces it, deleting its data (refused unless allow_replacement)"


def reference_text() -> str:
    """The reference as the text checked in at ``schema/fleet-reference.md``."""
    schema = fleet_schema()
    defs: dict[str, Any] = schema["$defs"]
    top = schema["properties"]
    lines = [
        "# Fleet file reference",
        "",
        "Generated from the resource models by `pulumi-gpu reference`; do not edit.",
        "A fleet file is a mapping with these sections; `pulumi-gpu validate` checks one.",
        "",
        "An entry gives every input marked required: in the entry itself, or, where it "
        "says so, in `defaults` for the entry's cloud (editors using the schema flag one "
        "given in neither). An entry's `name` input, where its kind has one, is the "
        "entry's name unless given. A field of an object (`gpu.model`) is required where "
        "the object is given.",
        "",
        "## defaults",
        "",
        top["defaults"]["description"],
        "",
        "## budget",
        "",
        top["budget"]["description"],
        "",
        "- `max_cost_per_hour` (number, > 0): USD per hour for all the fleet's machines.",
    ]
    for section in SECTIONS:
        if section not in top:
            continue
        lines += ["", f"## {section}", "", top[section]["description"]]
        for cloud, kind in sorted(kinds_of(section).items()):
            entry = defs[f"{cloud}.{kind.resource.__name__}"]
            about = " ".join(entry["description"].split())
            lines += ["", f"### {entry['title']}", "", about, ""]
            lines += [HEADER, "|---|---|---|---|---|---|"]
            for name, field in entry["properties"].items():
                lines += _rows(name, field, _required(kind, name), change(name, field), defs)
    return "\n".join(lines) + "\n"


HEADER = "| field | type and allowed values | required | default | on change | meaning |"
HERE_OR_DEFAULTS = "yes, here or in defaults"
"""A required input that ``defaults`` may give for every entry of the cloud."""


def _required(kind: Kind, name: str) -> str:
    """Whether an entry of ``kind`` must give ``name``, and where it may come from."""
    needed = required_inputs(kind)
    if name == "cloud":
        return "yes, or give `clouds`" if kind.cloud == PLACED else "yes"
    for ref in kind.references:
        if ref.alias == name and ref.field in needed:
            return f"yes, or give `{ref.field}`"
        if ref.field == name and name in needed:
            said = HERE_OR_DEFAULTS if needed[name] else "yes"
            return f"{said}, or give `{ref.alias}`"
    if name not in needed:
        return ""
    return HERE_OR_DEFAULTS if needed[name] else "yes"


SECRET_REF = "#/$defs/SecretRef"


def _rows(
    name: str, field: dict[str, Any], required: str, changes: str, defs: dict[str, Any]
) -> list[str]:
    """The row of ``field``, then a row for each field of the object it takes, if any
    (``gpu.model``, required where the object is given): a change of one is a change of
    the object, so they change as it does."""
    lines = [_row(name, field, required, changes, defs)]
    found = _object(field, defs)
    if found is not None:
        path, nested = found
        needed = set(nested.get("required", ()))
        for sub, sub_field in nested["properties"].items():
            sub_name = f"{name}{path}.{sub}"
            said = change(sub_name, sub_field) if policy_of(sub_field) else changes
            lines += _rows(sub_name, sub_field, "yes" if sub in needed else "", said, defs)
    return lines


def _object(field: dict[str, Any], defs: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The object with named fields that ``field`` takes (not a secret reference), and the
    path to it: "" for the object itself, "[]" for the items of a list."""
    ref = field.get("$ref")
    if isinstance(ref, str) and ref != SECRET_REF:
        target = defs[ref.removeprefix("#/$defs/")]
        return ("", target) if "properties" in target else None
    for option in field.get("anyOf", []):
        found = _object(option, defs)
        if found is not None:
            return found
    if field.get("type") == "array":
        found = _object(field.get("items", {}), defs)
        return None if found is None else (f"[]{found[0]}", found[1])
    return None


def change(name: str, field: dict[str, Any]) -> str:
    """What a change of ``field`` does, from the one policy its property declares."""
    policy = policy_of(field)
    if policy is None:
        declared = [key for key in POLICIES if field.get(key)]
        raise ValueError(f"'{name}' declares {len(declared)} update policies, not one: {declared}")
    said = DESTROYS_DATA if field.get("destroysData") else CHANGES[policy]
    exception = field.get(EXCEPTION)
    return f"{said}; {exception}" if exception else said


def _row(
    name: str, field: dict[str, Any], required: str, changes: str, defs: dict[str, Any]
) -> str:
    default = json.dumps(field["default"]) if field.get("default") is not None else ""
    meaning = " ".join(field.get("description", "").split()).replace("|", "\\|")
    kind = _type(field, defs).replace("|", "\\|")
    cells = [f"`{name}`", kind, required, default, changes, meaning]
    return "| " + " | ".join(cells) + " |"


def _type(field: dict[str, Any], defs: dict[str, Any]) -> str:
    """'string (at most 191 chars)', 'integer (>= 1, <= 16)', 'one of `a`, `b`', 'secret:
    ...' (only for a reference to a SecretRef), 'object (fields below)'..."""
    if "const" in field:
        return f"`{field['const']}`"
    if "enum" in field:
        return "one of " + ", ".join(f"`{v}`" for v in field["enum"])
    if field.get("$ref") == SECRET_REF:
        return "secret: `{config: KEY}` or `{env: NAME}`"
    if "$ref" in field:
        return "object (fields below)" if _object(field, defs) else "any"
    options = [o for o in field.get("anyOf", []) if o.get("type") != "null"]
    if options:
        return " or ".join(_type(o, defs) for o in options)
    kind = field.get("type", "any")
    if kind == "array":
        return f"list of {_type(field.get('items', {}), defs)}"
    if kind == "object":
        values = field.get("additionalProperties")
        if isinstance(values, dict) and "oneOf" in values:
            return "mapping of name to string or secret reference"
        return "mapping"
    bounds = [
        f"{symbol} {field[key]}"
        for key, symbol in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if key in field
    ]
    if "maxLength" in field:
        bounds.append(f"at most {field['maxLength']} chars")
    if "pattern" in field:
        bounds.append(f"matching `{field['pattern']}`")
    return f"{kind} ({', '.join(bounds)})" if bounds else str(kind)
