"""The ``pulumi-gpu`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_gpu.market.offers import OfferRequest

CLOUDS = ("celium", "runpod", "primeintellect", "gpudev")
"""The clouds a command can be narrowed to (named here so that ``--help`` imports none)."""


def _emulator(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from pulumi_gpu.emulator import Emulator
        from pulumi_gpu.emulator.server import quiet_injected_drops
    except ImportError as exc:
        print(
            f"the emulator needs its extra dependencies ({exc.name} is missing): "
            "pip install 'pulumi-gpu[emulator]'",
            file=sys.stderr,
        )
        return 1
    emulator = Emulator(speed=args.speed, seed=args.seed, ssh_banners=args.ssh_banners)
    base = f"http://{args.host}:{args.port}"
    settings, secrets = emulator.stack_config(base)
    print(f"pulumi-gpu emulator on {base} (speed x{args.speed:g}, seed {args.seed})")
    print("Point a stack at it:")
    for key, value in settings.items():
        print(f"  pulumi config set {key} {value}")
    for key, value in secrets.items():
        print(f"  pulumi config set --secret {key} {value}")
    for name, refused in emulator.refused_credentials().items():
        print(f"Or, to see a refusal ({name}: {refused['refusal']}):")
        for key, value in refused["secrets"].items():
            print(f"  pulumi config set --secret {key} {value}")
    print(f"Controls: {base}/_emulator/docs", flush=True)
    quiet_injected_drops()
    uvicorn.run(
        emulator.app(), host=args.host, port=args.port, log_level="warning", date_header=False
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pulumi_gpu.demo import Demo
    from pulumi_gpu.testing.stack import NoPulumiCli

    demo = Demo(Path(args.state), args.port)
    try:
        return demo.destroy() if args.destroy else demo.up()
    except NoPulumiCli as exc:
        print(exc, file=sys.stderr)
        return 1


def _validate(args: argparse.Namespace) -> int:
    from pulumi_gpu.fleet import FleetError, load_fleet

    try:
        fleet = load_fleet(args.file)
    except FleetError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.file}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    for warning in fleet.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    kinds = sorted({f"{e.kind.cloud} {e.kind.section}" for e in fleet.entries})
    print(f"{args.file}: valid, {len(fleet.entries)} resources ({', '.join(kinds) or 'none'})")
    return 0


def _write(output: str, text: str) -> int:
    from pathlib import Path

    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text)
        print(f"wrote {output}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from pulumi_gpu.fleet.schema import schema_text

    return _write(args.output, schema_text())


def _reference(args: argparse.Namespace) -> int:
    from pulumi_gpu.fleet.reference import reference_text

    return _write(args.output, reference_text())


def _offers(args: argparse.Namespace) -> int:
    import json

    from pydantic import ValidationError

    from pulumi_gpu.market.offers import OfferRequest, search

    if args.emulator:
        _use_emulator(args.emulator)
    try:
        request = OfferRequest(
            gpu=args.gpu,
            count=args.count,
            max_price_per_hour=args.max_price,
            min_memory_gb=args.min_memory,
            clouds=tuple(args.cloud or ()) or OfferRequest.model_fields["clouds"].default,
            region=args.region,
            country=args.country,
            spot=args.spot,
        )
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else ""
            flag = _OFFER_FLAGS.get(field, f"--{field.replace('_', '-')}")
            print(f"{flag}: {error['msg']}", file=sys.stderr)
        return 2
    found = search(request)
    if not found and request.gpu is not None:
        unknown = _unknown_gpu(request)
        if unknown:
            print(unknown, file=sys.stderr)
            return 1
    shown = found[: args.limit] if args.limit else list(found)
    if args.json:
        print(
            json.dumps(
                {"offers": [o.model_dump() for o in shown], "skipped": found.skipped}, indent=2
            )
        )
        return 0
    print(offer_table(shown) if shown else "no offers match")
    if len(found) > len(shown):
        print(f"({len(found) - len(shown)} more; --limit 0 shows all)")
    for cloud, reason in found.skipped.items():
        print(f"{cloud}: {reason}", file=sys.stderr)
    return 0


_OFFER_FLAGS = {
    "max_price_per_hour": "--max-price",
    "min_memory_gb": "--min-memory",
    "clouds": "--cloud",
}
"""OfferRequest fields whose command-line flag is not the field's own name."""


