"""`pulumi-gpu offers` against the four emulated clouds: one table, cheapest first."""

from __future__ import annotations

import json
import math
import re
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulumi_gpu.cli import main
from pulumi_gpu.core import config
from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.market.offers import OfferRequest, search

CLOUD_NAMES = {
    "celium": {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe"},
    "runpod": {"NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe"},
    "primeintellect": {"H100_80GB"},
    "gpudev": {"h100"},
}
"""What each cloud itself calls an H100."""


@pytest.fixture(autouse=True)
def stack_config(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    """`--emulator` and these tests set the process-wide stack config: put it back after."""
    monkeypatch.setattr(config, "_stack_config", None)


def run(capsys: pytest.CaptureFixture[str], served: EmulatorServer, *args: str) -> tuple[str, str]:
    assert main(["offers", *args, "--emulator", served.url()]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def listed(capsys: pytest.CaptureFixture[str], served: EmulatorServer, *args: str) -> Any:
    out, _ = run(capsys, served, *args, "--json", "--limit", "0")
    return json.loads(out)


def price(offer: dict[str, Any]) -> float:
    return math.inf if offer["price_per_hour"] is None else offer["price_per_hour"]


def test_the_table_shows_h100s_of_every_cloud_cheapest_first(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    out, _ = run(capsys, served, "--gpu", "H100", "--count", "1", "--limit", "0")
    header, *lines = out.splitlines()
    assert re.split(r"\s{2,}", header) == [
        "PRICE/H", "GPU", "N", "CLOUD", "REGION", "COUNTRY", "SPOT", "STOCK", "CLOUD'S NAME"
    ]  # fmt: skip
    rows = [re.split(r"\s{2,}", line) for line in lines]
    prices = [math.inf if r[0] == "-" else float(r[0].removeprefix("$")) for r in rows]
    assert prices == sorted(prices)
    assert {r[3] for r in rows if r[0] == "-"} == {"gpudev"}
    assert all(r[1].startswith("H100 80GB") and r[2] == "1" for r in rows)
    assert all(r[8] in CLOUD_NAMES[r[3]] for r in rows), "the last column is the cloud's name"
    assert {r[6] for r in rows} == {"yes", "no", "-"}, "spot: yes, no, or the cloud does not say"
    assert len({r[3] for r in rows}) >= 3


def test_limit_shows_the_cheapest_rows_and_says_how_many_more(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    total = len(listed(capsys, served, "--gpu", "H100")["offers"])
    out, _ = run(capsys, served, "--gpu", "H100", "--limit", "3")
    assert len(out.splitlines()) == 1 + 3 + 1
    assert out.splitlines()[-1] == f"({total - 3} more; --limit 0 shows all)"


@pytest.mark.parametrize(
    ("args", "satisfies"),
    [
        (["--gpu", "H100"], lambda o: o["model"] == "H100" and o["gpu_count"] == 1),
        (["--gpu", "H100", "--count", "8"], lambda o: o["gpu_count"] == 8),
        (["--gpu", "A100 80GB"], lambda o: (o["model"], o["memory_gb"]) == ("A100", 80)),
        (["--gpu", "H100 SXM"], lambda o: (o["model"], o["form"]) == ("H100", "SXM")),
        (["--min-memory", "100"], lambda o: o["memory_gb"] >= 100),
        (["--region", "eu-"], lambda o: "eu-" in o["region"].lower()),
        (["--country", "US"], lambda o: o["country"] == "US"),
        (["--country", "us"], lambda o: o["country"] == "US"),
        (["--spot"], lambda o: o["spot"] is True),
        (["--no-spot"], lambda o: not o["spot"]),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_json_offers_are_sorted_and_all_satisfy_the_filters(
    capsys: pytest.CaptureFixture[str],
    served: EmulatorServer,
    args: list[str],
    satisfies: Callable[[dict[str, Any]], bool],
) -> None:
    answer = listed(capsys, served, *args)
    found = answer["offers"]
    assert answer["skipped"] == {}
    assert found, "the emulator has offers for each of these filters"
    assert [o for o in found if not satisfies(o)] == []
    assert found == sorted(found, key=lambda o: (price(o), o["cloud"], o["region"] or ""))


def test_cloud_restricts_the_clouds_asked(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    found = listed(capsys, served, "--gpu", "H100", "--cloud", "runpod", "--cloud", "celium")
    assert {o["cloud"] for o in found["offers"]} == {"runpod", "celium"}


def test_max_price_keeps_offers_at_or_below_it_and_no_unpriced_ones(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    everything = listed(capsys, served, "--gpu", "H100")["offers"]
    limit = everything[len(everything) // 2]["price_per_hour"]
    assert any(price(o) > limit for o in everything) and everything[-1]["price_per_hour"] is None

    found = listed(capsys, served, "--gpu", "H100", "--max-price", str(limit))["offers"]
    assert found and all(o["price_per_hour"] is not None for o in found)
    assert max(o["price_per_hour"] for o in found) == limit


def test_h100_sxm_includes_prime_intellects_sxm5_sockets(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    found = listed(capsys, served, "--gpu", "H100 SXM", "--cloud", "primeintellect")["offers"]
    assert found, "Prime Intellect's emulated catalog has H100_80GB on SXM5 sockets"
    assert {o["rent"]["socket"] for o in found} == {"SXM5"}


def test_a_cloud_with_a_wrong_key_is_skipped_and_the_others_still_answer(
    served: EmulatorServer,
) -> None:
    answer = httpx.get(f"{served.url()}/_emulator/stack-config").json()
    settings = {**answer["config"], **answer["secrets"]}
    config.use_stack_config({**settings, "pulumi-gpu:runpodApiKey": "runpod-wrong-key"})

    found = search(OfferRequest(gpu="H100"))
    assert set(found.skipped) == {"runpod"}
    assert found.skipped["runpod"].startswith("did not answer: runpod API: GET ")
    assert "401" in found.skipped["runpod"]
    assert {o.cloud for o in found} == {"celium", "primeintellect", "gpudev"}


def test_an_unknown_gpu_suggests_the_closest_models_offered(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    assert main(["offers", "--gpu", "H1000", "--emulator", served.url()]) == 1
    said = capsys.readouterr().err.strip().splitlines()[-1]  # after the GPU Dev login line
    assert said.startswith("--gpu H1000: no cloud asked offers a GPU of that model now; closest: ")
    assert "H100" in said.split("closest: ")[1].split(", ")


def test_a_known_gpu_out_of_reach_is_no_match_not_an_error(
    capsys: pytest.CaptureFixture[str], served: EmulatorServer
) -> None:
    args = ["offers", "--gpu", "H100", "--max-price", "0.01", "--emulator", served.url()]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == "no offers match"


def test_a_refused_value_names_the_flag_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["offers", "--max-price", "-1"]) == 2
    assert capsys.readouterr().err.startswith("--max-price: ")
    assert main(["offers", "--min-memory", "0"]) == 2
    assert capsys.readouterr().err.startswith("--min-memory: ")


def test_an_emulator_that_does_not_answer_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{free.getsockname()[1]}"
    assert main(["offers", "--emulator", url]) == 1
    said = capsys.readouterr().err
    assert said.startswith(f"pulumi-gpu offers: --emulator {url}: no pulumi-gpu emulator answers")
    assert len(said.strip().splitlines()) == 1 and "Traceback" not in said
