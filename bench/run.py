"""Benchmarks of `pulumi up` and `preview` on the emulator, as ratios against baselines
measured in the same run.

    python -m bench.run [--sizes 1,16,64] [--mixed 1,16,64,256] [--quota-pods 128]
                        [--preview 1000] [--front-doors 16,256] [--speed 30]
                        [--sections 1,2,3,4,5]

1. Per cloud, N pods that each take T to be ready (boot and SSH, emulated): wall time of
   `pulumi up` over T and the overhead (wall - T), for pulumi-gpu and for the naive
   baseline (a hand-written dynamic provider in Pulumi's 4-thread provider process,
   polling every 20 emulated seconds like the seeds' scripts); HTTP requests per pod
   over up + destroy, and 429 answers. Both run with `--parallel 256`.
2. RunPod under its documented quota (60 requests a minute, in emulated time): `up` of
   many pods; 429 answers for each provider.
3. A fleet spread over the four clouds: overhead at each size and its growth per added
   pod; the same `up` with the engine's per-step state writes skipped; CPU seconds of
   the engine, the provider processes and this process (emulator and program); the
   provider process's peak RSS, and the state size per resource.
4. A no-change `pulumi preview` of many resources: ms per resource for pulumi-gpu and
   for a do-nothing dynamic provider (the engine's floor), and their ratio.
5. The same fleet over the four clouds through both front doors, the dynamic providers
   (a Python program) and the provider plugin (the program registers the plugin's types,
   as any other language does): wall/T, overhead, provider CPU and peak RSS, state per
   resource, and the plugin's figures over the dynamic providers'.

Needs the test dependencies (make venv); builds the engine if need be (make engine).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing import ProgramStack
from tests.support.paths import REPO_ROOT, build_engine

HERE = Path(__file__).parent
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 bench"
CELIUM_KEY = "celium-emulator-key"
CLOUDS = ("celium", "runpod", "primeintellect", "gpudev")
PARALLEL = 256
PROVIDER_PROCESSES = (b"pulumi.dynamic", b"pulumi-resource-pulumi-gpu")
"""What the command line of a provider process holds: the dynamic providers' host, the
plugin."""
RUNPOD_QUOTA = 60
"""RunPod's documented per-minute window (its spec's example figure)."""


@dataclass
class Run:
    """What one `up` (and the `destroy` after it) did."""

    pods: int
    boot: float
    """T: real seconds the slowest cloud in the fleet takes to make a pod ready."""
    wall: float
    requests: int
    refused: int
    rss_mb: float
    state_bytes: float
    cpu: tuple[float, float, float]
    """CPU seconds of the `up`: engine, provider processes, emulator and program."""

    @property
    def overhead(self) -> float:
        return self.wall - self.boot

    @property
    def per_pod(self) -> float:
        return self.requests / self.pods


def boot_seconds(emulator: Emulator, cloud: str) -> float:
    """Emulated seconds from create to a pod that answers SSH, by the cloud's timings."""
    if cloud == "celium":
        t = emulator.celium.timings
        return t.boot + t.ssh_banner
    if cloud == "runpod":
        r = emulator.runpod.timings
        return r.provision + r.boot + r.ports + r.ssh_banner
    if cloud == "primeintellect":
        p = emulator.primeintellect.timings
        return p.provision + p.pending + p.install + p.ssh_banner
    g = emulator.gpudev.timings
    return g.pickup + g.schedule + g.prepare + g.ssh_banner


def _prepared(server: EmulatorServer) -> str:
    """A fresh emulator with room for every pod; returns a verified Celium template."""
    emulator = server.emulator
    emulator.reset()
    emulator.runpod.set_capacity("NVIDIA GeForce RTX 4090", "US-KS-2", "SECURE", 1000)
    emulator.primeintellect.set_capacity(1000, gpu_type="A6000_48GB")
    emulator.gpudev.set_capacity("t4", 4000)
    template = emulator.celium.create_template(CELIUM_KEY, {"docker_image": "ubuntu"})
    emulator.clock.advance(3600)  # verified before the run starts
    return str(template["id"])


