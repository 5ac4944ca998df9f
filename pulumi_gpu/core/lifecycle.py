"""Creating exactly once and leaving nothing behind.

Two rules of money, shared by every cloud:

- :func:`create_once`: a create whose answer was lost (a 5xx or a dropped connection
  after the request went out) may still have made the object. Before creating, note
  which matching objects already exist; after an unknown outcome, adopt the one new
  object that appeared instead of creating a second.
- :func:`cleanup_on_failure`: when a wait after a create fails, Pulumi records
  nothing, so the object would keep billing unseen. Delete it before raising, and say
  so (or say what to delete by hand if even that fails).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from pulumi_gpu.core.errors import ApiError, GpuCloudError, TransportError, WaitError
from pulumi_gpu.core.log import report

T = TypeVar("T")

_claimed: set[str] = set()
_claimed_lock = threading.Lock()


def create_once(
    what: str,
    create: Callable[[], T],
    *,
    existing: Callable[[], Iterable[T]],
    ident: Callable[[T], str],
    attempts: int = 5,
    delay: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``create``; if its outcome is unknown, adopt the object it made, if any.

    ``existing`` lists the objects the create could have made (same name, say); it is
    called once before creating and again after an unknown outcome. Objects adopted or
    created by other creates in this process are never adopted twice.
    """
    before = {ident(obj) for obj in existing()}
    try:
        made = create()
    except (ApiError, TransportError) as exc:
        if not exc.outcome_unknown:
            raise
        report(f"{what}: the answer to the create was lost ({exc}); looking for what it made")
        for attempt in range(attempts):
            with _claimed_lock:
                new = [o for o in existing() if ident(o) not in before | _claimed]
                if len(new) == 1:
                    _claimed.add(ident(new[0]))
                    report(f"{what}: adopted {ident(new[0])}, which the lost create made")
                    return new[0]
            if len(new) > 1:
                ids = ", ".join(sorted(ident(o) for o in new))
                raise GpuCloudError(
                    f"{what}: the create's answer was lost and several new objects match "
                    f"({ids}); delete the ones you do not want and run again"
                ) from exc
            if attempt + 1 < attempts:
                sleep(delay)
        raise
    with _claimed_lock:
        _claimed.add(ident(made))
    return made


def cleanup_on_failure(
    what: str, object_id: str, wait: Callable[[], T], delete: Callable[[], None]
) -> T:
    """Return ``wait()``; if it raises, ``delete()`` the object first, then re-raise."""
    try:
        return wait()
    except BaseException as failure:
        report(f"{what}: deleting {object_id} because it did not become ready")
        try:
            delete()
        except Exception as cleanup_error:
            raise GpuCloudError(
                f"{failure}. Deleting {object_id} afterwards failed too ({cleanup_error}): "
                f"it may still exist and bill; delete it by hand"
            ) from failure
        if isinstance(failure, WaitError):
            raise type(failure)(f"{failure}; {object_id} was deleted") from None
        raise
