"""The base of the resource classes users instantiate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from pulumi_gpu.core.provider import GpuProvider


class GpuResource(pulumi.dynamic.Resource):
    """A dynamic resource whose outputs are the ``pulumi.Output`` annotations of its class.

    Subclasses declare ``module=``/``name=`` (type token
    ``pulumi-python:dynamic/<module>:<name>``), annotate their outputs, list secret
    outputs in ``_secret_outputs``, and call :meth:`_register` from ``__init__``.
    """

    _secret_outputs: ClassVar[tuple[str, ...]] = ()

    def _register(
        self,
        provider: GpuProvider[Any],
        resource_name: str,
        inputs: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        props: dict[str, Any] = {k: v for k, v in inputs.items() if v is not None}
        secret_inputs = provider.inputs_model.secret_fields()
        for name in secret_inputs & set(props):
            # Encrypted in the state's inputs too, not only in its outputs.
            props[name] = pulumi.Output.secret(props[name])
        for name in self._output_names():
            props.setdefault(name, None)
        secret = sorted(secret_inputs | set(self._secret_outputs))
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=secret)
        )
        super().__init__(provider, resource_name, props, opts)

    @classmethod
    def _output_names(cls) -> list[str]:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if "Output[" in str(annotation) and name not in names:
                    names.append(name)
        return names


def default_name(resource_name: str, *, max_length: int = 63) -> str:
    """The cloud-side name of an unnamed resource: ``<project>-<stack>-<resource name>``.

    Deterministic, so a person can tell which stack owns what in the cloud's console;
    characters other than letters, digits, ``-`` and ``_`` become ``-``.
    """
    raw = f"{pulumi.get_project()}-{pulumi.get_stack()}-{resource_name}"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", raw)[:max_length].strip("-")
