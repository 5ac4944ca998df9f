"""Celium end to end: the real pulumi CLI driving the emulated Celium API over HTTP."""

from __future__ import annotations

import pytest

from pulumi_gpu.emulator import Emulator
from tests.e2e.conftest import CELIUM_KEY, SSH_KEY

pytestmark = pytest.mark.e2e


def _pods(emulator: Emulator) -> list[str]:
    return emulator.leftovers()["celium"]["pods"]


def test_quickstart_lifecycle(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY})

    preview = stack.preview()
    assert preview.ops() == {"vllm": "create", "pod": "create"}
    assert emulator.is_empty(), "preview must not create anything"

    assert stack.up().ops() == {"vllm": "create", "pod": "create"}
    outputs = stack.outputs()
    assert outputs["ssh"].startswith("ssh root@")
    assert set(outputs["ports"]) == {"22", "8000"}
    assert outputs["ssh"].endswith(f"-p {outputs['ports']['22']}")
    assert "A100" in outputs["gpu"]
    (pod_id,) = _pods(emulator)
    assert emulator.celium.get_pod(CELIUM_KEY, pod_id)["status"] == "RUNNING"
    facts = stack.resources()["pod"]["outputs"]
    assert facts["machine"]["cpu"] and facts["machine"]["ram_gb"] > 0
    assert facts["machine"]["gpu_driver"] and facts["tier"] in ("secure", "spot")
    assert len(facts["runtime"]["gpu_util"]) == facts["gpu_count"], "one figure per GPU"

    assert stack.preview().ops() == {}, "an unchanged program must preview no changes"

    # A selector the rented machine still satisfies changes nothing.
    stack.set_config("maxPricePerHour", str(outputs["cost_per_hour"] + 0.5))
    assert stack.preview().ops() == {}

    # Renaming the pod is an in-place update of the same pod.
    stack.set_config("podName", "renamed-pod")
    assert stack.preview().ops() == {"pod": "update"}
    assert stack.up().ops() == {"pod": "update"}
    assert _pods(emulator) == [pod_id]
    assert emulator.celium.get_pod(CELIUM_KEY, pod_id)["pod_name"] == "renamed-pod"

    # Another GPU model replaces the pod (and only the pod).
    stack.set_config("gpuModel", "H100")
    stack.remove_config("maxPricePerHour")
    assert stack.preview().ops() == {"pod": "replace"}
    assert stack.up().ops() == {"pod": "replace"}
    (new_pod_id,) = _pods(emulator)
    assert new_pod_id != pod_id
    assert "H100" in stack.outputs()["gpu"]

    # Deleted behind Pulumi's back: refresh drops it from the state.
    emulator.celium.remove_pod(new_pod_id)
    stack.refresh()
    assert set(stack.resources()) == {"vllm"}
    assert stack.preview().ops() == {"pod": "create"}

    assert stack.destroy().ops() == {"vllm": "delete"}
    assert emulator.is_empty()
    assert CELIUM_KEY not in stack.export_text()


def test_image_change_replaces_template_and_its_pods(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY})
    stack.up()
    stack.set_config("imageTag", "v2")
    assert stack.preview().ops() == {"vllm": "replace", "pod": "replace"}
    stack.up()
    assert len(emulator.leftovers()["celium"]["templates"]) == 1
    assert len(_pods(emulator)) == 1


def test_failed_verification_fails_cleanly(cloud_stack, emulator: Emulator) -> None:
    # An image whose name shows it cannot verify (alpine) is refused at preview; this one
    # fails in Celium's own check.
    emulator.celium.failing_images.add("acme/custom")
    config = {"sshPublicKey": SSH_KEY, "image": "acme/custom", "imageTag": "1.0"}
    stack = cloud_stack("celium-quickstart", config=config)
    result = stack.up(expect_failure=True)
    assert "VERIFY_FAILED" in result.text()
    assert "Debian/Ubuntu-based" in result.text(), "the verification logs must be shown"
    assert "Traceback" not in result.text()
    assert emulator.is_empty(), "the failed template must be deleted"
    assert stack.resources() == {}


def test_failed_pod_is_removed_and_reported(cloud_stack, emulator: Emulator) -> None:
    emulator.celium.fail_next_pods.append("nvidia-smi: driver/library version mismatch")
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY})
    result = stack.up(expect_failure=True)
    assert "driver/library version mismatch" in result.text()
    assert "was deleted" in result.text()
    assert _pods(emulator) == [], "a failed pod must not be left renting"
    assert set(stack.resources()) == {"vllm"}


@pytest.mark.parametrize("fault", [{"drop": True}, {"status": 500}], ids=["dropped", "500"])
def test_lost_rent_answer_rents_one_pod(cloud_stack, emulator: Emulator, fault) -> None:
    emulator.faults.add(
        cloud="celium", method="POST", path="/executors/*/rent", after_action=True, **fault
    )
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY})
    stack.up()
    rents = emulator.requests.find("celium", "POST", "/executors/*/rent")
    assert len(rents) == 1, "the create must not be sent twice"
    (pod_id,) = _pods(emulator)
    assert stack.resources()["pod"]["id"] == pod_id


