"""The ``pulumi-gpu`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


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
    emulator = Emulator(speed=args.speed, seed=args.seed)
    base = f"http://{args.host}:{args.port}"
    settings, secrets = emulator.stack_config(base)
    print(f"pulumi-gpu emulator on {base} (speed x{args.speed:g}, seed {args.seed})")
    print("Point a stack at it:")
    for key, value in settings.items():
        print(f"  pulumi config set {key} {value}")
    for key, value in secrets.items():
        print(f"  pulumi config set --secret {key} {value}")
    print(f"Controls: {base}/_emulator/docs", flush=True)
    quiet_injected_drops()
    uvicorn.run(
        emulator.app(), host=args.host, port=args.port, log_level="warning", date_header=False
    )
    return 0


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
    kinds = sorted({f"{e.kind.cloud} {e.kind.section}" for e in fleet.entries})
    print(f"{args.file}: valid, {len(fleet.entries)} resources ({', '.join(kinds) or 'none'})")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pulumi_gpu.fleet.schema import schema_text

    if args.output == "-":
        sys.stdout.write(schema_text())
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(schema_text())
        print(f"wrote {args.output}")
    return 0


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
    emulator.set_defaults(run=_emulator)

    validate = commands.add_parser("validate", help="check a fleet file; list every problem")
    validate.add_argument("file", help="the fleet file, e.g. fleet.yaml")
    validate.set_defaults(run=_validate)

    schema = commands.add_parser("schema", help="write the JSON Schema of fleet files")
    schema.add_argument(
        "-o", "--output", default="schema/fleet.schema.json", help="file to write, or - for stdout"
    )
    schema.set_defaults(run=_schema)

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
