"""Prime Intellect inputs and policy: preview failures, diff per field, offer matching."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.output import Unknown
from pydantic import ValidationError

from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import ApiError
from pulumi_gpu.core.inputs import PROVIDER_KEY
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.primeintellect.client import api_base, query
from pulumi_gpu.primeintellect.disk import DiskProvider
from pulumi_gpu.primeintellect.lookups import OfferQuery
from pulumi_gpu.primeintellect.models import (
    POD_PHASES,
    DiskOffer,
    GpuOffer,
    PodStatus,
    is_capacity_error,
)
from pulumi_gpu.primeintellect.offers import create_body as _create_body
from pulumi_gpu.primeintellect.pod import PodInputs, PodProvider
from tests.support.checks import by_field

POD = {"name": "trainer", "gpu_type": "H100_80GB"}
DISK = {"name": "data", "size": 100, "provider": "hyperstack", "data_center_id": "CANADA-1"}
RECORDED = {
    "cloud_id": "n3-H100x1",
    "gpu_type": "H100_80GB",
    "socket": "PCIe",
    "gpu_count": 1,
    "provider": "hyperstack",
    "data_center_id": "CANADA-1",
    "country": "CA",
    "region": "canada",
    "security": "secure_cloud",
    "price_per_hour": 2.2,
}


def offer(**changes: Any) -> GpuOffer:
    """An availability row as the API sends it (camelCase)."""
    row: dict[str, Any] = {
        "cloudId": "n3-H100x1",
        "gpuType": "H100_80GB",
        "socket": "PCIe",
        "provider": "hyperstack",
        "region": "canada",
        "dataCenter": "CANADA-1",
        "country": "CA",
        "gpuCount": 1,
        "gpuMemory": 80,
        "disk": {"minCount": 50, "defaultCount": 100, "maxCount": 2000, "pricePerUnit": 0.0001},
        "vcpu": {
            "minCount": 4,
            "defaultCount": 16,
            "maxCount": 32,
            "pricePerUnit": 0.01,
            "step": 2,
        },
        "memory": {"minCount": 32, "defaultCount": 96, "maxCount": 240, "pricePerUnit": 0.002},
        "stockStatus": "High",
        "security": "secure_cloud",
        "prices": {"onDemand": 2.2, "communityPrice": None, "isVariable": False, "currency": "USD"},
        "images": ["ubuntu_22_cuda_12", "cuda_12_4_pytorch_2_5", "custom_template"],
    }
    row.update(changes)
    return GpuOffer(**row)


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unit tests never reach a cloud: no key, an endpoint nobody listens on."""
    monkeypatch.delenv("PRIME_API_KEY", raising=False)
    monkeypatch.setenv("PRIME_API_URL", "http://127.0.0.1:9")
    use_stack_config({})
    yield
    use_stack_config({})


def failures(provider: Any, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict:
    result = provider.check(olds or {}, {**news, PROVIDER_KEY: "p"})
    return by_field(result.failures)


# -- check: mistakes named at preview -------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "my_pod"}, "name", "letters, digits and dashes"),
        ({"name": "1234"}, "name", "at least one letter"),
        ({"gpu_type": "H100"}, "gpu_type", "'H100_80GB'"),
        ({"gpu_count": 0}, "gpu_count", "greater than or equal to 1"),
        ({"socket": "SXM"}, "socket", "'SXM5'"),
        ({"provider": "aws"}, "provider", "'hyperstack'"),
        ({"security": "secure"}, "security", "'secure_cloud'"),
        ({"region": "europe"}, "region", "'eu_west'"),
        ({"image": "pytorch"}, "image", "'cuda_12_4_pytorch_2_5'"),
        ({"max_price_per_hour": 0}, "max_price_per_hour", "greater than 0"),
        ({"disk_size": -1}, "disk_size", "greater than 0"),
        ({"env_vars": {"1X": "y"}}, "env_vars", "[A-Za-z_]"),
        ({"disk_ids": ["d1", "d1"]}, "disk_ids", "unique"),
        ({"image": "cuda_12_4_pytorch_2_5", "custom_template_id": "t1"}, "primeintellect Pod",
         "custom_template_id runs the template's image"),
        ({"image": "custom_template"}, "primeintellect Pod", "needs custom_template_id"),
        ({"gpu_typ": "H100_80GB"}, "gpu_typ", "did you mean 'gpu_type'"),
    ],
)  # fmt: skip
def test_pod_mistakes_fail_preview_with_field_and_allowed_values(
    change: dict[str, Any], field: str, words: str
) -> None:
    found = failures(PodProvider(), {**POD, **change})
    assert field in found, found
    assert words in found[field]