def _unknown_gpu(request: OfferRequest) -> str | None:
    """Why no offer matched, when no cloud offers a GPU of the requested model at all:
    with the closest models that are offered (None when the model is offered)."""
    import difflib

    from pulumi_gpu.market.offers import OfferRequest, search

    everything = search(OfferRequest(clouds=request.clouds))
    models = sorted({offer.model for offer in everything})
    chip = request.chip
    if chip is None or chip.model in models:
        return None
    closest = difflib.get_close_matches(chip.model, models, n=3, cutoff=0.4)
    return (
        f"--gpu {request.gpu}: no cloud asked offers a GPU of that model now; "
        f"{'closest: ' + ', '.join(closest) if closest else 'offered: ' + ', '.join(models)}"
    )


def _logs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pulumi_gpu.core.errors import GpuCloudError
    from pulumi_gpu.stack_logs import stack_logs

    try:
        lines = stack_logs(
            args.resource, tail=args.tail, source=args.source, stack=args.stack, cwd=Path(args.dir)
        )
    except GpuCloudError as exc:
        print(f"pulumi-gpu logs: {exc}", file=sys.stderr)
        return 1
    if not lines:
        print(
            f"pulumi-gpu logs: {args.resource} has printed no lines yet (the cloud keeps "
            "none, or its log was empty when it ended)",
            file=sys.stderr,
        )
    for line in lines:
        print(line)
    return 0


def _use_emulator(url: str) -> None:
    """Use the accounts of the pulumi-gpu emulator at ``url`` (as its stacks would)."""
    import httpx

    from pulumi_gpu.core.config import use_stack_config
    from pulumi_gpu.core.errors import ConfigurationError

    try:
        answer = httpx.get(f"{url.rstrip('/')}/_emulator/stack-config", timeout=10)
        answer.raise_for_status()
        settings = answer.json()
        use_stack_config({**settings["config"], **settings["secrets"]})
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ConfigurationError(
            f"--emulator {url}: no pulumi-gpu emulator answers there ({reason}); start one "
            "with `pulumi-gpu emulator`"
        ) from None


def _sweep(args: argparse.Namespace) -> int:
    import os
    import time

    from pulumi_gpu import sweep
    from pulumi_gpu.core.errors import GpuCloudError

    if args.emulator:
        _use_emulator(args.emulator)
    env = {**os.environ, "PULUMI_BACKEND_URL": args.backend} if args.backend else None
    try:
        holdings = sweep.read_stacks(env)
        stacks = [holdings.named(wanted) for wanted in args.stack or []]
        found = sweep.leftovers(
            sweep.swept_kinds(args.cloud),
            holdings,
            skipped=lambda cloud, why: print(f"{cloud}: not read ({why})", file=sys.stderr),
        )
    except GpuCloudError as exc:
        print(f"pulumi-gpu sweep: {exc}", file=sys.stderr)
        return 1
    if stacks or args.mark:
        found = [item for item in found if item.of(stacks, args.mark or [])]
    read = f"{len(holdings.read)} stack{'s' if len(holdings.read) != 1 else ''}"
    if not found:
        print(f"nothing to sweep: every object with a pulumi-gpu mark is held by the {read} read")
        return 0
    print(aligned(sweep.HEADER, sweep.rows(found, time.time())))
    cost = sum(item.found.cost_per_hour or 0.0 for item in found)
    print(
        f"{len(found)} object(s) bear a pulumi-gpu mark that none of the {read} read holds "
        f"(${cost:.2f}/h)"
    )
    if not args.delete:
        print("a dry run: nothing was deleted (--delete deletes them, after asking)")
        return 0
    if not args.yes:
        try:
            answer = input(f"delete these {len(found)} objects? type 'yes' to confirm: ")
        except EOFError:  # no terminal to answer from
            answer = ""
        if answer.strip().lower() != "yes":
            print("nothing was deleted")
            return 1
    failures = sweep.delete(found, print)
    for failure in failures:
        print(f"pulumi-gpu sweep: {failure}", file=sys.stderr)
    return 1 if failures else 0