def _bench_env(server: EmulatorServer) -> dict[str, str]:
    """Where the naive provider finds each cloud (GPU Dev: its AWS credentials)."""
    _, secrets = server.emulator.stack_config(server.url())
    aws = ":".join(
        secrets[f"pulumi-gpu:gpudevAws{part}"]
        for part in ("AccessKeyId", "SecretAccessKey", "SessionToken")
    )
    return {
        "BENCH_CELIUM_URL": server.url("celium"),
        "BENCH_CELIUM_KEY": secrets["pulumi-gpu:celiumApiKey"],
        "BENCH_RUNPOD_URL": server.url("runpod") + "/v2",
        "BENCH_RUNPOD_KEY": secrets["pulumi-gpu:runpodApiKey"],
        "BENCH_PRIMEINTELLECT_URL": server.url("primeintellect") + "/api/v1",
        "BENCH_PRIMEINTELLECT_KEY": secrets["pulumi-gpu:primeApiKey"],
        "BENCH_GPUDEV_URL": server.url("gpudev"),
        "BENCH_GPUDEV_KEY": aws,
    }


class ProcessMeter:
    """What one stack operation costs this machine: CPU seconds of the engine (the CLI),
    of the provider processes (the dynamic providers' or the plugin's), and of this
    process (the emulator and the inline program), and the providers' peak memory."""

    def __init__(self, pulumi_home: str) -> None:
        self._marker = f"PULUMI_HOME={pulumi_home}".encode()
        self._provider_ticks: dict[str, int] = {}
        self.peak_kb = 0
        self.engine_cpu = self.provider_cpu = self.own_cpu = 0.0

    @contextmanager
    def watching(self) -> Iterator[None]:
        stop = threading.Event()
        thread = threading.Thread(target=self._sample, args=(stop,), daemon=True)
        own, children = resource.getrusage(resource.RUSAGE_SELF), _children_cpu()
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            after = resource.getrusage(resource.RUSAGE_SELF)
            self.own_cpu = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
            # The CLI waits for its provider processes, so their time is in the CLI's.
            self.provider_cpu = sum(self._provider_ticks.values()) / os.sysconf("SC_CLK_TCK")
            self.engine_cpu = _children_cpu() - children - self.provider_cpu

    def _sample(self, stop: threading.Event) -> None:
        while not stop.wait(0.1):
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    self._read(pid)

    def _read(self, pid: str) -> None:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if not any(provider in command for provider in PROVIDER_PROCESSES):
                return
            if self._marker not in Path(f"/proc/{pid}/environ").read_bytes():
                return
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            self._provider_ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))
        except OSError:
            pass


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fleet_up(
    server: EmulatorServer, provider: str, cloud: str, pods: int, *, checkpoints: bool = True
) -> Run:
    """`up` then `destroy` of ``pods`` pods on ``cloud`` (or "mixed": the four in turn).
    ``checkpoints=False``: the engine skips its per-step state writes during the `up`
    (PULUMI_SKIP_CHECKPOINTS), which shows their share of the overhead."""
    emulator = server.emulator
    template_id = _prepared(server)
    speed = emulator.clock.speed
    clouds = CLOUDS[:pods] if cloud == "mixed" else (cloud,)  # the clouds pods land on
    settings, secrets = emulator.stack_config(server.url())
    stack = ProgramStack(
        HERE / "programs" / "pods",
        Path(tempfile.mkdtemp(prefix="bench-")),
        python_path=[REPO_ROOT],
        config={
            **settings,
            "pods": str(pods),
            "cloud": cloud,
            "provider": provider,
            "sshPublicKey": KEY,
            "templateId": template_id,
        },
        secrets=secrets,
        env={
            "PULUMI_GPU_POLL_SECONDS": str(10 / speed),  # the default 10 s, in emulated time
            "BENCH_NAIVE_POLL": str(20 / speed),  # the seeds' `sleep 20`
            **_bench_env(server),
            **({} if checkpoints else {"PULUMI_SKIP_CHECKPOINTS": "true"}),
        },
    )
    meter = ProcessMeter(stack.env["PULUMI_HOME"])
    started = time.monotonic()
    with meter.watching():
        stack.up(parallel=PARALLEL)
    wall = time.monotonic() - started
    state = len(stack.export_text()) / pods
    stack.destroy(parallel=PARALLEL)
    answers = [r for c in clouds for r in emulator.requests.find(c)]
    return Run(
        pods=pods,
        boot=max(boot_seconds(emulator, c) for c in clouds) / speed,
        wall=wall,
        requests=len(answers),
        refused=sum(1 for r in answers if r.status == 429),
        rss_mb=meter.peak_kb / 1024,
        state_bytes=state,
        cpu=(meter.engine_cpu, meter.provider_cpu, meter.own_cpu),
    )


