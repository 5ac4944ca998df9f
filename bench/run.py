"""Benchmarks of `pulumi up` on the emulator, as ratios against baselines of the same run.

    python -m bench.run [--sizes 1,4,16] [--boot 90] [--speed 30] [--preview 200]

1. Fleet of N Celium pods that each boot in T: wall time of `pulumi up` divided by T,
   for pulumi-gpu and for the naive baseline (a hand-written dynamic provider in
   Pulumi's 4-thread provider process, polling every 20 simulated seconds like the
   seeds' scripts). Both run with `--parallel 64`, so the engine is not the limit.
2. HTTP requests per pod lifecycle (up + destroy), counted in the emulator's log.
3. Detection latency: from the moment a pod is RUNNING to the read that saw it.
4. No-change `pulumi preview` of many resources: time per resource, as the marginal
   cost over a preview of one.

Needs the engine (make engine) and the test dependencies (make venv).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.stack import ProgramStack

HERE = Path(__file__).parent
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 bench"
CELIUM_KEY = "celium-emulator-key"


def fleet_up(server: EmulatorServer, provider: str, pods: int, boot: float) -> dict[str, float]:
    emulator = server.emulator
    emulator.reset()
    emulator.celium.timings.boot = boot
    template = emulator.celium.create_template(CELIUM_KEY, {"docker_image": "ubuntu"})
    emulator.clock.advance(3600)  # verified before the run starts
    speed = emulator.clock.speed
    settings, secrets = emulator.stack_config(server.url())
    stack = ProgramStack(
        HERE / "programs" / "celium-pods",
        Path(tempfile.mkdtemp(prefix="bench-")),
        config={
            **settings,
            "pods": str(pods),
            "provider": provider,
            "sshPublicKey": KEY,
            "templateId": template["id"],
        },
        secrets=secrets,
        env={
            "PULUMI_GPU_POLL_SECONDS": str(10 / speed),  # the default 10 s, in emulated time
            "BENCH_CELIUM_URL": server.url("celium"),
            "BENCH_CELIUM_KEY": CELIUM_KEY,
            "BENCH_NAIVE_POLL": str(20 / speed),  # the seeds' `sleep 20`
        },
    )
    started = time.monotonic()
    stack.up(parallel=64)
    wall = time.monotonic() - started
    records = [r for r in emulator.celium.waits.records() if r.ready_seen is not None]
    latency = [r.ready_seen - r.started - boot / speed for r in records if r.ready_seen]
    up_requests = len(emulator.requests.find("celium"))
    stack.destroy(parallel=64)
    pod_requests = len(emulator.requests.find("celium"))
    return {
        "wall": wall,
        "boot": boot / speed,
        "overlap": emulator.celium.waits.max_overlap(),
        "latency": statistics.mean(latency) if latency else float("nan"),
        "requests_per_pod": pod_requests / pods,
        "up_requests": up_requests,
    }


def preview_cost(server: EmulatorServer, count: int) -> float:
    emulator = server.emulator
    emulator.reset()
    settings, secrets = emulator.stack_config(server.url())
    stack = ProgramStack(
        HERE / "programs" / "celium-volumes",
        Path(tempfile.mkdtemp(prefix="bench-")),
        config={**settings, "volumes": str(count)},
        secrets=secrets,
    )
    stack.up(parallel=64)
    started = time.monotonic()
    stack.preview()
    elapsed = time.monotonic() - started
    stack.destroy(parallel=64)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", default="1,4,16", help="fleet sizes, comma-separated")
    parser.add_argument("--boot", type=float, default=90, help="pod boot time, emulated s")
    parser.add_argument("--speed", type=float, default=30, help="emulated s per real s")
    parser.add_argument("--preview", type=int, default=200, help="resources in the preview")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with EmulatorServer(Emulator(speed=args.speed)) as server:
        print(f"fleet up, boot T = {args.boot:g} s emulated = {args.boot / args.speed:.2f} s real")
        header = "  {:>4}  {:>12}  {:>8}  {:>8}  {:>10}  {:>12}  {:>8}"
        print(
            header.format(
                "N", "provider", "wall/T", "overlap", "latency s", "requests/pod", "ratio"
            )
        )
        for pods in sizes:
            naive = fleet_up(server, "naive", pods, args.boot)
            ours = fleet_up(server, "pulumi-gpu", pods, args.boot)
            for name, result in (("naive", naive), ("pulumi-gpu", ours)):
                ratio = naive["wall"] / result["wall"]
                cells = (
                    f"{result['wall'] / result['boot']:.2f}",
                    int(result["overlap"]),
                    f"{result['latency']:.2f}",
                    f"{result['requests_per_pod']:.1f}",
                    f"{ratio:.2f}x",
                )
                print(header.format(pods, name, *cells))

        one = preview_cost(server, 1)
        many = preview_cost(server, args.preview)
        per = (many - one) / (args.preview - 1)
        print(f"\nno-change preview: 1 resource {one:.2f} s, {args.preview} resources {many:.2f} s")
        print(f"  marginal cost per resource {per * 1000:.1f} ms; ratio {many / one:.2f}x")


if __name__ == "__main__":
    main()
