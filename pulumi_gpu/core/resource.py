"""The base of the resource classes users instantiate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pydantic import ValidationError

from pulumi_gpu.core.budget import MAX_COST_PER_HOUR, BudgetExceeded, Price, program_ledger
from pulumi_gpu.core.config import warn_unknown_keys
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.ssh import parse_ssh


class GpuResource(pulumi.dynamic.Resource):
    """A dynamic resource whose outputs are the ``pulumi.Output`` annotations of its class.

    Subclasses declare ``module=``/``name=`` (type token
    ``pulumi-python:dynamic/<module>:<name>``), annotate their outputs, list secret
    outputs in ``_secret_outputs``, and call :meth:`_register` from ``__init__``.
    """

    _secret_outputs: ClassVar[tuple[str, ...]] = ()

    status: pulumi.Output[str]
    """Where the object stands, the same words on every cloud: ``pending``, ``ready``,
    ``stopped`` or ``failed`` (after a refresh; ``pulumi up`` then repairs it)."""
    cloud_status: pulumi.Output[str]
    """The cloud's own word for the object's state (e.g. ``RUNNING``, ``VERIFY_SUCCESS``)."""
    account: pulumi.Output[str]
    """Who made the object (the cloud's user, or a fingerprint of the key; never the key)."""

    def _register(
        self,
        provider: GpuProvider[Any, Any],
        resource_name: str,
        inputs: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        if opts is not None and opts.import_:
            raise pulumi.RunError(
                f"{provider.kind} {resource_name}: ResourceOptions(import_=...) does not work "
                "with pulumi-gpu (Pulumi cannot import into dynamic providers); take the "
                f"object over with adopt_id={opts.import_!r} instead"
            )
        warn_unknown_keys()
        props: dict[str, Any] = {k: v for k, v in inputs.items() if v is not None}
        _hold_to_budget(provider, resource_name, props)
        secret_inputs = provider.inputs_model.secret_fields()
        for name in secret_inputs & set(props):
            # Encrypted in the state's inputs too, not only in its outputs.
            props[name] = pulumi.Output.secret(props[name])
        for name in self.output_names():
            props.setdefault(name, None)
        secret = sorted(secret_inputs | set(self._secret_outputs))
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=secret)
        )
        super().__init__(provider, resource_name, props, opts)

    @classmethod
    def output_names(cls) -> list[str]:
        """The outputs this resource class declares (its ``pulumi.Output`` annotations)."""
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if "Output[" in str(annotation) and name not in names:
                    names.append(name)
        return names


class Machine(GpuResource):
    """A resource a person logs into: the same connection outputs on every cloud."""

    ssh_command: pulumi.Output[str | None]
    """Ready-to-run SSH command, e.g. ``ssh root@1.2.3.4 -p 40022``."""
    ssh_host: pulumi.Output[str | None]
    ssh_port: pulumi.Output[int | None]
    ssh_user: pulumi.Output[str | None]
    public_ip: pulumi.Output[str | None]
    ports: pulumi.Output[dict[str, int]]
    """Container port -> public port on ``public_ip`` / ``ssh_host``."""
    cost_per_hour: pulumi.Output[float | None]
    """USD per hour the cloud bills for it now (None where the cloud sets no price)."""


class JobRecord(Machine):
    """A job: a run that ends by itself; after it ends the resource is its record.

    ``status`` is the run's: queued, starting, running, succeeded, failed, expired or
    cancelled. The machine outputs hold while it runs and are empty once it ended.
    """

    exit_code: pulumi.Output[int | None]
    """The command's exit code, where the cloud lets it be known."""
    started_at: pulumi.Output[str | None]
    """When the command started (ISO 8601, UTC)."""
    ended_at: pulumi.Output[str | None]
    expires_at: pulumi.Output[str | None]
    """When the time box ends the run."""
    run_cost_per_hour: pulumi.Output[float | None]
    """USD per hour the run was billed while it ran (``cost_per_hour`` is what it bills
    now: 0 once its compute is released)."""
    cost_so_far: pulumi.Output[float | None]
    """USD the run has cost so far (``run_cost_per_hour`` times the time it ran)."""
    log_tail: pulumi.Output[str | None]
    """The last lines of its log, kept after its compute is gone (where the cloud keeps logs)."""
    released: pulumi.Output[bool]
    """True once the run ended and its compute was released: the resource is a record."""


def _hold_to_budget(provider: GpuProvider[Any, Any], name: str, props: dict[str, Any]) -> None:
    """Count the resource against ``pulumi-gpu:maxCostPerHour``, if set, as it is declared:
    a program over budget stops at ``preview``, before anything is created."""
    limit = MAX_COST_PER_HOUR.number()
    ledger = program_ledger()
    if limit is None or ledger.counted(name):
        return
    model = provider.inputs_model
    secrets = model.secret_fields()
    plain = {k: v for k, v in props.items() if k not in secrets}
    if any(isinstance(v, pulumi.Output) for v in plain.values()):
        price = Price(None, "its inputs are known only once other resources exist", bounded=False)
    else:
        try:
            price = model.model_validate(plain).hourly_price()
        except ValidationError:
            return  # its check reports the mistake
    ledger.add(name, provider.kind, price)
    try:
        ledger.check(limit)
    except BudgetExceeded as exc:
        raise pulumi.RunError(str(exc)) from None


def machine_outputs(
    ssh_command: str | None,
    *,
    ports: Mapping[str, int] | Mapping[int, int] | None = None,
    public_ip: str | None = None,
    cost_per_hour: float | None = None,
    default_user: str = "root",
) -> dict[str, Any]:
    """The :class:`Machine` outputs, with the SSH parts read from the command."""
    target = parse_ssh(ssh_command)
    return {
        "ssh_command": ssh_command,
        "ssh_host": target.host if target else None,
        "ssh_port": target.port if target else None,
        "ssh_user": (target.user or default_user) if target else None,
        "public_ip": public_ip or (target.host if target else None),
        "ports": {str(k): int(v) for k, v in (ports or {}).items()},
        "cost_per_hour": cost_per_hour,
    }


def default_name(resource_name: str, *, max_length: int = 63) -> str:
    """The cloud-side name of an unnamed resource: ``<project>-<stack>-<resource name>``.

    Deterministic, so a person can tell which stack owns what in the cloud's console;
    characters other than letters, digits, ``-`` and ``_`` become ``-``.
    """
    raw = f"{pulumi.get_project()}-{pulumi.get_stack()}-{resource_name}"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", raw)[:max_length].strip("-")
