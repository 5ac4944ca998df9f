"""A dynamic provider that does nothing: what the engine itself costs per resource.

Kept in an importable module, as pulumi-gpu's providers are, so both are serialized
into the state the same way (by reference).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Nothing(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["name"], props)


class Noop(Resource, module="bench", name="Noop"):
    def __init__(self, name: str) -> None:
        super().__init__(Nothing(), name, {"name": name})
