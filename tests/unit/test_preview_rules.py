"""The core's preview rules that ask the cloud, whatever the kind: a value that must be
one of the cloud's own list (``choices``), and one rule for a price ceiling below every
offer (``price_cap``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pytest
from pulumi.output import Unknown
from pydantic import BaseModel, ConfigDict, Field

from pulumi_gpu.core.checking import Choices
from pulumi_gpu.core.errors import ConfigurationError, GpuCloudError
from pulumi_gpu.core.inputs import ADOPT_ID, PROVIDER_KEY, REPLACES, UPDATES, ResourceInputs
from pulumi_gpu.core.pricing import PriceCap, Quote, price_failures
from pulumi_gpu.core.provider import GpuProvider
from tests.support.checks import by_field


class Selector(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gpu: str = "A100"
    max_price_per_hour: float | None = Field(None, gt=0)


class Rented(ResourceInputs):
    name: str = Field(json_schema_extra=UPDATES)
    gpu_type: str = Field("A100", json_schema_extra=REPLACES)
    regions: list[str] = Field(default_factory=list, json_schema_extra=REPLACES)
    selector: Selector = Field(default_factory=Selector, json_schema_extra=REPLACES)


class RentedProvider(GpuProvider[Rented, Any]):
    """A kind that declares its data: the catalog, and where its price ceiling is."""

    inputs_model = Rented
    kind = "demo Rented"
    catalog: ClassVar[dict[str, Choices]] = {
        "gpu_type": Choices("GPU type", {"A100", "H100"}),
        "regions": Choices("region", {"eu", "us"}),
    }
    prices: ClassVar[list[float]] = [2.5, 1.25, 3.0]
    fails: ClassVar[GpuCloudError | None] = None
    asked: ClassVar[list[str]] = []

    def choices(self, field: str) -> Choices | None:
        self.asked.append(field)
        if self.fails is not None:
            raise self.fails
        return self.catalog.get(field)

    def price_cap(self, inputs: Rented) -> PriceCap | None:
        ceiling = inputs.selector.max_price_per_hour
        if ceiling is None:
            return None

        def offers() -> Sequence[Quote]:
            self.asked.append("offers")
            if self.fails is not None:
                raise self.fails
            return [Quote(p, f"1x {inputs.selector.gpu} at {p}") for p in self.prices]

        return PriceCap("selector.max_price_per_hour", ceiling, offers)


@pytest.fixture
def rented() -> RentedProvider:
    RentedProvider.fails = None
    RentedProvider.asked = []
    return RentedProvider()


def failures(
    provider: GpuProvider[Any, Any], news: dict[str, Any], olds: dict[str, Any] | None = None
) -> dict[str, str]:
    return by_field(provider.check(olds or {}, {"name": "r", **news, PROVIDER_KEY: "p"}).failures)


# -- choices: values only the cloud's list says ------------------------------------------


def test_a_value_the_cloud_does_not_list_is_refused_naming_the_field(
    rented: RentedProvider,
) -> None:
    found = failures(rented, {"gpu_type": "A10O", "regions": ["eu", "mars"]})
    assert found.keys() == {"gpu_type", "regions"}
    assert "'A10O' is not a GPU type demo has (did you mean 'A100'?)" in found["gpu_type"]
    assert "GPU types: A100, H100" in found["gpu_type"]
    assert "'mars' is not a region" in found["regions"] and "'eu'" not in found["regions"]


def test_choices_pass_what_is_listed_unknown_or_held_already(rented: RentedProvider) -> None:
    assert failures(rented, {"gpu_type": "H100", "regions": ["us"]}) == {}
    assert failures(rented, {"gpu_type": Unknown()}) == {}
    held = {"name": "r", "gpu_type": "V100"}  # a value the cloud listed when it was made
    assert failures(rented, {"gpu_type": "V100"}, olds=held) == {}


def test_choices_are_not_judged_when_the_cloud_cannot_be_asked(
    rented: RentedProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    RentedProvider.fails = ConfigurationError("the demo API key is not configured")
    assert failures(rented, {"gpu_type": "A10O"}) == {}
    assert "could not check gpu_type 'A10O': the demo API key" in capsys.readouterr().err


# -- one rule for a price ceiling below every offer ---------------------------------------


def test_a_ceiling_below_every_offer_is_refused_naming_it_and_the_cheapest(
    rented: RentedProvider,
) -> None:
    found = failures(rented, {"selector": {"max_price_per_hour": 1.2}})
    assert found.keys() == {"selector.max_price_per_hour"}
    reason = found["selector.max_price_per_hour"]
    assert reason.startswith("1.2 USD per hour is below every offer that fits the other inputs")
    assert "(3 fit; the cheapest is $1.25/h: 1x A100 at 1.25)" in reason
    assert "raise it to at least 1.25, or leave it out" in reason


def test_a_ceiling_some_offer_meets_passes(rented: RentedProvider) -> None:
    assert failures(rented, {"selector": {"max_price_per_hour": 1.25}}) == {}
    rented.asked.clear()
    assert failures(rented, {"selector": {}}) == {}
    assert "offers" not in rented.asked, "no ceiling, nothing to hold it against"


def test_a_ceiling_is_not_judged_without_offers_or_an_answer(
    rented: RentedProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    RentedProvider.prices = []
    try:
        assert failures(rented, {"selector": {"max_price_per_hour": 0.5}}) == {}
    finally:
        RentedProvider.prices = [2.5, 1.25, 3.0]
    RentedProvider.fails = GpuCloudError("demo API: GET /offers answered 503")
    assert failures(rented, {"selector": {"max_price_per_hour": 0.5}}) == {}
    said = capsys.readouterr().err
    assert "could not check selector.max_price_per_hour against offers: demo API" in said


def test_a_ceiling_the_state_holds_is_not_judged_again_a_new_one_is(
    rented: RentedProvider,
) -> None:
    """The market moved since the object was made: that is no reason to refuse it."""
    held = {"name": "r", "selector": {"max_price_per_hour": 1.0}}
    assert failures(rented, {"selector": {"max_price_per_hour": 1.0}}, olds=held) == {}
    assert "offers" not in rented.asked
    lowered = failures(rented, {"selector": {"max_price_per_hour": 0.5}}, olds=held)
    assert lowered.keys() == {"selector.max_price_per_hour"}


def test_a_ceiling_is_not_judged_while_unknown_or_when_adopting(rented: RentedProvider) -> None:
    """An adopted object runs at its own price already (adoption checks it fits)."""
    assert failures(rented, {"selector": {"max_price_per_hour": Unknown()}}) == {}
    adopting = {"name": "r", "selector": {"max_price_per_hour": 0.5}, ADOPT_ID: "obj-1"}
    assert price_failures(rented, {}, adopting) == []
    assert price_failures(rented, {}, {**adopting, ADOPT_ID: None}) != []


def test_the_priced_kinds_declare_their_ceiling() -> None:
    """Every kind that takes a price ceiling declares it to the core's rule."""
    from pulumi_gpu.celium.job import JobInputs as CeliumJob
    from pulumi_gpu.celium.job import JobProvider as CeliumJobs
    from pulumi_gpu.celium.pod import PodInputs as CeliumPod
    from pulumi_gpu.celium.pod import PodProvider as CeliumPods
    from pulumi_gpu.market.pod import PodInputs as PlacedPod
    from pulumi_gpu.market.pod import PodProvider as PlacedPods
    from pulumi_gpu.primeintellect.pod import PodInputs as PrimePod
    from pulumi_gpu.primeintellect.pod import PodProvider as PrimePods

    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 x"
    selector = {"gpu_model": "A100", "max_price_per_hour": 2.0}
    celium_pod = {"name": "p", "image": "a/b:1", "ssh_public_keys": [key], "selector": selector}
    job = {**celium_pod, "command": "true", "max_duration": 60}
    declared = {
        "selector.max_price_per_hour": [
            CeliumPods().price_cap(CeliumPod.model_validate(celium_pod)),
            CeliumJobs().price_cap(CeliumJob.model_validate(job)),
        ],
        "max_price_per_hour": [
            PrimePods().price_cap(PrimePod(name="p", gpu_type="H100_80GB", max_price_per_hour=2.0))
        ],
        "gpu.max_price_per_hour": [
            PlacedPods().price_cap(
                PlacedPod.model_validate(
                    {"name": "p", "gpu": {"model": "H100", "max_price_per_hour": 2.0}}
                )
            )
        ],
    }
    for field, caps in declared.items():
        for cap in caps:
            assert cap is not None and (cap.field, cap.usd) == (field, 2.0)
