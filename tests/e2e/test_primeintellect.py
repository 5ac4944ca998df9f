"""Prime Intellect end to end: the real pulumi CLI driving the emulated API over HTTP."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from pulumi_gpu.emulator import Emulator
from pulumi_gpu.emulator.primeintellect.backend import PodFailure
from pulumi_gpu.pulumi_cli import SECRET_SIG
from pulumi_gpu.testing.fixtures import POLL_SECONDS

pytestmark = pytest.mark.e2e

PRIME_KEY = "prime-emulator-key"
JUPYTER_PASSWORD = "jupyter-pass-7f3a9c"  # as in programs/primeintellect-pod


def _pods(emulator: Emulator) -> list[str]:
    return emulator.leftovers()["primeintellect"]["pods"]


def _disks(emulator: Emulator) -> list[str]:
    return emulator.leftovers()["primeintellect"]["disks"]


def _pod(emulator: Emulator, pod_id: str) -> dict:
    return emulator.primeintellect.get_pod(PRIME_KEY, pod_id)


def test_h100_example_lifecycle(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("primeintellect-h100")

    assert stack.preview().ops() == {"data": "create", "h100": "create"}
    assert emulator.is_empty(), "preview must not create anything"

    assert stack.up().ops() == {"data": "create", "h100": "create"}
    outputs = stack.outputs()
    (pod_id,) = _pods(emulator)
    (disk_id,) = _disks(emulator)
    assert outputs["disk_id"] == disk_id
    live = _pod(emulator, pod_id)
    assert (live["status"], live["installationStatus"]) == ("ACTIVE", "FINISHED")
    assert outputs["ssh"] == f"ssh {live['sshConnection']}"
    assert outputs["offer"]["gpu_type"] == "H100_80GB"
    assert outputs["offer"]["data_center_id"] == "CANADA-1"
    assert outputs["offer"]["provider"] == "hyperstack"
    assert outputs["cost_per_hour"] == live["priceHr"] <= 5
    assert [a["id"] for a in live["attachedResources"]] == [disk_id]
    assert outputs.get("jupyter") is None, "no Jupyter password was given"

    assert stack.preview().ops() == {}, "an unchanged program must preview no changes"

    # A max price the running pod still satisfies changes nothing.
    stack.set_config("maxPricePerHour", str(outputs["cost_per_hour"] + 1))
    assert stack.preview().ops() == {}

    # Renaming the disk is an in-place update of the same disk.
    stack.set_config("diskName", "renamed-data")
    assert stack.preview().ops() == {"data": "update"}
    assert stack.up().ops() == {"data": "update"}
    assert _disks(emulator) == [disk_id]
    assert emulator.primeintellect.get_disk(PRIME_KEY, disk_id)["name"] == "renamed-data"
    assert _pods(emulator) == [pod_id], "renaming the disk must not touch the pod"

    # Another GPU type replaces the pod (and only the pod); the disk follows it.
    stack.set_config("gpuType", "A100_80GB")
    assert stack.preview().ops() == {"h100": "replace"}
    assert stack.up().ops() == {"h100": "replace"}
    (new_pod_id,) = _pods(emulator)
    assert new_pod_id != pod_id
    assert _disks(emulator) == [disk_id]
    assert stack.outputs()["offer"]["gpu_type"] == "A100_80GB"
    assert [a["id"] for a in _pod(emulator, new_pod_id)["attachedResources"]] == [disk_id]

    # Terminated behind Pulumi's back: refresh drops it from the state.
    emulator.primeintellect.remove_pod(new_pod_id)
    stack.refresh()
    assert set(stack.resources()) == {"data"}
    assert stack.preview().ops() == {"h100": "create"}

    assert stack.destroy().ops() == {"data": "delete"}
    assert emulator.is_empty()
    assert PRIME_KEY not in stack.export_text()


def test_disk_replacement_is_guarded(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("primeintellect-h100")
    stack.up()
    (disk_id,) = _disks(emulator)

    stack.set_config("diskSize", "400")
    refused = stack.preview(expect_failure=True)
    assert "allow_replacement" in refused.text()
    assert "deletes the data" in refused.text()

    stack.set_config("allowDiskReplacement", "true")
    assert stack.preview().ops() == {"data": "replace", "h100": "replace"}
    stack.up()
    (new_disk_id,) = _disks(emulator)
    assert new_disk_id != disk_id
    assert emulator.primeintellect.get_disk(PRIME_KEY, new_disk_id)["size"] == 400


def test_jupyter_password_and_api_key_stay_out_of_state(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("primeintellect-pod", config={"jupyter": "true"})
    stack.up()
    exported = stack.export_text()
    assert JUPYTER_PASSWORD not in exported
    assert PRIME_KEY not in exported
    pod = stack.resources()["pod"]
    for props in (pod["inputs"], pod["outputs"]):
        secret = props["jupyter_password"]
        assert isinstance(secret, dict) and secret.get(SECRET_SIG), secret
        assert "ciphertext" in secret
    outputs = stack.outputs()
    (pod_id,) = _pods(emulator)
    mapping = {p["usedBy"]: p for p in _pod(emulator, pod_id)["primePortMapping"]}
    assert "JUPYTER_NOTEBOOK" in mapping
    assert JUPYTER_PASSWORD not in json.dumps(outputs)


def test_installation_error_leaves_nothing(cloud_stack, emulator: Emulator) -> None:
    emulator.primeintellect.fail_next_pods.append(
        PodFailure("docker: image pull failed: manifest unknown")
    )
    stack = cloud_stack("primeintellect-pod")
    result = stack.up(expect_failure=True)
    text = result.text()
    assert "manifest unknown" in text, "the installation failure must be shown"
    assert "was deleted" in text
    assert "Traceback" not in text
    assert _pods(emulator) == [], "the failed pod must not be left billing"
    assert stack.resources() == {}


@pytest.mark.parametrize("fault", [{"drop": True}, {"status": 502}], ids=["dropped", "502"])
def test_lost_create_answer_makes_one_pod(cloud_stack, emulator: Emulator, fault) -> None:
    emulator.faults.add(
        cloud="primeintellect", method="POST", path="/api/v1/pods*", after_action=True, **fault
    )
    stack = cloud_stack("primeintellect-pod")
    stack.up()
    creates = emulator.requests.find("primeintellect", "POST", "/api/v1/pods*")
    assert len(creates) == 1, "the create must not be sent twice"
    (pod_id,) = _pods(emulator)
    assert stack.resources()["pod"]["id"] == pod_id


def test_explicit_offer_is_checked_at_preview(cloud_stack, emulator: Emulator) -> None:
    offer = next(
        o
        for o in emulator.primeintellect.offers
        if o.provider == "hyperstack" and o.gpu_type == "L40S_48GB" and o.gpu_count == 1
    )
    config = {
        "gpuType": offer.gpu_type,
        "cloudId": offer.cloud_id,
        "provider": offer.provider,
        "socket": offer.socket,
        "dataCenter": offer.center.id,
        "diskSize": str(offer.disk.max + 1000),
    }
    stack = cloud_stack("primeintellect-pod", config=config)
    refused = stack.preview(expect_failure=True)
    assert "disk_size" in refused.text()
    assert f"{offer.disk.min} to {offer.disk.max} GB" in refused.text()
    assert emulator.requests.find("primeintellect", "POST", "/api/v1/pods*") == []

    stack.set_config("cloudId", "no-such-offer")
    stack.set_config("diskSize", str(offer.disk.default))
    refused = stack.preview(expect_failure=True)
    assert "cloud_id" in refused.text() and "get_availability" in refused.text()

    emulator.primeintellect.set_capacity(5, cloud_id=offer.cloud_id)
    stack.set_config("cloudId", offer.cloud_id)
    assert stack.preview().ops() == {"pod": "create"}
    stack.up()
    recorded = stack.outputs()["offer"]
    assert (recorded["cloud_id"], recorded["data_center_id"]) == (offer.cloud_id, offer.center.id)


def test_no_capacity_tries_the_next_offer(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("primeintellect-pod", config={"gpuType": "L40S_48GB"})
    emulator.primeintellect.set_capacity(0, gpu_type="L40S_48GB")
    refused = stack.up(expect_failure=True)
    assert "no Prime Intellect offer in stock" in refused.text()
    assert emulator.is_empty()

    emulator.primeintellect.set_capacity(3, gpu_type="L40S_48GB")
    # The cheapest offer fills up between listing and creating: one refused create, then
    # the next offer.
    emulator.faults.add(
        cloud="primeintellect",
        method="POST",
        path="/api/v1/pods*",
        status=400,
        body={"detail": "No capacity: the offer is out of stock"},
    )
    stack.up()
    assert len(emulator.requests.find("primeintellect", "POST", "/api/v1/pods*")) == 2
    assert len(_pods(emulator)) == 1


def test_many_pod_waits_share_one_status_request(cloud_stack, emulator: Emulator) -> None:
    count = 16
    emulator.primeintellect.set_capacity(50, gpu_type="A6000_48GB")
    stack = cloud_stack("primeintellect-fleet", config={"pods": str(count)})
    stack.up(parallel=64)
    assert len(_pods(emulator)) == count
    waits = emulator.primeintellect.waits
    assert waits.max_overlap() == count, "every pod must be waited on at the same time"

    statuses = emulator.requests.find("primeintellect", "GET", "/api/v1/pods/status*")
    single = [
        r
        for r in emulator.requests.find("primeintellect", "GET", "/api/v1/pods/*")
        if r.path.count("/") == 4 and not r.path.endswith(("/", "/status", "/history"))
    ]
    window = statuses[-1].at - statuses[0].at
    intervals = window / float(POLL_SECONDS)
    ids = [len(parse_qs(r.query)["pod_ids"]) for r in statuses]
    # O(1) per poll interval: at most about one request per interval for all pods,
    # where per-pod polling would cost `count` per interval.
    assert len(statuses) <= intervals * 1.5 + 3, (len(statuses), intervals)
    assert len(statuses) < count * intervals / 4
    assert max(ids) == count, "one request must carry every waiting pod"
    assert len(single) == count, "each pod is read once, after it is ready"

    stack.destroy()
    assert emulator.is_empty()


def test_a_replacement_with_no_offer_is_refused_at_preview(cloud_stack, emulator: Emulator) -> None:
    """The pod holds a disk, so its replacement deletes it first: with no offer in stock
    for the new inputs, nothing would run afterwards. Preview refuses; the pod stays."""
    stack = cloud_stack("primeintellect-h100")
    stack.up()
    (pod_id,) = _pods(emulator)
    # A price ceiling below every offer is refused by the rule of every priced kind.
    stack.set_config("maxPricePerHour", "0.05")
    refused = stack.preview(expect_failure=True).text()
    assert "max_price_per_hour" in refused and "below every offer" in refused
    stack.remove_config("maxPricePerHour")
    emulator.primeintellect.set_capacity(0, gpu_type="A100_80GB")
    stack.set_config("gpuType", "A100_80GB")
    refused = stack.preview(expect_failure=True).text()
    assert "cannot be replaced (gpu_type changed)" in refused
    assert "leaving nothing running" in refused and "no 1x A100_80GB offer" in refused
    assert stack.up(expect_failure=True).ok is False
    assert _pods(emulator) == [pod_id], "the running pod was not touched"
