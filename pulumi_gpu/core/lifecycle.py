"""One lifecycle for every kind: obtain once, wait on phases, converge, clean up, delete.

A kind (a :class:`~pulumi_gpu.core.provider.GpuProvider` subclass) declares what only
it knows - how to find its cloud object by its deterministic name, create it, read it,
map its statuses to phases, stop/start it, delete it. The functions here run the rest,
the same way for every kind, so each promise is kept once:

- :func:`obtain` looks before **every** create: an object a killed or interrupted run
  left behind (same name, not held by the state) is adopted, a failed one is deleted;
  a create whose answer was lost is looked for before it is made again;
- :class:`Watch` follows one object: ``until`` polls with a deadline that holds
  through HTTP retries, stops at once on failed, stopped-after-moving or vanished, and
  names the last status seen; ``converge`` starts or stops it to the phase its inputs
  ask for; ``ready_or_discarded`` deletes what a failed create made (Pulumi records
  nothing for a failed create, so it would bill unseen), naming the cloud id;
- :func:`delete_and_wait` treats "already gone" as done and waits until it is;
  :func:`confirm_gone` lets a refresh forget a vanished object only for the account
  that made it.

:data:`claims` remembers which cloud objects this process knows are spoken for: held
by the state (seen in diff, read, update or delete) or made by a create. Those are
never adopted by another create: a replacement made before its predecessor is deleted
has the same name, and must not adopt it.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pulumi_gpu.core.batching import BatchPoller
from pulumi_gpu.core.config import shared_client
from pulumi_gpu.core.errors import (
    ApiError,
    CloudReportedFailure,
    EngineGone,
    ForeignObject,
    GpuCloudError,
    NotFoundError,
    RecordedFailure,
    ResourceFailed,
    TransportError,
    WaitError,
    WaitTimeout,
)
from pulumi_gpu.core.http import deadline
from pulumi_gpu.core.identity import Verdict, Whose
from pulumi_gpu.core.inputs import differing
from pulumi_gpu.core.listing import SharedListing
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Observed, Phase
from pulumi_gpu.core.ssh import ssh_banner
from pulumi_gpu.core.waiting import PollPolicy, wait_for
from pulumi_gpu.core.workers import engine_gone

if TYPE_CHECKING:
    from pulumi_gpu.core.provider import GpuProvider

ObjT = TypeVar("ObjT")
RecordT = TypeVar("RecordT")

CREATE_ATTEMPTS = 3
"""Creates sent, in all, when their answers are lost and nothing they made is found."""
MISSES_FOR_GONE = 2
"""Looks in a row that find nothing before an object seen earlier counts as gone."""
CLEAR_PENDING = "pulumi refresh --clear-pending-creates --yes"
"""What clears the creates a killed run left pending in the state (only the engine can)."""
STATUS_BATCH = 50
"""Ids per request to a batched status endpoint (they travel in the query string)."""


class Claims:
    """Cloud object ids this process knows are spoken for, per kind (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[tuple[str, str]] = set()
        self._naming: dict[tuple[str, str], threading.Lock] = {}
        self._replaced_adoptions: set[tuple[str, str]] = set()

    def hold(self, kind: str, object_id: str) -> None:
        with self._lock:
            self._held.add((kind, object_id))

    def held(self, kind: str, object_id: str) -> bool:
        with self._lock:
            return (kind, object_id) in self._held

    def replacing_adopted(self, kind: str, adopt_id: str) -> None:
        """A resource that adopted ``adopt_id`` is being replaced: its next create (the
        replacement, with the same inputs) makes a new object instead of adopting."""
        with self._lock:
            self._replaced_adoptions.add((kind, adopt_id))

    def adoption_replaced(self, kind: str, adopt_id: str) -> bool:
        with self._lock:
            return (kind, adopt_id) in self._replaced_adoptions

    @contextmanager
    def naming(self, kind: str, name: str) -> Iterator[None]:
        """Serialize creates of one name: two resources given the same name by mistake
        must not adopt each other's object between a look and a create."""
        with self._lock:
            lock = self._naming.setdefault((kind, name), threading.Lock())
        with lock:
            yield


claims = Claims()


# -- creating --------------------------------------------------------------------------


@dataclass(frozen=True)
class Obtained(Generic[ObjT]):
    """The object a create goes on with."""

    obj: ObjT
    left: dict[str, Any] | None = None
    """For an object an earlier run made whose inputs changed since: its values as it is
    (the create applies the in-place differences); None otherwise."""


def obtain(provider: GpuProvider[Any, ObjT], inputs: Any, what: str) -> Obtained[ObjT]:
    """The cloud object for a create of ``inputs``: an earlier run's, if it made one for
    this resource, else created, exactly once even when answers are lost."""
    kind = provider.kind
    with claims.naming(kind, what):
        left = left_behind(provider, inputs, what)
        if left is not None:
            return left
        token = uuid.uuid4().hex
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                made = provider.create_object(inputs, token)
            except (ApiError, TransportError) as exc:
                if not exc.outcome_unknown:
                    raise
                report(f"{what}: no clear answer to the create ({exc}); looking for what it made")
                found = _look_for(provider, inputs, provider.look_for_lost)
                if found is not None:
                    report(f"{what}: adopted {provider.object_id(found)}, made by that create")
                    return Obtained(_hold(provider, found))
                if attempt == CREATE_ATTEMPTS:
                    raise GpuCloudError(
                        f"{what}: {attempt} creates went unanswered and nothing they made is "
                        f"visible after {provider.look_for_lost:.0f} s ({exc}). If an object "
                        "appears later, the next `pulumi up` adopts it rather than making "
                        "another"
                    ) from exc
                report(f"{what}: nothing was made; creating again")
                continue
            return Obtained(_hold(provider, made))
    raise AssertionError("unreachable")  # pragma: no cover


def left_behind(provider: GpuProvider[Any, ObjT], inputs: Any, what: str) -> Obtained[ObjT] | None:
    """The object an interrupted run made for this resource, if it is still what the
    inputs declare: adopted as it is, or with the in-place differences to apply. One that
    a change of the inputs since would replace is deleted, and a new one made."""
    live = leftover(provider, inputs, what)
    if live is None:
        return None
    object_id = provider.object_id(live)
    news = inputs.model_dump()
    found = provider.as_found(live, news)
    changed, replaces = provider.changes(found, news)
    if replaces:
        report(
            f"{what}: deleting {object_id}, made by an earlier run that did not finish, for other "
            f"inputs ({differing(provider.inputs_model, replaces, found, news)}); making it anew"
        )
        delete_and_wait(provider, object_id, found, what)
        return None
    report(
        f"{what}: adopting {object_id}, made by an earlier run that did not finish (it is "
        "not made twice)" + ("; applying what the inputs changed since" if changed else "")
    )
    report(
        f"{what}: the state still lists that run's create as pending (the engine warns of it "
        f"at every run); once this update is done, `{CLEAR_PENDING}` clears it"
    )
    return Obtained(_hold(provider, live), found if changed else None)


def leftover(provider: GpuProvider[Any, ObjT], inputs: Any, what: str) -> ObjT | None:
    """The live object of this resource that an interrupted run made and no state holds,
    without claiming it; failed ones found are deleted. An object of this name that is not
    provably this resource's (see ``identity``) stops the run: it is never adopted,
    changed or deleted."""
    live = []
    for obj in provider.find(inputs):
        object_id = provider.object_id(obj)
        if claims.held(provider.kind, object_id):
            continue
        seen = provider.observe(obj)
        if seen.phase in (Phase.GONE, Phase.DELETING):
            continue
        verdict = provider.ownership(obj, getattr(inputs, "name", None), inputs.owner)
        if verdict.whose is not Whose.OURS:
            raise _not_ours(provider, object_id, verdict, what)
        broken = seen.phase is Phase.FAILED or (
            seen.phase is Phase.STOPPED and not provider.startable
        )
        if broken:
            report(f"{what}: deleting {object_id} ({seen.status}), left by an earlier run")
            delete_and_wait(provider, object_id, {}, what)
        else:
            live.append(obj)
    if len(live) > 1:
        ids = ", ".join(sorted(provider.object_id(o) for o in live))
        raise GpuCloudError(
            f"{what}: {len(live)} objects of this resource exist that no stack holds ({ids}); "
            "delete all but one and run again"
        )
    return live[0] if live else None


def _not_ours(
    provider: GpuProvider[Any, Any], object_id: str, verdict: Verdict, what: str
) -> GpuCloudError:
    """Why a create stops at an object of its name that is not provably its own."""
    if verdict.whose is Whose.FOREIGN:
        return ForeignObject(
            f"{what}: {provider.kind} {object_id} has this name but bears the mark of another "
            f"pulumi-gpu resource ({verdict.mark}: another stack's, or another resource's of "
            "this one); it is never adopted, changed or deleted. Give this resource another "
            "name"
        )
    return ForeignObject(
        f"{what}: a {provider.kind} of this name exists ({object_id}) that this resource "
        "cannot prove it made: it bears no pulumi-gpu mark (made by hand, by another tool, "
        "or by pulumi-gpu before 0.2.0), so it is never adopted, changed or deleted as a "
        f"leftover. If it is this resource's, take it over with adopt_id={object_id!r}; "
        "otherwise give this resource another name"
    )


def _look_for(provider: GpuProvider[Any, ObjT], inputs: Any, patience: float) -> ObjT | None:
    """Poll ``find`` for up to ``patience`` seconds for an object no one holds that bears
    no other owner's mark (none was there before the create: what shows now is its)."""
    end = time.monotonic() + patience
    for interval in PollPolicy(first=0.5, longest=5.0).intervals():
        for obj in provider.find(inputs):
            free = not claims.held(provider.kind, provider.object_id(obj))
            verdict = provider.ownership(obj, getattr(inputs, "name", None), inputs.owner)
            if (
                free
                and verdict.whose is not Whose.FOREIGN
                and provider.observe(obj).phase not in (Phase.GONE, Phase.DELETING)
            ):
                return obj
        left = end - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(interval, left))
    raise AssertionError("unreachable")  # pragma: no cover


