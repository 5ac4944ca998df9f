"""RunPod end to end: the real pulumi CLI driving the emulated RunPod REST v2 API over HTTP."""

from __future__ import annotations

import pytest

from pulumi_gpu.emulator import Emulator
from tests.e2e.conftest import SSH_KEY

pytestmark = pytest.mark.e2e

RUNPOD_KEY = "runpod-emulator-key"
OWNER = "user_1"


def _pods(emulator: Emulator) -> list[str]:
    return emulator.leftovers()["runpod"]["pods"]


def _pod(emulator: Emulator, pod_id: str) -> dict:
    return emulator.runpod.get_pod(OWNER, pod_id)


def test_pod_lifecycle_with_stop_start_replace_and_drift(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack(
        "runpod-pod", config={"sshPublicKey": SSH_KEY, "pulumi-gpu:runpodKey": "a typo"}
    )

    preview = stack.preview()
    assert preview.ops() == {"data": "create", "trainer": "create"}
    assert emulator.is_empty(), "preview must not create anything"
    (typo,) = [m for s, m in preview.diagnostics if s == "warning" and "runpodKey" in m]
    assert "did you mean pulumi-gpu:runpodApiKey?" in typo

    assert stack.up().ops() == {"data": "create", "trainer": "create"}
    outputs = stack.outputs()
    (pod_id,) = _pods(emulator)
    pod = _pod(emulator, pod_id)
    assert pod["status"] == "RUNNING" and outputs["status"] == "ready"
    direct = pod["ssh"]["direct"]
    assert outputs["ssh"] == f"ssh root@{direct['host']} -p {direct['port']}"
    assert outputs["ports"] == {"22": direct["port"]}
    assert outputs["urls"] == {"8888": f"https://{pod_id}-8888.proxy.runpod.net"}
    assert outputs["gpu"] == "1x NVIDIA GeForce RTX 4090"
    assert outputs["cost_per_hour"] > 0
    assert outputs["data_center"] == "US-KS-2", "a pod runs where its network volume is"
    assert pod["env"]["PUBLIC_KEY"] == SSH_KEY
    assert pod["mounts"]["network"][0]["volumeId"] == outputs["volume"]["id"]

    exported = stack.export_text()
    assert '"runpod-pod-test-trainer-' in exported, "the export does hold the pod"
    assert RUNPOD_KEY not in exported, "the API key never reaches the state"
    assert "/workspace/hf" not in exported, "env values are kept encrypted"

    assert stack.preview().ops() == {}, "an unchanged program must preview no changes"

    # Stop in place: the GPUs are released, the pod and its volume stay.
    stack.set_config("desiredStatus", "stopped")
    assert stack.preview().ops() == {"trainer": "update"}
    assert stack.up().ops() == {"trainer": "update"}
    assert _pods(emulator) == [pod_id]
    assert _pod(emulator, pod_id)["status"] == "EXITED"
    stopped = stack.outputs()
    assert stopped["status"] == "stopped" and stopped["cost_per_hour"] == 0
    assert stopped.get("ssh") is None, "no SSH while stopped"
    assert stack.preview().ops() == {}

    # Start in place: the same pod runs again, reachable on new public ports.
    stack.set_config("desiredStatus", "running")
    assert stack.up().ops() == {"trainer": "update"}
    assert _pods(emulator) == [pod_id]
    assert _pod(emulator, pod_id)["status"] == "RUNNING"
    assert stack.outputs()["ssh"].startswith("ssh root@")

    # Another GPU type replaces the pod (and only the pod: the volume stays).
    stack.set_config("gpuType", "NVIDIA A100 80GB PCIe")
    assert stack.preview().ops() == {"trainer": "replace"}
    assert stack.up().ops() == {"trainer": "replace"}
    (new_id,) = _pods(emulator)
    assert new_id != pod_id
    assert stack.outputs()["gpu"] == "1x NVIDIA A100 80GB PCIe"

    # Stopped behind Pulumi's back: refresh records it, and up starts it again.
    emulator.runpod.stop_pod(new_id)
    stack.refresh()
    assert stack.resources()["trainer"]["outputs"]["status"] == "stopped"
    assert stack.preview().ops() == {"trainer": "update"}
    assert stack.up().ops() == {"trainer": "update"}
    assert _pod(emulator, new_id)["status"] == "RUNNING"

    # Terminated behind Pulumi's back: refresh drops it, and up creates a new one.
    emulator.runpod.remove_pod(new_id)
    stack.refresh()
    assert set(stack.resources()) == {"data"}
    assert stack.preview().ops() == {"trainer": "create"}

    assert stack.destroy().ops() == {"data": "delete"}
    assert emulator.is_empty()
    assert RUNPOD_KEY not in stack.export_text()


def test_volume_grows_in_place_and_refuses_shrink_and_unguarded_moves(
    cloud_stack, emulator: Emulator
) -> None:
    stack = cloud_stack("runpod-pod", config={"volumeSize": "50"})
    stack.up()
    (volume_id,) = emulator.leftovers()["runpod"]["network_volumes"]
    (pod_id,) = _pods(emulator)

    stack.set_config("volumeSize", "120")
    assert stack.preview().ops() == {"data": "update"}
    assert stack.up().ops() == {"data": "update"}
    assert emulator.runpod.get_volume(OWNER, volume_id)["size"] == 120
    assert _pods(emulator) == [pod_id], "growing the volume leaves the pod alone"

    stack.set_config("volumeSize", "100")
    shrink = stack.preview(expect_failure=True)
    assert "size_gb" in shrink.text() and "cannot shrink" in shrink.text()
    assert "keep size_gb >= 120" in shrink.text()
    assert "Traceback" not in shrink.text()
    stack.set_config("volumeSize", "120")

    stack.set_config("dataCenter", "EU-RO-1")
    moved = stack.preview(expect_failure=True)
    assert "changing data_center_id replaces this runpod NetworkVolume" in moved.text()
    assert "allow_replacement=true" in moved.text()
    stack.set_config("volumeType", "HIGH_PERFORMANCE")
    retyped = stack.preview(expect_failure=True)
    assert "changing type replaces" in retyped.text()
    assert emulator.runpod.get_volume(OWNER, volume_id)["dataCenter"] == "US-KS-2"

    # Asked for explicitly: the volume and the pod that mounts it move together.
    stack.set_config("allowVolumeReplacement", "true")
    assert stack.preview().ops() == {"data": "replace", "trainer": "replace"}
    stack.up()
    (new_volume,) = emulator.leftovers()["runpod"]["network_volumes"]
    assert new_volume != volume_id
    moved_volume = emulator.runpod.get_volume(OWNER, new_volume)
    assert (moved_volume["dataCenter"], moved_volume["type"]) == ("EU-RO-1", "HIGH_PERFORMANCE")
    assert stack.outputs()["data_center"] == "EU-RO-1"
    stack.destroy()
    assert emulator.is_empty()


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}], ids=["500", "dropped"])
def test_lost_create_answer_leaves_one_pod(cloud_stack, emulator: Emulator, fault) -> None:
    emulator.faults.add(cloud="runpod", method="POST", path="/v2/pods", after_action=True, **fault)
    stack = cloud_stack("runpod-pod")
    stack.up()
    assert len(emulator.requests.find("runpod", "POST", "/v2/pods")) == 1, "never sent twice"
    (pod_id,) = _pods(emulator)
    assert stack.resources()["trainer"]["id"] == pod_id
    assert _pod(emulator, pod_id)["status"] == "RUNNING"


