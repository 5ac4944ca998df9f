"""The Pulumi program behind a fleet file: declare its resources, export how to reach them.

Outputs of the stack:

- ``ssh``: entry name -> SSH command, for every pod or job that has one now;
- ``jobs``: entry name -> how its run stands (``running``, ``succeeded``...);
- ``placements``: entry name -> where a placed pod landed (cloud, GPU, region, price);
- ``ports``: entry name -> {container port: public port};
- ``jupyter``: entry name -> Jupyter URL;
- ``cost_per_hour``: the fleet's total, USD per hour; ``costs``: entry name -> USD per hour;
- ``ssh_config``: a ``~/.ssh/config`` snippet with one ``Host`` per entry;
- ``resources``: entry name -> id.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi

from pulumi_gpu.core.budget import MAX_COST_PER_HOUR, BudgetExceeded, program_ledger
from pulumi_gpu.core.resource import GpuResource, JobRecord
from pulumi_gpu.core.ssh import parse_ssh
from pulumi_gpu.fleet.model import Entry, Fleet, FleetError, SecretRef, load_fleet
from pulumi_gpu.market.pod import Pod as PlacedPod


def declare(fleet: Fleet) -> dict[str, tuple[Entry, GpuResource]]:
    """Create the fleet's resources (dependencies first), by entry name."""
    declared: dict[str, tuple[Entry, GpuResource]] = {}
    account_keys: dict[str, list[GpuResource]] = {}  # cloud -> its ssh_keys entries
    for entry in fleet.entries:
        inputs: dict[str, Any] = dict(entry.inputs)
        for ref in entry.kind.references:
            target = entry.refs.get(ref.field)
            if target is None:
                continue
            names = [target] if isinstance(target, str) else target
            values = [getattr(declared[name][1], ref.output) for name in names]
            inputs[ref.field] = values[0] if isinstance(target, str) else pulumi.Output.all(*values)
        for field, secret in entry.secrets.items():
            inputs[field] = _secret(entry, field, secret)
        keys = account_keys.get(entry.kind.cloud) if entry.kind.after_account_keys else None
        opts = pulumi.ResourceOptions(depends_on=keys) if keys else None
        resource_class: Any = entry.kind.resource  # each kind has its own keyword inputs
        resource = resource_class(entry.name, **inputs, opts=opts)
        declared[entry.name] = (entry, resource)
        if entry.kind.section == "ssh_keys":
            account_keys.setdefault(entry.kind.cloud, []).append(resource)
    return declared


def _secret(
    entry: Entry, field: str, ref: SecretRef | dict[str, str | SecretRef]
) -> pulumi.Output[Any]:
    if isinstance(ref, dict):
        values = {
            key: _secret(entry, f"{field}.{key}", value) if isinstance(value, SecretRef) else value
            for key, value in ref.items()
        }
        return pulumi.Output.secret(pulumi.Output.all(**values))
    if ref.config is not None:
        return pulumi.Config().require_secret(ref.config)
    assert ref.env is not None
    value = os.environ.get(ref.env)
    if value is None:
        raise pulumi.RunError(
            f"{entry.kind.section}.{entry.name}.{field}: environment variable {ref.env} is not set"
        )
    return pulumi.Output.secret(value)


def export(declared: dict[str, tuple[Entry, GpuResource]]) -> None:
    """Export connection details, the total cost and an SSH config snippet.

    Every kind names these outputs the same way (``ssh_command``, ``ports``,
    ``jupyter_url``, ``cost_per_hour``); an entry appears where its kind has one.
    """

    def each(output: str) -> dict[str, pulumi.Output[Any]]:
        return {
            entry_name: getattr(resource, output)
            for entry_name, (_, resource) in declared.items()
            if output in type(resource).output_names()
        }

    ssh = each("ssh_command")
    pulumi.export("resources", {name: resource.id for name, (_, resource) in declared.items()})
    names = list(ssh)
    pulumi.export(  # (Output.all of no outputs is a list, so the names are zipped back)
        "ssh",
        pulumi.Output.all(*ssh.values()).apply(
            lambda commands: {n: c for n, c in zip(names, commands, strict=True) if c}
        ),
    )
    jobs = {n: r.status for n, (_, r) in declared.items() if isinstance(r, JobRecord)}
    if jobs:
        pulumi.export("jobs", jobs)
    placed = {n: r.offer for n, (_, r) in declared.items() if isinstance(r, PlacedPod)}
    if placed:
        pulumi.export("placements", {n: offer.apply(_placement) for n, offer in placed.items()})
    pulumi.export("ports", each("ports"))
    jupyter = each("jupyter_url")
    if jupyter:
        pulumi.export("jupyter", jupyter)
    pulumi.export("costs", each("cost_per_hour"))
    pulumi.export(
        "cost_per_hour",
        pulumi.Output.all(*each("cost_per_hour").values()).apply(
            lambda values: round(sum(float(v or 0) for v in values), 4)
        ),
    )
    pulumi.export(
        "ssh_config",
        pulumi.Output.all(*(ssh[n] for n in names)).apply(
            lambda commands: ssh_config(dict(zip(names, commands, strict=True)))
        ),
    )


def _placement(offer: dict[str, Any]) -> dict[str, Any]:
    return {k: offer.get(k) for k in ("cloud", "gpu", "gpu_count", "region", "price_per_hour")}


def ssh_config(commands: dict[str, str | None]) -> str:
    """``Host`` blocks for ``~/.ssh/config`` from SSH commands like ``ssh root@h -p 22``."""
    blocks = []
    for name, command in commands.items():
        target = parse_ssh(command)
        if target is None:
            continue
        lines = [f"Host {name}", f"    HostName {target.host}"]
        if target.user:
            lines.append(f"    User {target.user}")
        lines.append(f"    Port {target.port}")
        if target.identity:
            lines.append(f"    IdentityFile {target.identity}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def run(path: str | None = None) -> None:
    """The program: read the fleet file named by config ``fleet`` (default fleet.yaml)."""
    fleet_file = path or pulumi.Config().get("fleet") or "fleet.yaml"
    try:
        fleet = load_fleet(fleet_file)
    except FleetError as exc:
        raise pulumi.RunError(
            f"the fleet file has {len(exc.problems)} problem(s):\n{exc}"
        ) from None
    for warning in fleet.warnings:
        pulumi.log.warn(warning)
    limit = fleet.max_cost_per_hour or MAX_COST_PER_HOUR.number()
    if limit is not None:
        hold_to_budget(fleet, limit)
    export(declare(fleet))


def hold_to_budget(fleet: Fleet, limit: float) -> None:
    """Refuse the fleet before anything is declared if its machines may cost more than
    ``limit`` USD per hour (or some have no bound), itemizing every entry."""
    ledger = program_ledger()
    for entry in fleet.entries:
        assert entry.validated is not None  # a loaded fleet is valid
        key = entry.kind.resource.key_of(entry.name)
        ledger.add(key, entry.name, entry.kind.title, entry.validated.hourly_price())
    try:
        ledger.check(limit)
    except BudgetExceeded as exc:
        raise pulumi.RunError(f"{fleet.file}: {exc}") from None