def _hold(provider: GpuProvider[Any, ObjT], obj: ObjT) -> ObjT:
    claims.hold(provider.kind, provider.object_id(obj))
    return obj


# -- following one object ------------------------------------------------------------


class Watch(Generic[ObjT]):
    """One cloud object being followed: the latest look at it, and whether the cloud has
    shown it yet (a queued create may not be readable for a while)."""

    def __init__(
        self, provider: GpuProvider[Any, ObjT], obj: ObjT, state: Mapping[str, Any], what: str
    ) -> None:
        """``obj``: the object as created, adopted or read (``seen`` unless the cloud has
        not carried the create out yet)."""
        self.provider = provider
        self.current = obj
        self.state = state
        self.object_id = provider.object_id(obj)
        self.what = what if self.object_id in what else f"{what} ({self.object_id})"
        self.seen = provider.made(obj) is True
        self._misses = 0
        self._born = time.monotonic()

    def until(self, *targets: Phase, timeout: float) -> ObjT:
        """Wait until the object is in one of ``targets`` (READY, STOPPED, ENDED) and
        return it.

        Fails at once when it fails, vanishes (once seen, or ``visible_after`` seconds
        after it was asked for), or stops after it had moved while READY is wanted.
        """
        provider = self.provider
        moved = provider.observe(self.current).phase is not Phase.STOPPED

        def look() -> Observed[ObjT]:
            found = provider.watch(self.current, self.state)
            if found is None:
                return _not_found()
            self.current = found
            return provider.observe(found)

        def failure(seen: Observed[ObjT]) -> str | None:
            nonlocal moved
            if engine_gone():
                raise EngineGone(
                    f"{self.what}: the Pulumi engine exited while waiting; it could not record "
                    "the object, so it is deleted rather than left billing unseen"
                )
            if seen.phase is Phase.GONE:
                return self._gone()
            self._misses = 0
            self.seen = True
            if seen.phase is Phase.FAILED:
                reason = seen.reason or f"the cloud reports {seen.status}"
                raise CloudReportedFailure(
                    f"{self.what} failed with status {seen.status}: {reason}"
                )
            if seen.phase is Phase.DELETING:
                return "it is being deleted (outside Pulumi?)"
            if Phase.READY in targets and seen.phase is Phase.STOPPED and moved:
                return "it stopped before it was ready (stopped outside Pulumi?)"
            moved = moved or seen.phase is not Phase.STOPPED
            return None

        with deadline(time.monotonic() + timeout):
            seen = _poll(
                provider,
                self.object_id,
                look,
                self.what,
                ready=lambda s: s.phase in targets,
                failure=failure,
                timeout=timeout,
            )
        if seen.obj is not None:
            self.current = seen.obj
        else:  # a batched look carries only the status
            found = provider.watch(self.current, self.state)
            if found is None:
                raise GpuCloudError(f"{self.what} was {seen.status} but could not be read")
            self.current = found
        return self.current

    def _gone(self) -> str | None:
        if not self.seen and time.monotonic() - self._born < self.provider.visible_after:
            return None  # just asked for; not readable yet
        self._misses += 1
        if self.seen and self._misses < MISSES_FOR_GONE:
            return None
        return "it no longer exists (deleted outside Pulumi, or the cloud lost it)"

    def converge(self, inputs: Any, *, timeout: float) -> ObjT:
        """Bring the object to the phase ``inputs`` ask for: start or stop it, then wait."""
        provider = self.provider
        want = provider.desired_phase(inputs.model_dump())
        now = provider.observe(self.current).phase
        if want is Phase.READY and now is Phase.STOPPED:
            report(f"{self.what}: starting")
            provider.start_object(self.object_id, self.state)
        elif want is Phase.STOPPED and now in (Phase.READY, Phase.PENDING):
            report(f"{self.what}: stopping (the GPUs are released, the disks kept)")
            provider.stop_object(self.object_id, self.state)
        elif now is want:
            return self.current
        return self.until(want, timeout=timeout)

    def answering_ssh(self, inputs: Any, *, timeout: float) -> None:
        """Wait until a running machine's SSH port answers with an SSH banner, if its
        inputs ask (``wait_for_ssh``): running is not yet "you can log in"."""
        provider = self.provider
        if not getattr(inputs, "wait_for_ssh", False):
            return
        seen = provider.observe(self.current)
        endpoint = provider.ssh_endpoint(self.current, self.state)
        if seen.phase is not Phase.READY or endpoint is None:
            return
        host, port = endpoint

        def look() -> str | None:
            return ssh_banner(host, port, timeout=min(5.0, timeout))

        def gone_engine(_: str | None) -> str | None:
            if engine_gone():
                raise EngineGone(
                    f"{self.what}: the Pulumi engine exited while waiting for SSH; it could "
                    "not record the object, so it is deleted rather than left billing unseen"
                )
            return None

        try:
            wait_for(
                f"{self.what}: SSH at {host}:{port}",
                look,
                status=_banner_status,
                ready=_answered,
                failure=gone_engine,
                timeout=timeout,
            )
        except WaitTimeout:
            raise WaitTimeout(
                f"{self.what} is {seen.status}, but its SSH port {host}:{port} did not answer "
                f"with an SSH banner within {timeout:.0f} s (does the image run sshd? "
                "wait_for_ssh=false skips this check)"
            ) from None

    def discard(self) -> None:
        """Delete what a failed create made, once the cloud shows it (it may not yet)."""
        provider = self.provider
        end = time.monotonic() + provider.visible_after
        while (made := provider.made(self.current)) is None:
            if time.monotonic() >= end:
                raise GpuCloudError(
                    f"{self.what} was asked for but the cloud does not show it yet, so it "
                    "could not be deleted; if it appears, the next `pulumi up` adopts it "
                    "(or delete it by hand)"
                )
            time.sleep(1.0)
            found = provider.watch(self.current, self.state)
            if found is None and self.seen:
                return  # the cloud showed it being made, and has forgotten it since
            if found is not None:
                self.current, self.seen = found, True
        if made:
            delete_and_wait(provider, self.object_id, self.state, self.what)

    def ready_or_discarded(
        self,
        inputs: Any,
        *,
        timeout: float,
        record: Callable[[ObjT], RecordT],
        kept: Callable[[ObjT], dict[str, Any] | None] = lambda _: None,
    ) -> RecordT:
        """A new object brought to the phase its inputs ask for, and what ``record``
        makes of it; the object is deleted if any of that fails (Pulumi records nothing
        for a failed create: it would bill unseen). When it failed, what ``kept`` makes of
        its last look is raised with the failure, as :class:`RecordedFailure` (a front
        door that can keep a failed create's state records it).

        A job is done once it runs, or ended well (ENDED), or only once it ended when
        its inputs ask to wait for the end.
        """
        want = self.provider.desired_phase(inputs.model_dump())
        try:
            first = (Phase.ENDED,) if want is Phase.ENDED else (Phase.READY, Phase.ENDED)
            self.until(*first, timeout=timeout)
            if self.provider.observe(self.current).phase is not Phase.ENDED:
                self.current = self.provider.after_ready(self.current, inputs)
                self.converge(inputs, timeout=timeout)
                self.answering_ssh(inputs, timeout=timeout)
            recorded = record(self.current)
            if engine_gone():  # it became ready just as the engine died: never recorded
                raise EngineGone(
                    f"{self.what}: the Pulumi engine exited as it became ready; it could not "
                    "record the object, so it is deleted rather than left billing unseen"
                )
            return recorded
        except BaseException as failure:
            report(f"{self.what}: deleting it because it did not become ready")
            try:
                self.discard()
            except Exception as cleanup_error:
                raise GpuCloudError(
                    f"{failure}. Deleting {self.object_id} afterwards failed too "
                    f"({cleanup_error}): it may still exist and bill; delete it by hand"
                ) from failure
            if isinstance(failure, WaitError):
                said = f"{failure}; {self.object_id} was deleted"
                state = kept(self.current) if isinstance(failure, ResourceFailed) else None
                if state is not None:
                    raise RecordedFailure(said, self.object_id, state) from None
                raise type(failure)(said) from None
            raise


