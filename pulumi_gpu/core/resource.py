"""The base of the resource classes users instantiate."""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.runtime.stack import Stack

from pulumi_gpu.core.budget import MAX_COST_PER_HOUR, BudgetExceeded, price_of, program_ledger
from pulumi_gpu.core.config import warn_unknown_keys
from pulumi_gpu.core.identity import (
    DEFAULT_NAME_KEY,
    OWNER_KEY,
    Owner,
    compose_name,
    name_prefix,
    name_taken,
    resource_hash,
    resource_key,
)
from pulumi_gpu.core.inputs import renamed_inputs
from pulumi_gpu.core.provider import GpuProvider
from pulumi_gpu.core.ssh import parse_ssh
from pulumi_gpu.core.stack_identity import Program, this_program


class GpuResource(pulumi.dynamic.Resource):
    """A dynamic resource whose outputs are the ``pulumi.Output`` annotations of its class.

    Subclasses declare ``module=``/``name=`` (type token
    ``pulumi-python:dynamic/<module>:<name>``), annotate their outputs, and call
    :meth:`_register` from ``__init__`` (their provider says which outputs are secret).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):
            cls.__init__ = _called_rightly(cls, vars(cls)["__init__"])  # type: ignore[method-assign]

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
        given = {k: v for k, v in inputs.items() if v is not None}
        props, warnings = renamed_inputs(provider.inputs_model, given)
        for warning in warnings:
            pulumi.log.warn(f"{provider.kind} {resource_name}: {warning}")
        key = self.key_of(resource_name, opts)
        program = this_program()
        own = resource_hash(key)
        props[OWNER_KEY] = program.owner(own)
        named = props.get("name")
        if "name" in provider.inputs_model.model_fields:
            named = _name(provider, program, key, resource_name, own, props)
        _hold_to_budget(provider, key, resource_name, props, named)
        secret_inputs = provider.inputs_model.secret_fields()
        for name in secret_inputs & set(props):
            # Encrypted in the state's inputs too, not only in its outputs.
            props[name] = pulumi.Output.secret(props[name])
        for name in self.output_names():
            props.setdefault(name, None)
        secret = sorted(secret_inputs | provider.secret_outputs | provider.log_outputs)
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=secret)
        )
        super().__init__(provider, resource_name, props, opts)

    @classmethod
    def key_of(cls, resource_name: str, opts: pulumi.ResourceOptions | None = None) -> str:
        """What tells a resource of this class apart in its stack: its type and name, and
        its parent's (see ``identity``)."""
        parent = opts.parent if opts is not None else None
        parents: tuple[tuple[str, str], ...] = ()
        if isinstance(parent, pulumi.Resource) and not isinstance(parent, Stack):
            parents = ((parent._type, parent._name),)
        type_token = f"pulumi-python:{cls._resource_type_name}"
        return resource_key(type_token, resource_name, parents)

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


def _called_rightly(cls: type, init: Callable[..., None]) -> Callable[..., None]:
    """``init`` refusing a call that does not fit its signature (an unknown or missing
    keyword, a value given by position) with a message naming the input, as preview shows
    any other mistake, instead of Python's ``TypeError`` and its traceback."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError:
            raise pulumi.RunError(_call_mistake(cls, signature, args, kwargs)) from None
        init(self, *args, **kwargs)

    return __init__


def _call_mistake(
    cls: type, signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    """What is wrong with a call of ``cls`` (``signature``: its ``__init__``'s)."""
    params = [p for p in list(signature.parameters.values())[1:] if p.kind is not p.VAR_KEYWORD]
    inputs = [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name != "opts"]
    what = _public_name(cls)
    name = args[0] if args else kwargs.get("resource_name", "(no resource name)")
    head = f"{what} {name!r}"
    unknown = [k for k in kwargs if k not in signature.parameters]
    if unknown:
        lines = []
        for key in unknown:
            close = difflib.get_close_matches(key, inputs, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            lines.append(f"{key} is not an input of {what}{hint}")
        return f"{head}: {'; '.join(lines)}; its inputs: {', '.join(inputs)}"
    if not args and "resource_name" not in kwargs:
        return f'{what}: the resource name comes first, e.g. {what}("trainer", ...)'
    missing = [
        p.name
        for p in params
        if p.default is p.empty and p.name not in kwargs and p.kind is p.KEYWORD_ONLY
    ]
    if missing:
        return f"{head}: {', '.join(missing)} is required (a keyword argument)"
    return (
        f"{head}: inputs are keyword arguments after the resource name, e.g. "
        f"{what}({name!r}, {inputs[0]}=...); its inputs: {', '.join(inputs)}"
    )


def _public_name(cls: type) -> str:
    """``runpod.Pod``, ``pulumi_gpu.Pod``: the class as a program names it."""
    parts = cls.__module__.split(".")
    if parts[:2] == ["pulumi_gpu", "market"]:
        return f"pulumi_gpu.{cls.__name__}"
    if parts[0] == "pulumi_gpu" and len(parts) > 2:
        return f"{parts[1]}.{cls.__name__}"
    return cls.__qualname__


def _name(
    provider: GpuProvider[Any, Any],
    program: Program,
    key: str,
    resource_name: str,
    own: str,
    props: dict[str, Any],
) -> Any:
    """Propose the object's name when the program gives none (the provider keeps a name
    the state records), and refuse at preview two resources of one kind that would give
    their objects the same name; the name to judge the inputs by."""
    given = props.get("name")
    if given is None:
        prefix = name_prefix(pulumi.get_project(), pulumi.get_stack(), resource_name)
        rule = provider.name_rule
        props[DEFAULT_NAME_KEY] = props[OWNER_KEY].apply(
            lambda mark: compose_name(prefix, _tag(mark), rule)
        )
        # Same prefix and hash: the same name, whatever the stack id turns out to be.
        taken = compose_name(prefix, f"000000-{own}", rule)
    elif isinstance(given, str):
        taken = given
    else:
        return given  # known only once another resource exists
    first = program.take_name(provider.kind, taken, key)
    if first is not None:
        raise pulumi.RunError(
            f"{provider.kind} {resource_name}: {name_taken('program', first, taken)}"
        )
    return taken


def _tag(mark: str) -> str:
    owner = Owner.parse(mark)
    assert owner is not None, mark
    return owner.tag


def _hold_to_budget(
    provider: GpuProvider[Any, Any], key: str, name: str, props: dict[str, Any], named: Any
) -> None:
    """Count the resource against ``pulumi-gpu:maxCostPerHour``, if set, as it is declared
    (``named``: its object's name, or what stands for it): a program over budget stops at
    ``preview``, before anything is created."""
    limit = MAX_COST_PER_HOUR.number()
    ledger = program_ledger()
    if limit is None or ledger.counted(key):
        return
    model = provider.inputs_model
    secrets = model.secret_fields()
    plain = {k: v for k, v in props.items() if k in model.model_fields and k not in secrets}
    if named is not None:
        plain["name"] = named
    known = not any(isinstance(v, pulumi.Output) for v in plain.values())
    price = price_of(model, plain, known=known)
    if price is None:
        return  # its check reports the mistake
    ledger.add(key, name, provider.kind, price)
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