def test_a_secret_input_is_never_echoed_in_a_failure() -> None:
    found = failures(PodProvider(), {**POD, "jupyter_password": ""})
    assert "jupyter_password" in found
    assert "got" not in found["jupyter_password"]


def test_selector_pods_need_no_api_call_at_preview(capsys: pytest.CaptureFixture[str]) -> None:
    assert failures(PodProvider(), {**POD, "country": "US"}) == {}
    assert capsys.readouterr().err == "", "no lookup was even attempted"


def test_a_price_ceiling_is_not_judged_without_credentials(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert failures(PodProvider(), {**POD, "max_price_per_hour": 3, "country": "US"}) == {}
    said = capsys.readouterr().err
    assert "could not check max_price_per_hour against offers" in said
    assert "PRIME_API_KEY" in said


def test_explicit_offer_check_is_skipped_when_the_api_is_out_of_reach(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert failures(PodProvider(), {**POD, "cloud_id": "n3-H100x1"}) == {}
    assert "could not check the offer at preview" in capsys.readouterr().err


def test_values_unknown_at_preview_are_not_judged() -> None:
    news = {**POD, "gpu_count": Unknown(), "disk_ids": [Unknown()], "cloud_id": "x"}
    assert failures(PodProvider(), news) == {}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"size": 0}, "size", "greater than 0"),
        ({"provider": "aws"}, "provider", "'hyperstack'"),
        ({"data_center_id": ""}, "data_center_id", "at least 1 character"),
        ({"name": "x" * 256}, "name", "at most 255"),
    ],
)
def test_disk_mistakes_fail_preview(change: dict[str, Any], field: str, words: str) -> None:
    found = failures(DiskProvider(), {**DISK, **change})
    assert words in found[field]


@pytest.mark.parametrize("field", ["size", "provider", "data_center_id", "cloud_id"])
def test_disk_changes_that_lose_data_need_allow_replacement(field: str) -> None:
    olds = {**DISK, "cloud_id": "hyperstack-canada-1-nvme"}
    changed = {"size": 200, "provider": "datacrunch", "data_center_id": "US-1", "cloud_id": "x"}
    news = {**olds, field: changed[field]}
    found = failures(DiskProvider(), news, olds)
    assert "allow_replacement" in found[field]
    assert "deletes the data" in found[field]
    assert field not in failures(DiskProvider(), {**news, "allow_replacement": True}, olds)


def test_disk_rename_is_not_guarded() -> None:
    assert failures(DiskProvider(), {**DISK, "name": "renamed"}, DISK) == {}


# -- diff: what each change does -------------------------------------------------------


def diff(provider: Any, olds: dict[str, Any], news: dict[str, Any]) -> Any:
    return provider.diff("id-1", {**olds, PROVIDER_KEY: "old"}, {**news, PROVIDER_KEY: "new"})


POD_STATE = {**POD, "offer": RECORDED, "price_per_hour": 2.2}


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        ({"name": "other"}, ["name"]),
        ({"gpu_type": "A100_80GB"}, ["gpu_type"]),
        ({"gpu_count": 2}, ["gpu_count"]),
        ({"image": "cuda_12_4_pytorch_2_5"}, ["image"]),
        ({"disk_size": 500}, ["disk_size"]),
        ({"env_vars": {"A": "1"}}, ["env_vars"]),
        ({"jupyter_password": "s3cret"}, ["jupyter_password"]),
        ({"custom_template_id": "t1", "image": "custom_template"}, ["image", "custom_template_id"]),
        ({"auto_restart": True}, ["auto_restart"]),
        ({"provider": "runpod"}, ["provider"]),
        ({"data_center_id": "NORWAY-1"}, ["data_center_id"]),
        ({"max_price_per_hour": 2.0}, ["max_price_per_hour"]),
        ({"security": "community_cloud"}, ["security"]),
        ({"cloud_id": Unknown()}, ["cloud_id"]),
    ],
)
def test_pod_changes_the_api_cannot_apply_replace(change: dict, replaces: list[str]) -> None:
    result = diff(PodProvider(), POD_STATE, {**POD, **change})
    assert result.changes
    assert sorted(result.replaces) == sorted(replaces)


@pytest.mark.parametrize(
    "change",
    [
        {"max_price_per_hour": 3.0},
        {"provider": "hyperstack", "data_center_id": "CANADA-1"},
        {"socket": "PCIe", "cloud_id": "n3-H100x1", "country": "ca", "region": "canada"},
        {"gpu_count": 1, "security": "secure_cloud"},
    ],
)
def test_offer_fields_the_running_pod_still_satisfies_change_nothing(change: dict) -> None:
    result = diff(PodProvider(), POD_STATE, {**POD, **change})
    assert (result.changes, result.replaces) == (False, [])


