"""A minimal dynamic provider for the engine smoke test.

Its "cloud" is a directory of JSON files (one per object), so the test can look at
what exists and delete things out of band. `size` updates in place; `kind` replaces.
It lives in an importable module, so dill pickles it by reference, as our real
providers are.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

INPUTS = ("store", "kind", "size")


def _path(props: dict[str, Any], id_: str) -> Path:
    return Path(props["store"]) / f"{id_}.json"


class BoxProvider(ResourceProvider):
    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in INPUTS if olds.get(k) != news.get(k)]
        return DiffResult(
            changes=bool(changed),
            replaces=[k for k in changed if k in ("kind", "store")],
            delete_before_replace=False,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        id_ = uuid.uuid4().hex[:12]
        outs = {k: props[k] for k in INPUTS} | {"label": f"{props['kind']}:{int(props['size'])}"}
        _path(props, id_).write_text(json.dumps(outs))
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = _path(props, id_)
        if not path.exists():
            return ReadResult(None, {})
        return ReadResult(id_, json.loads(path.read_text()))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        outs = {k: news[k] for k in INPUTS} | {"label": f"{news['kind']}:{int(news['size'])}"}
        _path(news, id_).write_text(json.dumps(outs))
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _path(props, id_).unlink(missing_ok=True)


class Box(Resource, module="smoke", name="Box"):
    label: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        store: str,
        kind: str,
        size: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            BoxProvider(), name, {"store": store, "kind": kind, "size": size, "label": None}, opts
        )
