from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Nothing(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["name"], props)


class Noop(Resource, module="bench", name="Noop"):
    def __init__(self, name: str) -> None:
        super().__init__(Nothing(), name, {"name": name})


items = [Noop(f"n{i}") for i in range(pulumi.Config().require_int("count"))]
