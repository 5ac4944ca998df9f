"""Preview through the provider plugin knows what it plans: a placed pod's preview shows
the offer and price it would rent (the plugin serves previews, ``supportsPreview``), and
``up`` rents that offer. The real CLI runs a Pulumi YAML program; the clouds are emulated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pulumi_gpu.emulator import Emulator, EmulatorServer
from tests.support.plugin_cli import Cli

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
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(PROGRAM, sort_keys=False))
    pulumi = Cli(project, pulumi_engine, tmp_path / "home")
    settings, secrets = emulator.stack_config(emulator_server.url())
    pulumi("stack", "init", "dev")
    pulumi.configure({**settings, "pulumi-gpu:pollSeconds": "0.2"}, secrets)

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