def confirm_gone(
    provider: GpuProvider[Any, Any], id_: str, state: Mapping[str, Any], what: str
) -> None:
    """A 404 drops the resource only for the account that made it (a refresh with another
    account's credentials must not forget an object that may still bill)."""
    made_by = state.get("account")
    now = provider.client().account()
    if made_by and made_by != now:
        raise GpuCloudError(
            f"{what} ({id_}) is not visible to the configured credentials ({now}), "
            f"which are not those that made it ({made_by}); it may still exist and bill. "
            "Refresh with the credentials of the account that made it; if it is really "
            "gone, remove it from the state with `pulumi state delete <its URN>`"
        )


def _poll(
    provider: GpuProvider[Any, ObjT],
    object_id: str,
    look: Callable[[], Observed[ObjT]],
    what: str,
    *,
    ready: Callable[[Observed[ObjT]], bool],
    failure: Callable[[Observed[ObjT]], str | None] = lambda _: None,
    timeout: float,
) -> Observed[ObjT]:
    """One wait: through the kind's batched poller if it has one, else by ``look``."""
    if not (provider.batched or provider.listed):
        return wait_for(what, look, status=_status, ready=ready, failure=failure, timeout=timeout)
    seen = poller_of(provider).wait(
        object_id,
        what,
        status=lambda s: _status(s or _not_found()),
        ready=lambda s: ready(s or _not_found()),
        failure=lambda s: failure(s or _not_found()),
        timeout=timeout,
    )
    return seen or _not_found()


