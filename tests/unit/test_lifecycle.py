"""Create once when answers are lost; leave nothing behind when a wait fails."""

from __future__ import annotations

import pytest

from pulumi_gpu.core.errors import GpuCloudError, InvalidRequestError, ServerError, WaitTimeout
from pulumi_gpu.core.lifecycle import cleanup_on_failure, create_once


def lost(status: int = 500) -> ServerError:
    return ServerError("x", "POST", "/pods", status, "boom", outcome_unknown=True)


def test_lost_answer_adopts_the_object_it_made() -> None:
    cloud = ["old"]

    def create() -> str:
        cloud.append("new-1")
        raise lost()

    made = create_once("pod", create, existing=lambda: list(cloud), ident=str, sleep=lambda _: None)
    assert made == "new-1"
    assert cloud == ["old", "new-1"]


def test_lost_answer_with_nothing_made_raises_the_original_error() -> None:
    def create() -> str:
        raise lost()

    with pytest.raises(ServerError):
        create_once("pod", create, existing=list, ident=str, sleep=lambda _: None, attempts=2)


def test_refused_create_is_not_looked_for() -> None:
    calls = []

    def existing() -> list[str]:
        calls.append(1)
        return []

    def create() -> str:
        raise InvalidRequestError("x", "POST", "/pods", 400, "bad")

    with pytest.raises(InvalidRequestError):
        create_once("pod", create, existing=existing, ident=str)
    assert len(calls) == 1, "only the snapshot before creating"


def test_two_new_objects_are_not_guessed_between() -> None:
    cloud: list[str] = []

    def create() -> str:
        cloud.extend(["a-new", "b-new"])
        raise lost()

    with pytest.raises(GpuCloudError, match="several new objects"):
        create_once("pod", create, existing=lambda: list(cloud), ident=str, sleep=lambda _: None)


def test_failed_wait_deletes_then_raises_with_the_id() -> None:
    deleted = []

    def wait() -> str:
        raise WaitTimeout("pod p not ready")

    with pytest.raises(WaitTimeout, match="pod-1 was deleted"):
        cleanup_on_failure("pod p", "pod-1", wait, lambda: deleted.append("pod-1"))
    assert deleted == ["pod-1"]


def test_failed_cleanup_says_to_delete_by_hand() -> None:
    def wait() -> str:
        raise WaitTimeout("pod p not ready")

    def delete() -> None:
        raise ServerError("x", "DELETE", "/pods/1", 503, "down")

    with pytest.raises(GpuCloudError, match="delete it by hand"):
        cleanup_on_failure("pod p", "pod-1", wait, delete)
