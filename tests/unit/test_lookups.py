"""Lookups fail with one message naming the lookup, as a pulumi.RunError (no traceback)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

import pulumi_gpu
from pulumi_gpu import celium, primeintellect, runpod
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import ConfigurationError, GpuCloudError
from pulumi_gpu.core.lookup import LookupFailed


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RUNPOD_API_KEY", "CELIUM_API_KEY", "LIUM_API_KEY", "PRIME_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    use_stack_config({})


def test_a_missing_key_names_the_lookup_and_the_setting() -> None:
    with pytest.raises(LookupFailed) as failed:
        celium.get_executors(gpu_model="H100")
    assert str(failed.value).startswith(
        "celium.get_executors: the Celium API key is not configured: run `pulumi config set "
        "--secret pulumi-gpu:celiumApiKey <value>`"
    )
    assert isinstance(failed.value, pulumi.RunError), "Pulumi prints a RunError's message alone"
    assert isinstance(failed.value, GpuCloudError), "code that catches ours still does"
    assert isinstance(failed.value.__cause__, ConfigurationError)


def test_a_bad_argument_is_said_with_the_lookup_name() -> None:
    with pytest.raises(LookupFailed, match=r"^runpod\.get_gpu_types: gpu_count must be at least 1"):
        runpod.get_gpu_types(gpu_count=0)
    with pytest.raises(LookupFailed, match=r"^primeintellect.get_pod_logs: .*API key"):
        primeintellect.get_pod_logs("pod-1")
    with pytest.raises(
        LookupFailed,
        match=r"^celium\.get_executors: gpu_count: Input should be greater than or equal to 1$",
    ):
        celium.get_executors(gpu_count=0)


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda: runpod.get_gpu_types(gpu_count="two"), "runpod.get_gpu_types: gpu_count: "),
        (lambda: runpod.get_gpu_types(country_codes=5), "runpod.get_gpu_types: country_codes: "),
        (
            lambda: runpod.get_gpu_types(country_codes="US"),  # not ["U", "S"]
            "runpod.get_gpu_types: country_codes: 'str' instances are not allowed",
        ),
        (lambda: runpod.get_pod_logs("pod-1", tail="5 lines"), "runpod.get_pod_logs: tail: "),
        (lambda: runpod.get_data_centers(region=5), "runpod.get_data_centers: region: "),
        (
            lambda: primeintellect.get_pod_history(limit="five"),
            "primeintellect.get_pod_history: limit: ",
        ),
        (lambda: celium.get_templates(name=5), "celium.get_templates: name: "),
        (
            lambda: pulumi_gpu.offers("H100", clouds="runpod"),  # not r, u, n, p, o, d
            "pulumi_gpu.offers: clouds: 'str' instances are not allowed",
        ),
    ],
)
def test_an_argument_of_the_wrong_type_is_named_not_a_type_error(
    call: Callable[[], object], said: str
) -> None:
    """Checked against the lookup's annotations before it runs: no TypeError or
    AttributeError from inside it, and no string read as a list of letters."""
    with pytest.raises(LookupFailed) as failed:
        call()
    assert str(failed.value).startswith(said)


def test_a_region_is_taken_in_either_case() -> None:
    """The annotation is upper case (mypy); the lookup still takes "europe", as before."""
    with pytest.raises(LookupFailed, match="API key"):  # got past the argument check
        runpod.get_data_centers(region="europe")