def test_wait_timeout_updates_in_place() -> None:
    result = diff(PodProvider(), POD_STATE, {**POD, "wait_timeout": 60})
    assert (result.changes, result.replaces) == (True, [])


def test_pods_with_disks_are_replaced_delete_first() -> None:
    olds = {**POD_STATE, "disk_ids": ["d1"]}
    with_disk = diff(PodProvider(), olds, {**POD, "disk_ids": ["d1"], "gpu_type": "A100_80GB"})
    assert with_disk.delete_before_replace is True
    without = diff(PodProvider(), POD_STATE, {**POD, "gpu_type": "A100_80GB"})
    assert without.delete_before_replace is False


@pytest.mark.parametrize(
    ("change", "changes", "replaces"),
    [
        ({"name": "renamed"}, True, []),
        ({"allow_replacement": True}, False, []),
        ({"wait_timeout": 30}, True, []),
        ({"size": 200, "allow_replacement": True}, True, ["size"]),
        ({"provider": "runpod", "allow_replacement": True}, True, ["provider"]),
        ({"data_center_id": "US-1", "allow_replacement": True}, True, ["data_center_id"]),
        ({}, False, []),
    ],
)
def test_disk_diff_policy(change: dict, changes: bool, replaces: list[str]) -> None:
    result = diff(DiskProvider(), DISK, {**DISK, **change})
    assert (result.changes, result.replaces) == (changes, replaces)


# -- offers ----------------------------------------------------------------------------


def test_offer_query_matches_identity_sizes_images_and_price() -> None:
    row = offer()
    assert OfferQuery(gpu_type="H100_80GB", gpu_count=1, country="ca").matches(row)
    assert (
        OfferQuery(provider="runpod").identity_mismatch(row)
        == "provider is 'hyperstack', not 'runpod'"
    )
    problems = OfferQuery(disk_size=5000, vcpus=5, image="flux", max_price_per_hour=1).problems(row)
    assert problems["disk_size"].endswith("allows: 50 to 2000 GB")
    assert problems["vcpus"].endswith("allows: 4 to 32 in steps of 2")
    assert "allowed: ubuntu_22_cuda_12" in problems["image"]
    assert "costs $2.69/h, above 1" in problems["max_price_per_hour"], "disk above the default"
    assert "costs $2.20/h" in OfferQuery(max_price_per_hour=2).problems(row)["max_price_per_hour"]
    assert OfferQuery(vcpus=20, memory=100, disk_size=2000).problems(row) == {}


def test_an_offer_reads_values_newer_than_the_enums_as_sent() -> None:
    """Offer fields are typed as the spec's enums (so they go into a Pod's inputs under
    mypy), but a value a newer API added does not break the availability answer."""
    row = offer(gpuType="Z900_1TB", socket="SXM9", provider="newco", images=["new_image"])
    assert (row.gpu_type, row.socket, row.provider, row.images) == (
        "Z900_1TB",
        "SXM9",
        "newco",
        ["new_image"],
    )
    assert (
        DiskOffer.model_validate(
            {"provider": "newco", "region": "moon", "security": "secure_cloud"}
        ).provider
        == "newco"
    )
    with pytest.raises(ValidationError, match="gpuType\n  Input should be a valid string"):
        offer(gpuType=5)


def test_offer_prices_include_resources_above_the_default() -> None:
    row = offer()
    assert row.price_per_hour == 2.2
    assert row.estimate(disk_size=1100, vcpus=20, memory=96) == pytest.approx(2.2 + 0.1 + 0.04)
    community = offer(prices={"onDemand": None, "communityPrice": 1.5, "currency": "USD"})
    assert community.price_per_hour == 1.5


def test_candidates_are_cheapest_first_and_in_stock() -> None:
    rows = [
        offer(cloudId="b", prices={"onDemand": 3.0, "currency": "USD"}),
        offer(
            cloudId="gone", prices={"onDemand": 1.0, "currency": "USD"}, stockStatus="Unavailable"
        ),
        offer(cloudId="a", prices={"onDemand": 2.0, "currency": "USD"}),
        offer(cloudId="other", gpuType="A100_80GB", prices={"onDemand": 0.5, "currency": "USD"}),
    ]
    wanted = OfferQuery(gpu_type="H100_80GB")
    assert [o.cloud_id for o in wanted.candidates(rows)] == ["a", "b"]
    assert [o.cloud_id for o in wanted.candidates(rows, available=False)] == ["gone", "a", "b"]