def test_error_during_boot_leaves_nothing_running(cloud_stack, emulator: Emulator) -> None:
    emulator.runpod.fail_next_pods.append("CUDA error: no CUDA-capable device is detected")
    stack = cloud_stack("runpod-pod")
    result = stack.up(expect_failure=True)
    text = result.text()
    assert "failed with status ERROR" in text
    assert "CUDA error: no CUDA-capable device is detected" in text, "RunPod's own log says why"
    assert "was deleted" in text
    assert "Traceback" not in text
    assert _pods(emulator) == [], "a pod in ERROR must not be left billing"
    assert set(stack.resources()) == {"data"}, "the volume was created and is kept"
    assert stack.up().ops() == {"trainer": "create"}, "the next up tries again"


def test_no_capacity_is_refused_with_where_to_find_stock(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("runpod-pod", config={"gpuType": "NVIDIA H200"})
    result = stack.up(expect_failure=True)
    text = result.text()
    assert "There are no longer any instances available" in text
    assert "No data center has 1x NVIDIA H200 on SECURE now; in stock:" in text
    assert _pods(emulator) == []
    assert len(emulator.requests.find("runpod", "POST", "/v2/pods")) == 1


def test_created_stopped_when_asked(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("runpod-pod", config={"desiredStatus": "stopped"})
    assert stack.up().ops() == {"data": "create", "trainer": "create"}
    (pod_id,) = _pods(emulator)
    assert _pod(emulator, pod_id)["status"] == "EXITED"
    assert stack.outputs()["cost_per_hour"] == 0
    assert stack.preview().ops() == {}


def test_rate_limits_are_ridden_out(cloud_stack, emulator: Emulator) -> None:
    # A tight quota (8 requests per 2 s) plus a storm of injected 429s on reads.
    emulator.runpod.rate.configure("minute", 8, 2.0)
    emulator.faults.add(cloud="runpod", method="GET", status=429, retry_after=1, times=3)
    stack = cloud_stack("runpod-pod")
    stack.up()
    assert len(_pods(emulator)) == 1
    assert len(emulator.requests.find("runpod", "POST", "/v2/pods")) == 1
    log = emulator.requests.find("runpod")
    assert len([r for r in log if r.status == 429 and r.fault]) == 3, "the storm was ridden out"
    over_quota = [r for r in log if r.status == 429 and not r.fault]
    assert over_quota == [], "the client paces itself by the RateLimit header, never over quota"
    assert len([r for r in log if r.status != 429]) > 8, "more than one window's quota was used"


def test_template_updates_in_place_and_in_use_delete_is_explained(
    cloud_stack, emulator: Emulator
) -> None:
    stack = cloud_stack("runpod-template")
    assert stack.up().ops() == {"base": "create", "worker": "create"}
    template_id = stack.outputs()["template_id"]
    (pod_id,) = _pods(emulator)
    pod = _pod(emulator, pod_id)
    assert pod["image"] == "runpod/base:0.6.2-cuda12.4.1" and pod["template"] == template_id
    assert pod["env"]["MODE"] == "train" and pod["env"]["RUN"] == "1"
    assert pod["mounts"]["persistent"] == {"size": 20, "path": "/workspace"}
    stack.refresh()
    assert stack.preview().ops() == {}, "values from the template are not drift"

    stack.set_config("image", "runpod/base:0.7.0-cuda12.8.1")
    stack.set_config("disk", "80")
    assert stack.preview().ops() == {"base": "update"}
    stack.up()
    template = emulator.runpod.get_template(OWNER, template_id)
    assert (template["image"], template["disk"]) == ("runpod/base:0.7.0-cuda12.8.1", 80)
    assert _pod(emulator, pod_id)["image"] == "runpod/base:0.6.2-cuda12.4.1", "pods are snapshots"

    # The pod's own env updates in place and keeps the variables the template set.
    stack.set_config("run", "2")
    assert stack.up().ops() == {"worker": "update"}
    env = _pod(emulator, pod_id)["env"]
    assert (env["RUN"], env["MODE"]) == ("2", "train")

    stray = emulator.runpod.create_pod(
        OWNER, {"name": "by-hand", "gpu": {"id": "NVIDIA RTX A6000"}, "templateId": template_id}
    )
    result = stack.destroy(expect_failure=True)
    assert f"runpod template {template_id} cannot be deleted while pods use it" in result.text()
    assert f"by-hand ({stray['id']})" in result.text()
    assert set(stack.resources()) == {"base"}
    emulator.runpod.delete_pod(OWNER, stray["id"])
    stack.destroy()
    assert emulator.is_empty()


def test_sixteen_pods_wait_concurrently(cloud_stack, emulator: Emulator) -> None:
    stack = cloud_stack("runpod-fleet", config={"pods": "16"})
    stack.up(parallel=64)
    assert stack.outputs()["gpu"] == "NVIDIA GeForce RTX 4090", "picked from the catalog"
    assert len(_pods(emulator)) == 16
    waits = emulator.runpod.waits
    assert len(waits.records()) == 16
    assert waits.max_overlap() == 16, "all 16 pods must be waited on at the same time"
    assert len(set(stack.outputs()["ssh"].values())) == 16
    stack.destroy()
    assert emulator.is_empty()