def preview_seconds(server: EmulatorServer, program: str, count: int) -> float:
    """A no-change `preview` of ``count`` resources of ``program``, after its `up`."""
    emulator = server.emulator
    emulator.reset()
    settings, secrets = emulator.stack_config(server.url())
    stack = ProgramStack(
        HERE / "programs" / program,
        Path(tempfile.mkdtemp(prefix="bench-")),
        python_path=[REPO_ROOT],
        config={**settings, "count": str(count)},
        secrets=secrets,
    )
    stack.up(parallel=PARALLEL)
    started = time.monotonic()
    stack.preview()
    elapsed = time.monotonic() - started
    stack.destroy(parallel=PARALLEL)
    return elapsed


def per_cloud(server: EmulatorServer, sizes: list[int]) -> None:
    print("\n1. Per cloud: up of N pods (T: boot and SSH), then destroy")
    row = "  {:<15} {:>4}  {:<11} {:>6}  {:>10}  {:>12}  {:>5}"
    print(row.format("cloud", "N", "provider", "wall/T", "overhead", "requests/pod", "429s"))
    for cloud in CLOUDS:
        for pods in sizes:
            for provider in ("naive", "pulumi-gpu"):
                run = fleet_up(server, provider, cloud, pods)
                print(
                    row.format(
                        cloud,
                        pods,
                        provider,
                        f"{run.wall / run.boot:.2f}",
                        f"{run.overhead:.2f} s",
                        f"{run.per_pod:.1f}",
                        run.refused,
                    )
                )


def under_quota(server: EmulatorServer, pods: int) -> None:
    speed = server.emulator.clock.speed
    print(f"\n2. RunPod at its documented quota ({RUNPOD_QUOTA} requests a minute): {pods} pods")
    for provider in ("naive", "pulumi-gpu"):
        server.emulator.runpod.rate.configure("minute", RUNPOD_QUOTA, 60 / speed)
        try:
            run = fleet_up(server, provider, "runpod", pods)
        finally:
            server.emulator.runpod.rate.reset()
        print(
            f"  {provider:<11} 429s {run.refused:>4}   wall/T {run.wall / run.boot:6.2f}   "
            f"requests/pod {run.per_pod:.1f}"
        )


def mixed(server: EmulatorServer, sizes: list[int]) -> None:
    print("\n3. A fleet over the four clouds (pulumi-gpu)")
    row = "  {:>4}  {:>6}  {:>9}  {:>14}  {:>12}  {:>21}  {:>12}  {:>14}"
    print(
        row.format(
            "N",
            "wall/T",
            "overhead",
            "no checkpoints",
            "requests/pod",
            "CPU engine/prov/emu",
            "provider RSS",
            "state/resource",
        )
    )
    runs = []
    for pods in sizes:
        run = fleet_up(server, "pulumi-gpu", "mixed", pods)
        lean = fleet_up(server, "pulumi-gpu", "mixed", pods, checkpoints=False)
        runs.append((run, lean))
        print(
            row.format(
                run.pods,
                f"{run.wall / run.boot:.2f}",
                f"{run.overhead:.2f} s",
                f"{lean.overhead:.2f} s",
                f"{run.per_pod:.1f}",
                "/".join(f"{seconds:.1f}" for seconds in run.cpu) + " s",
                f"{run.rss_mb:.0f} MB",
                f"{run.state_bytes / 1024:.1f} KB",
            )
        )
    (first, first_lean), (last, last_lean) = runs[0], runs[-1]
    added = last.pods - first.pods
    for label, a, b in (("", first, last), (" without checkpoints", first_lean, last_lean)):
        print(
            f"  overhead{label} at {b.pods} = {b.overhead / a.overhead:.2f}x the overhead at "
            f"{a.pods}; growth {(b.overhead - a.overhead) / added * 1000:.0f} ms per added pod"
        )


