"""Preview through the provider plugin knows what it plans: a placed pod's preview shows
the offer and price it would rent (the plugin serves previews, ``supportsPreview``), and
``up`` rents that offer. The real CLI runs a Pulumi YAML program; the clouds are emulated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.plugin_cli import yaml_stack

pytestmark = pytest.mark.e2e

PROGRAM = {
    "name": "plugin-preview",
    "runtime": "yaml",
    "resources": {
        "dev": {
            "type": "pulumi-gpu:index:Pod",
            "properties": {
                "gpu": {"model": "RTX 4090", "count": 1, "maxPricePerHour": 1.0},
                "clouds": ["runpod", "primeintellect"],
            },
        }
    },
    "outputs": {"cloud": "${dev.cloud}", "price": "${dev.pricePerHour}"},
}


def test_a_placed_pods_preview_shows_the_offer_it_would_rent(
    pulumi_engine: Path, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    pulumi = yaml_stack(tmp_path, pulumi_engine, emulator, emulator_server, PROGRAM)

    shown = pulumi("preview")
    planned = re.search(r"would rent (\w+) 1x .* \(\$([\d.]+)/h\)", shown)
    assert planned, shown
    cloud, price = planned[1], float(planned[2])
    assert cloud in ("runpod", "primeintellect") and 0 < price <= 1.0, shown
    assert f'cloud: "{cloud}"' in shown and f"price: {price}" in shown, "known outputs"
    assert emulator.is_empty(), "a preview rents nothing"

    pulumi("up", "--yes", "--skip-preview")
    made = pulumi.state()["dev"]["outputs"]
    assert (made["cloud"], made["pricePerHour"]) == (cloud, price), "it rents what it showed"
    assert pulumi.ops() == {}, "no change, no step"

    pulumi("destroy", "--yes", "--skip-preview")
    assert emulator.is_empty(), emulator.leftovers()


BUDGET_PROGRAM = {
    "name": "plugin-budget",
    "runtime": "yaml",
    "resources": {
        "dev": PROGRAM["resources"]["dev"],
        "batch": {
            "type": "pulumi-gpu:primeintellect:Pod",
            "properties": {"gpuType": "A100_80GB", "maxPricePerHour": 1.5},
        },
    },
}


def test_a_program_over_its_budget_is_refused_at_preview_itemized(
    pulumi_engine: Path, emulator: Emulator, emulator_server: EmulatorServer, tmp_path: Path
) -> None:
    """``pulumi-gpu:maxCostPerHour`` holds the program's machines as in Python: the
    plugin's checks add up every resource of the deployment."""
    budget = {"pulumi-gpu:maxCostPerHour": "1.75"}
    pulumi = yaml_stack(tmp_path, pulumi_engine, emulator, emulator_server, BUDGET_PROGRAM, budget)

    refused = pulumi.run("preview")
    text = refused.stdout + refused.stderr
    assert refused.returncode != 0, text
    assert "may cost $2.50/h, above the budget of $1.75/h; nothing was created" in text, text
    for line in (
        r"dev \$1.00/h pod: ceiling gpu.max_price_per_hour",
        r"batch \$1.50/h primeintellect Pod: ceiling max_price_per_hour",
        r"total \$2.50/h",
    ):
        assert re.search(line.replace(" ", r"\s+"), text), f"{line!r} not itemized in:\n{text}"
    assert "Traceback" not in text
    assert emulator.is_empty()

    pulumi("config", "set", "pulumi-gpu:maxCostPerHour", "3")
    assert pulumi.ops() == {"dev": "create", "batch": "create", "plugin-budget-dev": "create"}
