"""States of older releases, read by this one: migrations, renamed inputs, kept names."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.core.checking import settled_name
from pulumi_gpu.core.identity import DEFAULT_NAME_KEY
from pulumi_gpu.core.inputs import SCHEMA_VERSION_KEY, renamed_inputs
from pulumi_gpu.fleet.model import load_fleet
from pulumi_gpu.gpudev.job import JobInputs as GpuDevJobInputs
from pulumi_gpu.runpod.job import JobProvider as RunPodJobProvider
from pulumi_gpu.runpod.pod import PodProvider
from pulumi_gpu.runpod.pod_inputs import PodInputs

V010_POD = {  # a RunPod pod's outputs as release 0.1.0 wrote them
    "name": "gpu-fleet-dev-notebook",
    "gpu_type": "NVIDIA GeForce RTX 4090",
    "ports": ["8888/http", "22/tcp"],
    "mapped_ports": {"22": 41863},
    "status": "RUNNING",
}


def test_a_0_1_0_state_is_read_with_this_releases_names() -> None:
    migrated = PodProvider().migrated(V010_POD)
    assert migrated["exposed_ports"] == ["8888/http", "22/tcp"]
    assert migrated["ports"] == {"22": 41863} and "mapped_ports" not in migrated
    assert migrated[SCHEMA_VERSION_KEY] == PodProvider.schema_version, "whoever saves it"
    assert PodProvider().migrated(migrated) == migrated, "a migrated state stays as it is"


def test_a_current_state_is_left_as_it_is() -> None:
    current = {**V010_POD, "ports": {"22": 1}, "exposed_ports": ["22/tcp"]}
    del current["mapped_ports"]
    current[SCHEMA_VERSION_KEY] = PodProvider.schema_version
    assert PodProvider().migrated(current) == current


def test_a_renamed_input_is_taken_under_its_new_name_with_a_warning() -> None:
    given, warnings = renamed_inputs(PodInputs, {"ports": ["22/tcp"], "image": "x"})
    assert given == {"exposed_ports": ["22/tcp"], "image": "x"}
    assert warnings == [
        "ports: input 'ports' was renamed 'exposed_ports' in 0.1.1: it is taken as "
        "'exposed_ports' until 0.3.0; please write 'exposed_ports'"
    ]
    both, warned = renamed_inputs(PodInputs, {"ports": ["22/tcp"], "exposed_ports": []})
    assert "ports" in both and warned == [], "both names: left for validation to refuse"


def test_a_fleet_file_with_a_renamed_input_warns_where_it_is() -> None:
    text = (
        "pods:\n"
        "  notebook:\n"
        "    cloud: runpod\n"
        "    gpu_type: NVIDIA GeForce RTX 4090\n"
        "    image: runpod/base:0.6.2\n"
        "    ports: ['8888/http', '22/tcp']\n"
    )
    fleet = load_fleet("fleet.yaml", text)
    (entry,) = fleet.entries
    assert entry.inputs["exposed_ports"] == ["8888/http", "22/tcp"] and "ports" not in entry.inputs
    (warning,) = fleet.warnings
    assert warning.startswith("fleet.yaml:6:5: pods.notebook.ports: input 'ports' was renamed")


def test_an_object_keeps_the_name_its_state_records_or_its_cloud_gave_it() -> None:
    proposed = {"gpu_type": "a100", DEFAULT_NAME_KEY: "p-s-dev-3f9a1c-7d2ae8b1"}
    fresh = settled_name(GpuDevJobInputs, {}, proposed)
    assert fresh["name"] == "p-s-dev-3f9a1c-7d2ae8b1" and DEFAULT_NAME_KEY not in fresh
    recorded = settled_name(GpuDevJobInputs, {"gpu_type": "a100", "name": "mine"}, proposed)
    assert recorded["name"] == "mine"
    legacy: dict[str, Any] = settled_name(GpuDevJobInputs, {"gpu_type": "a100"}, proposed)
    assert legacy.get("name") is None, "a 0.1.0 job keeps the name the service gave it"
    assert legacy[DEFAULT_NAME_KEY] == "p-s-dev-3f9a1c-7d2ae8b1", "for a replacement's create"


def test_a_saved_value_a_newer_rule_refuses_is_kept_and_the_others_still_typed() -> None:
    """A state written before a rule was tightened stays readable: the refused value as
    saved, every other value typed as the kind reads it (durations, engine floats)."""
    saved = {
        "name": "job",
        "gpu_type": "NVIDIA GeForce RTX 4090",
        "image": "runpod/base:0.6.2",
        "command": "python train.py",
        "max_duration": "2h",
        "log_lines": 50.0,  # the engine gives every number as a float
        "volume_gb": -5,  # refused today
    }
    inputs = RunPodJobProvider().saved(saved)
    assert inputs.max_duration == 7200 and inputs.log_lines == 50
    assert isinstance(inputs.log_lines, int) and inputs.volume_gb == -5
