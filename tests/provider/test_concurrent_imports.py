"""A provider process imports nothing of ours while it runs the engine's calls in threads.

The cause of "cannot import name 'Pod' from partially initialized module
'pulumi_gpu.primeintellect.pod'", which failed a placed pod's create now and then: the
SDK unpickles providers one at a time, but a placed pod's create imported the clouds'
market modules when it first needed them, in its own thread, while another thread
unpickled a Prime Intellect kind. Two threads importing one package for the first time
at once can each find it half made. Each process here does that, behind a barrier: one
thread places a pod, another unpickles a kind; before the fix, more than half of such
processes failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from pulumi_gpu.fleet.kinds import KINDS

SCRIPT = """
import importlib, sys, threading
import pulumi_gpu.market.pod  # the placed pod's provider, unpickled first
from pulumi_gpu.market.offers import CLOUDS, market_of
from pulumi_gpu.market.placement import PLACEABLE, host

barrier = threading.Barrier(2)
errors = []

def place():
    first = sys.argv[1].split(".")[1]  # the cloud of the kind being unpickled
    barrier.wait()
    try:
        for cloud in sorted(CLOUDS, key=lambda c: c != first):
            market_of(cloud)
            if cloud in PLACEABLE:
                host(cloud)
    except Exception as exc:
        errors.append(repr(exc))

def unpickle():
    barrier.wait()
    try:
        importlib.import_module(sys.argv[1])
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=place), threading.Thread(target=unpickle)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors[0] if errors else "ok")
"""

MODULES = sorted({k.provider.__module__ for k in KINDS} - {"pulumi_gpu.market.pod"})


def _run(module: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, module], capture_output=True, text=True, env=env
    )
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_a_placement_beside_an_unpickling_imports_nothing() -> None:
    with ThreadPoolExecutor(4) as pool:
        said = list(zip(MODULES, pool.map(_run, MODULES), strict=True))
    assert [(module, error) for module, error in said if error != "ok"] == []