def offer_table(offers: Sequence[Any]) -> str:
    """Offers as aligned text columns, one row each."""
    header = ("PRICE/H", "GPU", "N", "CLOUD", "REGION", "COUNTRY", "SPOT", "STOCK", "CLOUD'S NAME")
    rows = [
        (
            "-" if o.price_per_hour is None else f"${o.price_per_hour:.2f}",
            o.gpu,
            str(o.gpu_count),
            o.cloud,
            o.region or "-",
            o.country or "-",
            {True: "yes", False: "no", None: "-"}[o.spot],
            o.stock,
            o.cloud_gpu,
        )
        for o in offers
    ]
    return aligned(header, rows)


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A header and rows as aligned text columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pulumi-gpu`` command."""
    parser = argparse.ArgumentParser(prog="pulumi-gpu", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    emulator = commands.add_parser("emulator", help="serve the four emulated clouds over HTTP")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument(
        "--speed", type=float, default=60.0, help="simulated seconds per real second"
    )
    emulator.add_argument("--seed", type=int, default=0, help="seed of the machine inventory")
    emulator.add_argument(
        "--no-ssh-banners",
        dest="ssh_banners",
        action="store_false",
        help="no SSH listeners on 127.0.0.1: pods report made-up SSH addresses",
    )
    emulator.set_defaults(run=_emulator)

    demo = commands.add_parser(
        "demo", help="bring up the example fleet on the emulator (no account, no money)"
    )
    demo.add_argument("--destroy", action="store_true", help="destroy it; stop the emulator")
    demo.add_argument("--state", default=".demo", help="state directory (default .demo)")
    demo.add_argument("--port", type=int, default=8765, help="the emulator's port")
    demo.set_defaults(run=_demo)

    validate = commands.add_parser("validate", help="check a fleet file; list every problem")
    validate.add_argument("file", help="the fleet file, e.g. fleet.yaml")
    validate.set_defaults(run=_validate)

    schema = commands.add_parser("schema", help="write the JSON Schema of fleet files")
    schema.add_argument(
        "-o", "--output", default="schema/fleet.schema.json", help="file to write, or - for stdout"
    )
    schema.set_defaults(run=_schema)

    reference = commands.add_parser(
        "reference", help="write the fleet file's reference (every field, what a change does)"
    )
    reference.add_argument(
        "-o", "--output", default="schema/fleet-reference.md", help="file to write, or -"
    )
    reference.set_defaults(run=_reference)

    offers = commands.add_parser(
        "offers", help="what can be rented now on every configured cloud, cheapest first"
    )
    offers.add_argument("--gpu", help="GPU model in any cloud's spelling: H100, 'A100 80GB'")
    offers.add_argument("--count", type=int, default=1, help="GPUs in the machine (default 1)")
    offers.add_argument("--max-price", type=float, help="highest USD per hour for the machine")
    offers.add_argument("--min-memory", type=int, help="least GB of memory per GPU")
    offers.add_argument(
        "--cloud",
        action="append",
        choices=CLOUDS,
        help="ask only this cloud (repeatable)",
    )
    offers.add_argument("--region", help="part of the data center or region name")
    offers.add_argument("--country", help="ISO country code, e.g. US")
    offers.add_argument(
        "--spot",
        action=argparse.BooleanOptionalAction,
        help="only spot machines (--no-spot: only machines the cloud does not take back)",
    )
    offers.add_argument("--limit", type=int, default=30, help="rows to show (0: all)")
    offers.add_argument("--json", action="store_true", help="print JSON instead of a table")
    offers.add_argument(
        "--emulator", metavar="URL", help="ask the pulumi-gpu emulator at URL with its accounts"
    )
    offers.set_defaults(run=_offers)

    logs = commands.add_parser("logs", help="the log tail of a stack's pod or job")
    logs.add_argument("resource", help="the resource's name in the program or fleet file")
    logs.add_argument("--tail", type=int, default=100, help="lines to show (default 100)")
    logs.add_argument(
        "--source",
        choices=["container", "system"],
        default="container",
        help="RunPod only: the container's lines or RunPod's own (image pull, start)",
    )
    logs.add_argument("--stack", help="the stack (default: the selected one)")
    logs.add_argument("--dir", default=".", help="the Pulumi project directory")
    logs.set_defaults(run=_logs)

    sweep = commands.add_parser(
        "sweep",
        help="objects that bear a pulumi-gpu mark and that no stack holds (a dry run)",
    )
    sweep.add_argument(
        "--stack",
        action="append",
        help="only what this stack of the backend made and no longer holds, e.g. "
        "organization/gpu-fleet/dev or dev (repeatable; every stack is read either way)",
    )
    sweep.add_argument(
        "--mark",
        action="append",
        metavar="HEX",
        help="only objects whose mark begins with HEX, as MARKED BY shows it: a deleted "
        "stack's (repeatable)",
    )
    sweep.add_argument("--backend", metavar="URL", help="the state backend (default: logged in)")
    sweep.add_argument(
        "--cloud",
        action="append",
        choices=CLOUDS,
        help="read only this cloud (repeatable)",
    )
    sweep.add_argument("--delete", action="store_true", help="delete them, after asking")
    sweep.add_argument("--yes", action="store_true", help="with --delete: do not ask")
    sweep.add_argument(
        "--emulator", metavar="URL", help="read the pulumi-gpu emulator at URL with its accounts"
    )
    sweep.set_defaults(run=_sweep)

    args = parser.parse_args(argv)
    from pulumi_gpu.core.errors import GpuCloudError

    try:
        return int(args.run(args))
    except GpuCloudError as exc:  # a person's mistake or a cloud's answer: one line
        print(f"pulumi-gpu {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