def test_rate_limits_and_server_errors_are_ridden_out(cloud_stack, emulator: Emulator) -> None:
    emulator.faults.add(cloud="celium", method="GET", status=429, retry_after=1, times=2)
    emulator.faults.add(cloud="celium", method="POST", path="/templates", status=429, times=1)
    emulator.faults.add(cloud="celium", method="GET", path="/pods/*", status=503, times=2)
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY})
    stack.up()
    assert len(_pods(emulator)) == 1
    assert len(emulator.requests.find("celium", "POST", "/templates")) == 2


def test_sixteen_pods_wait_concurrently(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("celium-fleet", config={"sshPublicKey": SSH_KEY, "pods": "16"})
    # The CLI runs GOMAXPROCS*4 operations at once by default; ask for more, as a user
    # with a big fleet would (`pulumi up --parallel 64`).
    stack.up(parallel=64)
    assert len(_pods(emulator)) == 16
    waits = emulator.celium.waits
    assert len(waits.records()) == 16
    assert waits.max_overlap() == 16, "all 16 pods must be waited on at the same time"
    stack.destroy()
    assert emulator.is_empty()


def test_bad_inputs_fail_preview_before_reaching_the_cloud(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY, "imageTag": "bad!"})
    text = stack.preview(expect_failure=True).text()
    assert "property docker_image_tag value {bad!} has a problem: String should match" in text

    stack.set_config("imageTag", "v1")
    stack.set_config("sshPublicKey", "not-a-key")
    stack.set_config("gpuCount", "0")
    text = stack.preview(expect_failure=True).text()
    assert "ssh_public_keys[0] is not an OpenSSH public key" in text
    assert "selector.gpu_count" in text and "greater than or equal to 1" in text
    assert "Traceback" not in text
    assert [r for r in emulator.requests.find("celium") if r.method != "GET"] == []


def test_destroy_after_an_out_of_band_delete(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY})
    stack.up()
    (pod_id,) = _pods(emulator)
    emulator.celium.remove_pod(pod_id)
    assert stack.destroy().ops() == {"pod": "delete", "vllm": "delete"}
    assert emulator.is_empty()


def test_a_replacement_rents_the_machine_its_predecessor_frees(
    cloud_stack, emulator: Emulator
) -> None:
    """The old pod holds the machine the new one wants (the cheapest match, or a pinned
    executor): it is deleted first, and the replacement rents that same machine."""
    stack = cloud_stack("celium-quickstart", config={"sshPublicKey": SSH_KEY, "gpuModel": "4090"})
    stack.up()
    rented = stack.resources()["pod"]["outputs"]["rented_executor_id"]

    stack.set_config("imageTag", "v2")  # a new template, so a new pod
    assert stack.up().ops() == {"vllm": "replace", "pod": "replace"}
    assert stack.resources()["pod"]["outputs"]["rented_executor_id"] == rented, "not dearer"

    stack.set_config("executorId", rented)
    assert stack.preview().ops() == {}, "pinning the machine it runs on changes nothing"
    stack.set_config("imageTag", "v3")
    assert stack.up().ops() == {"vllm": "replace", "pod": "replace"}
    (pod_id,) = _pods(emulator)
    assert emulator.celium.get_pod(CELIUM_KEY, pod_id)["executor"]["id"] == rented


def test_replacing_a_pod_from_an_image_leaves_its_predecessors_template_alone(
    fleet_stack, emulator: Emulator
) -> None:
    """A pod given an image runs on a one-time template of its name. The replacement is
    made while its predecessor still runs on that template: it must neither adopt it (it
    goes with the old pod) nor delete it from under the old pod."""
    fleet = f"""
pods:
  worker:
    cloud: celium
    image: daturaai/pytorch:2.4
    selector: {{gpu_model: A100}}
    ssh_public_keys: ["{SSH_KEY}"]
"""
    stack = fleet_stack(fleet)
    stack.up()
    for change in ("gpu_model: A100", "gpu_model: H100"), ("pytorch:2.4", "pytorch:2.5"):
        (old_template,) = emulator.leftovers()["celium"]["templates"]
        fleet = fleet.replace(*change)
        stack.write_file("fleet.yaml", fleet)
        done = stack.up()
        assert done.ops() == {"worker": "replace"}, change
        assert "earlier run" not in done.stdout, "the live predecessor's template is no leftover"
        (pod_id,) = _pods(emulator)
        assert stack.resources()["worker"]["id"] == pod_id
        pod = emulator.celium.get_pod(CELIUM_KEY, pod_id)
        tag = "2.5" if "pytorch:2.5" in fleet else "2.4"
        assert pod["status"] == "RUNNING" and pod["template"]["docker_image_tag"] == tag
        (template,) = emulator.leftovers()["celium"]["templates"]
        assert template != old_template, "a template of its own; the old one went with its pod"
    stack.destroy()
    assert emulator.is_empty()
