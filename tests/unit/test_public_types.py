"""The public constructors' types catch a user's mistakes before ``pulumi up``: strict mypy
(with this repository's configuration) over small programs flags a value outside a closed
set and a wrong key in a nested dict, each at its line, and passes a correct program.

Each program marks the lines mypy must flag with ``# E: <text>`` (``<text>`` is part of
the message); every other line must be clean. One mypy run checks them all.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import mypy.api
import pytest

ROOT = Path(__file__).resolve().parents[2]

HEADER = """\
import pulumi
import pulumi_gpu
import pulumi_gpu.celium as celium
import pulumi_gpu.gpudev as gpudev
import pulumi_gpu.primeintellect as primeintellect
import pulumi_gpu.runpod as runpod
"""

KEY = "ssh-ed25519 AAAA me@laptop"
RTX = "NVIDIA GeForce RTX 4090"

PROGRAMS: dict[str, str] = {
    # The three cases of issue 25.
    "runpod_desired_status": f"""
        runpod.Pod("p", gpu_type="{RTX}", image="i", desired_status="paused")  # E: "desired_status"
    """,
    "primeintellect_gpu_type": """
        primeintellect.Pod("p", gpu_type="H100")  # E: "gpu_type"
    """,
    "placed_pod_gpu_key": """
        pulumi_gpu.Pod("p", gpu={"model": "H100", "max_price": 3.0})  # E: "gpu"
        pulumi_gpu.Pod("q", gpu={"count": 2})  # E: "gpu"
        pulumi_gpu.Pod("r", gpu={"model": "H100"}, clouds=["gpudev"])  # E: List item 0
    """,
    # More closed sets and nested dicts.
    "runpod_cloud_type": f"""
        runpod.Pod("p", gpu_type="{RTX}", image="i", cloud_type="SECURED")  # E: "cloud_type"
        runpod.Job("j", command="c", max_duration="1h", gpu_type="{RTX}", image="i",
                   on_finish="kill")  # E: "on_finish"
        runpod.NetworkVolume("v", size_gb=10, data_center_id="US-KS-2", type="FAST")  # E: "type"
        runpod.Template("t", image="i", category="GPU")  # E: "category"
        runpod.get_gpu_types(cloud="secure")  # E: "cloud"
        runpod.get_pod_logs("id", source="stdout")  # E: "source"
        runpod.get_data_centers(region="EU")  # E: "region"
    """,
    "celium_selector": f"""
        celium.Pod("p", ssh_public_keys=["{KEY}"], image="i:1",
                   selector={{"gpu_modle": "A100"}})  # E: "selector"
        celium.Pod("q", ssh_public_keys=["{KEY}"], image="i:1",
                   selector={{"tier": "cheap"}})  # E: "selector"
        celium.Job("j", image="i:1", command="c", max_duration=60, ssh_public_keys=["{KEY}"],
                   executor_id="e", wait="done")  # E: "wait"
        celium.Template("t", docker_image="i", category="TORCH")  # E: "category"
        celium.get_executors(tier="Spot")  # E: "tier"
    """,
    "gpudev_gpu_type": """
        gpudev.Job("j", gpu_type="H100")  # E: "gpu_type"
    """,
    "primeintellect_enums": """
        primeintellect.Pod("p", gpu_type="H100_80GB", socket="SXM")  # E: "socket"
        primeintellect.Pod("q", gpu_type="H100_80GB", security="secure")  # E: "security"
        primeintellect.Pod("r", gpu_type="H100_80GB", image="ubuntu")  # E: "image"
        primeintellect.Disk("d", size=10, provider="hyperstak", data_center_id="C")  # E: "provider"
        primeintellect.get_availability(gpu_type="H100", region="europe")  # E: "gpu_type"
    """,
    # Every closed set and nested dict given right, literally, as an Output or cast from
    # the stack's configuration: no error.
    "correct": f"""
        from typing import cast

        config = pulumi.Config()
        status = cast(runpod.DesiredStatus, config.get("status") or "running")
        count = pulumi.Output.from_input(2)
        runpod.Pod("p", gpu_type="{RTX}", image="i", cloud_type="COMMUNITY",
                   desired_status=status)
        runpod.Job("j", command="c", max_duration="1h", gpu_type="{RTX}", image="i",
                   on_finish="stop", wait="finished")
        runpod.NetworkVolume("v", size_gb=10, data_center_id="US-KS-2",
                             type="HIGH_PERFORMANCE")
        runpod.Template("t", image="i", category="CPU")
        runpod.get_gpu_types(cloud="SECURE")
        runpod.get_pod_logs("id", source="system")
        runpod.get_data_centers(region="EUROPE")
        pulumi_gpu.Pod("placed", gpu={{"model": "H100", "count": count, "allow_spot": True}},
                       clouds=["runpod", "primeintellect"])
        selector: celium.ExecutorSelectorArgs = {{"gpu_model": "A100", "tier": "spot"}}
        celium.Pod("c", ssh_public_keys=["{KEY}"], image="i:1", selector=selector)
        celium.Job("cj", image="i:1", command="c", max_duration=60, ssh_public_keys=["{KEY}"],
                   selector={{"gpu_count": count, "tier": "secure"}}, wait="started")
        celium.Template("ct", docker_image="i", category="PYTORCH")
        celium.get_executors(tier="secure")
        gpudev.Job("g", gpu_type="h100", wait="finished")
        primeintellect.Pod("pi", gpu_type="H100_80GB", socket="SXM5", provider="hyperstack",
                           region="eu_north", security="secure_cloud",
                           image="cuda_12_4_pytorch_2_5")
        primeintellect.Disk("d", size=10, provider="hyperstack", data_center_id="CANADA-1")
        primeintellect.get_availability(gpu_type="H100_80GB", socket="PCIe", region="canada")
        primeintellect.get_disk_availability(provider="runpod", region="united_states")
        pulumi_gpu.offers("H100", clouds=["celium", "gpudev"])
        # What a lookup answers goes into a resource's closed-set inputs as it is.
        offer = primeintellect.get_availability(gpu_type="H100_80GB")[0]
        primeintellect.Pod("pi2", gpu_type=offer.gpu_type, socket=offer.socket,
                           provider=offer.provider, security=offer.security,
                           cloud_id=offer.cloud_id, image=offer.images[0])
        where = primeintellect.get_disk_availability(provider="hyperstack")[0]
        primeintellect.Disk("d2", size=10, provider=where.provider,
                            data_center_id=where.data_center or "CANADA-1")
        gpu = runpod.get_gpu_types(cloud="COMMUNITY")[0]
        runpod.Pod("p2", gpu_type=gpu.id, cloud_type=gpu.cloud, image="i")
        # Optional criteria of a nested dict may be None (from the stack's configuration).
        celium.Pod("c2", ssh_public_keys=["{KEY}"], image="i:1",
                   selector={{"gpu_model": config.get("gpu") or "A100",
                              "max_price_per_hour": config.get_float("max")}})
        pulumi_gpu.Pod("placed2", gpu={{"model": "A100", "min_memory_gb": config.get_int("m")}})
    """,
}

_MARK = re.compile(r"#\s*E:\s*(.+?)\s*$")
_REPORTED = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+): error: (?P<message>.*)$")


def _source(body: str) -> str:
    return HEADER + textwrap.dedent(body).lstrip("\n")


def _expected(source: str) -> dict[int, str]:
    """Line -> the text its error message must contain."""
    found = {}
    for number, line in enumerate(source.splitlines(), start=1):
        mark = _MARK.search(line)
        if mark:
            found[number] = mark.group(1)
    return found


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, str]]:
    """Program -> line -> mypy's error messages there, from one strict run over all."""
    root = tmp_path_factory.mktemp("typed_programs")
    for name, body in PROGRAMS.items():
        (root / f"{name}.py").write_text(_source(body))
    stdout, stderr, status = mypy.api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(root / ".mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            "--show-absolute-path",
            *sorted(str(p) for p in root.glob("*.py")),
        ]
    )
    assert status in (0, 1), f"mypy could not run:\n{stdout}{stderr}"
    found: dict[str, dict[int, str]] = {name: {} for name in PROGRAMS}
    for line in stdout.splitlines():
        match = _REPORTED.match(line)
        assert match, f"unexpected mypy output: {line}"
        path = Path(match["file"])
        assert path.parent == root, f"mypy reports outside the programs: {line}"
        lines = found[path.stem]
        number = int(match["line"])
        lines[number] = "\n".join(filter(None, [lines.get(number), match["message"]]))
    return found


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_mypy_flags_each_mistake_at_its_line(
    name: str, reported: dict[str, dict[int, str]]
) -> None:
    expected = _expected(_source(PROGRAMS[name]))
    got = reported[name]
    assert sorted(got) == sorted(expected), f"{name}: mypy reported {got}"
    for number, text in expected.items():
        assert text in got[number], f"{name}:{number}: {got[number]!r} lacks {text!r}"


def test_a_correct_program_has_no_expected_errors() -> None:
    assert _expected(_source(PROGRAMS["correct"])) == {}
