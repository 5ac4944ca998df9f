"""The engine's property structs as the providers' plain values, and back.

The plugin accepts secrets (``acceptSecrets``), so a secret arrives wrapped; the
providers take plain values, as a dynamic provider is given them. :func:`unmarshal`
unwraps every property and says which were secret (a secret inside a property, such as
one value of an ``env``, makes the whole property secret, as the SDK's deserializer
does); :func:`marshal` wraps the properties named secret again. A value not known until
apply (at preview) is ``pulumi.output.Unknown``, as the dynamic path gives it, both ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc


def unmarshal(struct: struct_pb2.Struct) -> tuple[dict[str, Any], frozenset[str]]:
    """(the properties as plain values, the names of those that were secret)."""
    found = rpc.deserialize_properties(struct, keep_unknowns=True)
    secret = frozenset(k for k, v in found.items() if rpc.is_rpc_secret(v))
    return {k: rpc.unwrap_rpc_secret(v) for k, v in found.items()}, secret


def marshal(values: Mapping[str, Any], secret: Iterable[str] = ()) -> struct_pb2.Struct:
    """A struct of ``values``, the properties named in ``secret`` wrapped as secrets."""
    hidden = set(secret)
    struct = struct_pb2.Struct()
    struct.update(
        {
            key: rpc.wrap_rpc_secret(_plain(value)) if key in hidden else _plain(value)
            for key, value in values.items()
        }
    )
    return struct


def _plain(value: Any) -> Any:
    """A value as a struct holds it: unknowns as the engine's sentinel, tuples as lists."""
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