def poller_of(provider: GpuProvider[Any, ObjT]) -> BatchPoller[Observed[ObjT]]:
    """The process's batched poller of a kind (one request per round for every wait).
    A status endpoint takes the ids in chunks; a listing answers for all at once."""
    return shared_client(
        ("watch", type(provider).__module__, type(provider).__qualname__),
        lambda: BatchPoller(
            provider.kind,
            provider.watch_many,
            batch_size=STATUS_BATCH if provider.batched else sys.maxsize,
        ),
    )


def listing_of(provider: GpuProvider[Any, ObjT]) -> SharedListing[ObjT]:
    """The process's shared listing of a kind (see ``GpuProvider.listed``)."""
    return shared_client(
        ("list", type(provider).__module__, type(provider).__qualname__),
        lambda: SharedListing(provider.list_objects),
    )


def _banner_status(banner: str | None) -> str:
    return banner or "no SSH banner yet"


def _answered(banner: str | None) -> bool:
    return banner is not None


def _not_found() -> Observed[Any]:
    return Observed(Phase.GONE, "not found")


def _status(seen: Observed[Any]) -> str:
    return seen.text


# -- deleting --------------------------------------------------------------------------


def delete_and_wait(
    provider: GpuProvider[Any, Any], object_id: str, state: Mapping[str, Any], what: str
) -> None:
    """Delete and wait until the cloud confirms; an object already gone is success."""
    try:
        provider.delete_object(object_id, state)
    except NotFoundError:
        return
    timeout = provider.wait_timeout(state)
    label = f"{what} ({object_id}) deletion" if object_id not in what else f"{what} deletion"

    def look() -> Observed[Any]:
        obj = provider.fetch(object_id, state)
        return provider.observe(obj) if obj is not None else _not_found()

    with deadline(time.monotonic() + timeout):
        _poll(
            provider,
            object_id,
            look,
            label,
            ready=lambda s: s.phase is Phase.GONE or provider.released(s),
            timeout=timeout,
        )