def test_create_body_follows_the_chosen_offer() -> None:
    inputs = PodInputs(
        name="trainer",
        gpu_type="H100_80GB",
        env_vars={"A": "1"},
        disk_ids=["d1"],
        jupyter_password="pw",
    )
    body = _create_body(
        inputs, inputs.offer_query(), offer(prices={"onDemand": 2.213, "currency": "USD"})
    )
    assert body == {
        "pod": {
            "name": "trainer",
            "cloudId": "n3-H100x1",
            "gpuType": "H100_80GB",
            "socket": "PCIe",
            "gpuCount": 1,
            "maxPrice": 2.22,  # the offer's price, as some providers require one
            "image": "ubuntu_22_cuda_12",
            "dataCenterId": "CANADA-1",
            "security": "secure_cloud",
            "envVars": [{"key": "A", "value": "1"}],
            "jupyterPassword": "pw",
            "autoRestart": False,
        },
        "provider": {"type": "hyperstack"},
        "disks": ["d1"],
    }
    capped = PodInputs(name="t", gpu_type="H100_80GB", max_price_per_hour=4, custom_template_id="c")
    pod = _create_body(capped, capped.offer_query(), offer())["pod"]
    assert (pod["maxPrice"], pod["image"], pod["customTemplateId"]) == (4, "custom_template", "c")
    variable = offer(prices={"onDemand": 2.2, "isVariable": True, "currency": "USD"})
    assert "maxPrice" not in _create_body(inputs, inputs.offer_query(), variable)["pod"]


def test_team_is_sent_when_configured() -> None:
    use_stack_config({"pulumi-gpu:primeTeamId": "team-1"})
    inputs = PodInputs(name="t", gpu_type="H100_80GB")
    assert _create_body(inputs, inputs.offer_query(), offer())["team"] == {"teamId": "team-1"}


# -- models ----------------------------------------------------------------------------


def test_status_map_has_a_safe_default() -> None:
    assert POD_PHASES("ACTIVE") is Phase.READY
    assert POD_PHASES("SOMETHING_NEW") is Phase.PENDING
    assert POD_PHASES(None) is Phase.PENDING


@pytest.mark.parametrize(
    ("answer", "phase", "failure", "shown"),
    [
        ({"status": "PROVISIONING", "installationStatus": "PENDING"}, "pending", None,
         "PROVISIONING"),
        ({"status": "ACTIVE", "installationStatus": "ACTIVE", "installationProgress": 40},
         "pending", None, "ACTIVE (installing 40%)"),
        ({"status": "ACTIVE", "installationStatus": "FINISHED", "sshConnection": None},
         "pending", None, "ACTIVE (installation FINISHED)"),
        ({"status": "ACTIVE", "installationStatus": "FINISHED",
          "sshConnection": ["root@1.2.3.4 -p 22", None]},
         "ready", None, "ACTIVE (installation FINISHED)"),
        ({"status": "ACTIVE", "installationStatus": "COMPLETE", "sshConnection": "root@h -p 2"},
         "ready", None, "ACTIVE (installation COMPLETE)"),
        ({"status": "ERROR", "installationStatus": "ERROR", "installationFailure": "pull failed"},
         "failed", "pull failed", "ERROR"),
        ({"status": "ACTIVE", "installationStatus": "ERROR"},
         "failed", "the pod failed without a reason", "ACTIVE (installing)"),
        ({"status": "STOPPED"}, "stopped", None, "STOPPED"),
        ({"status": "TERMINATED"}, "gone", None, "TERMINATED"),
    ],
)  # fmt: skip
def test_pod_status_readiness_and_failure(
    answer: dict, phase: str, failure: Any, shown: str
) -> None:
    seen = PodStatus(podId="p", providerType="runpod", **answer).observe()
    assert (seen.phase.value, seen.reason, seen.text) == (phase, failure, shown)


def test_capacity_errors_are_recognised() -> None:
    def error(status: int, message: str) -> ApiError:
        return ApiError("primeintellect", "POST", "/pods/", status, message)

    assert is_capacity_error(error(400, "No capacity: n3-H100x1 in CANADA-1 is out of stock"))
    assert is_capacity_error(error(400, "GPU not available in this region"))
    assert not is_capacity_error(error(400, "Missing field: max_price not specified"))
    assert not is_capacity_error(error(402, "Insufficient balance"))
    lost = ApiError("primeintellect", "POST", "/pods/", 503, "unavailable", outcome_unknown=True)
    assert not is_capacity_error(lost), "the create may have happened: never try elsewhere"


def test_endpoint_and_query_helpers() -> None:
    assert api_base("https://api.primeintellect.ai") == "https://api.primeintellect.ai/api/v1"
    assert api_base("http://h:1/primeintellect/api/v1/") == "http://h:1/primeintellect/api/v1"
    assert query(pod_ids=["a", "b"], tail=None, limit=5) == [
        ("pod_ids", "a"),
        ("pod_ids", "b"),
        ("limit", 5),
    ]