def previews(server: EmulatorServer, count: int) -> None:
    print(f"\n4. No-change preview of {count} resources")
    results = {}
    for label, program in (("floor (do-nothing provider)", "noop"), ("pulumi-gpu", "volumes")):
        one = preview_seconds(server, program, 1)
        many = preview_seconds(server, program, count)
        results[label] = (many - one) / (count - 1)
        print(f"  {label:<28} {many:6.2f} s; {results[label] * 1000:.2f} ms per resource")
    ratio = results["pulumi-gpu"] / results["floor (do-nothing provider)"]
    print(f"  ratio {ratio:.2f}")


def front_doors(server: EmulatorServer, sizes: list[int]) -> None:
    print("\n5. The fleet over the four clouds through both front doors")
    row = "  {:>4}  {:<17} {:>6}  {:>9}  {:>12}  {:>12}  {:>14}"
    print(
        row.format(
            "N",
            "front door",
            "wall/T",
            "overhead",
            "provider CPU",
            "provider RSS",
            "state/resource",
        )
    )
    for pods in sizes:
        runs = {door: fleet_up(server, provider, "mixed", pods) for door, provider in DOORS}
        for door, run in runs.items():
            print(
                row.format(
                    pods,
                    door,
                    f"{run.wall / run.boot:.2f}",
                    f"{run.overhead:.2f} s",
                    f"{run.cpu[1]:.1f} s",
                    f"{run.rss_mb:.0f} MB",
                    f"{run.state_bytes / 1024:.1f} KB",
                )
            )
        plugin, dynamic = runs["plugin"], runs["dynamic providers"]
        print(
            f"  {pods:>4}  plugin / dynamic: overhead {plugin.overhead / dynamic.overhead:.2f}x, "
            f"provider CPU {plugin.cpu[1] / dynamic.cpu[1]:.2f}x, "
            f"state {plugin.state_bytes / dynamic.state_bytes:.2f}x"
        )


DOORS = (("dynamic providers", "pulumi-gpu"), ("plugin", "plugin"))
"""The two front doors: (label, the pods program's ``provider`` setting)."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--sizes", default="1,16,64", help="pods per cloud, comma-separated")
    parser.add_argument("--mixed", default="1,16,64,256", help="sizes of the mixed fleet")
    parser.add_argument("--quota-pods", type=int, default=128, help="RunPod pods under quota")
    parser.add_argument("--preview", type=int, default=1000, help="resources in the preview")
    parser.add_argument(
        "--front-doors", default="16,256", help="sizes of the fleet through both front doors"
    )
    parser.add_argument("--speed", type=float, default=30, help="emulated s per real s")
    parser.add_argument("--sections", default="1,2,3,4,5", help="which sections to run")
    args = parser.parse_args()

    build_engine()
    with EmulatorServer(Emulator(speed=args.speed)) as server:
        print(f"machine: {os.cpu_count()} cores; emulated speed {args.speed:g}x")
        sections = {
            1: lambda: per_cloud(server, _sizes(args.sizes)),
            2: lambda: under_quota(server, args.quota_pods),
            3: lambda: mixed(server, _sizes(args.mixed)),
            4: lambda: previews(server, args.preview),
            5: lambda: front_doors(server, _sizes(args.front_doors)),
        }
        for section in _sizes(args.sections):
            sections[section]()


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",")]


if __name__ == "__main__":
    main()
