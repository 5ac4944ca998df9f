"""What every emulated cloud provides to the emulator."""

from __future__ import annotations

import importlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from typing import Any, cast

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from pulumi_gpu.emulator.clock import SimClock
from pulumi_gpu.emulator.commands import Script
from pulumi_gpu.emulator.ssh_banners import LOOPBACK, Answer, BannerListeners, Object
from pulumi_gpu.emulator.state import CloudError, WaitTracker


class EmulatedCloud(ABC):
    """One cloud: its state and rules, its real API router, its admin controls.

    Subclasses set :attr:`name` (also the URL prefix) and live beside a ``routes``
    module with ``build_router`` (the cloud's real paths and shapes) and
    ``build_admin_router`` (controls under ``/_emulator/<name>``); they render errors
    the way the real cloud does.

    Every cloud takes each of its object :meth:`kinds` through the same out-of-band
    controls: :meth:`vanish`, :meth:`fail`, :meth:`stop`, :meth:`run` and :meth:`fail_next`.
    A cloud implements ``vanish``, ``fail``, ``stop`` and ``run`` for a kind as methods
    named ``_<control>_<kind>`` (e.g. ``_fail_pods(object_id, reason)``), and keeps the
    failures planned for the next objects of a kind in a list ``fail_next_<kind>`` that
    its create consumes. A kind without them has no such state (or no wait), and the
    control raises ``ValueError`` saying so. Controls run under the cloud's lock; an
    unknown object id raises the cloud's 404 :class:`CloudError`.

    :meth:`refuse_rents` arranges "no capacity" without emptying the catalog (a stale
    catalog): the cloud's pod create calls :meth:`_capacity_refusal` where it checks for
    capacity and, when it answers True, refuses with the cloud's own "no capacity" answer
    before making anything. A cloud that never refuses a create for capacity says why in
    :attr:`no_capacity_refusals`, and the control raises ``ValueError`` with it.

    SSH (with :attr:`banners`): a kind whose objects have an sshd (pods, GPU Dev jobs)
    defines ``_ssh_due_<kind>(object_id)``: when its banner is due (``math.inf``: its
    sshd is down now; None: the object is gone or deleted). The cloud reports
    :data:`LOOPBACK` and the port :meth:`_ssh_listen` gives as the object's SSH address,
    and calls :meth:`_ssh_created` when it creates one (:meth:`ssh_silent_next`).
    """

    name: str = "cloud"
    default_failure: str = "injected failure"
    """The reason :meth:`fail` and :meth:`fail_next` get over HTTP when none is given."""
    no_capacity_refusals: str | None = None
    """Why the cloud's creates are never refused for capacity (None: they can be, and
    :meth:`refuse_rents` applies)."""
    UNTIL_CLEARED = -1
    """A count for :meth:`refuse_rents`: every create is refused until cleared."""

    def __init__(
        self, clock: SimClock, *, seed: int = 0, banners: BannerListeners | None = None
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.banners = banners
        """Where the objects' SSH ports listen (None: no listeners, made-up addresses)."""
        self.lock = threading.RLock()
        self.waits = WaitTracker()
        self._refusals = 0
        self._ssh_silent: set[Object] = set()
        self._ssh_silent_next = 0
        self._clear()

    def router(self) -> APIRouter:
        """The cloud's API: ``build_router(self)`` of the ``routes`` module beside the backend."""
        return cast(APIRouter, self._routes().build_router(self))

    def admin_router(self) -> APIRouter:
        """Controls under ``/_emulator/<name>``: ``build_admin_router(self)`` of ``routes``."""
        return cast(APIRouter, self._routes().build_admin_router(self))

    def _routes(self) -> Any:
        package = type(self).__module__.rsplit(".", 1)[0]
        return importlib.import_module(f"{package}.routes")

    def reset(self) -> None:
        """Forget every object, planned failure and changed setting: the seeded start."""
        with self.lock:
            self.waits.clear()
            self._refusals = 0
            self._ssh_silent.clear()
            self._ssh_silent_next = 0
            self._clear()

    @abstractmethod
    def _clear(self) -> None:
        """Make the cloud's tables as they are at start (``__init__`` and :meth:`reset`)."""

    @abstractmethod
    def stack_config(self, base_url: str) -> tuple[dict[str, str], dict[str, str]]:
        """Stack configuration that points pulumi-gpu at this cloud on the emulator.

        Returns (plain settings, secret settings), e.g. the endpoint and an accepted key.
        """

    @abstractmethod
    def other_account(self) -> dict[str, str]:
        """Secret settings (the shape of :meth:`stack_config`'s second element) of a second,
        valid account that sees none of the first account's objects."""

    def refused_credentials(self) -> dict[str, dict[str, Any]]:
        """Credentials the cloud refuses on purpose, by name: ``secrets`` (the shape of
        :meth:`stack_config`'s second element, to set instead of those) and the
        ``refusal`` a login with them gets. None unless the cloud has some."""
        return {}

    @abstractmethod
    def leftovers(self) -> dict[str, list[str]]:
        """Ids of the objects that exist now, by kind (what a test expects to be empty)."""

    @abstractmethod
    def kinds(self) -> tuple[str, ...]:
        """The cloud's object kinds, named (and ordered) as in :meth:`leftovers`."""

    # -- out-of-band controls -----------------------------------------------------------

    def vanish(self, kind: str, object_id: str) -> None:
        """The object disappears at once, as if deleted in the cloud's web console: no
        deleting phase, its capacity released. It then reads the way the cloud shows a
        deleted object (404, or a terminal status where the cloud keeps deleted objects)."""
        with self.lock:
            self._control("vanish", kind, "cannot vanish")(object_id)

    def fail(self, kind: str, object_id: str, reason: str) -> None:
        """The object goes to the cloud's failure state now, with ``reason`` where the
        cloud shows one (logs, failure field)."""
        with self.lock:
            self._control("fail", kind, "have no failure state")(object_id, reason)

    def stop(self, kind: str, object_id: str) -> None:
        """The object is stopped out of band (the cloud's stopped state)."""
        with self.lock:
            self._control("stop", kind, "have no stopped state")(object_id)

    def run(
        self,
        kind: str,
        object_id: str,
        *,
        seconds: float | None,
        exit_code: int = 0,
        lines: Sequence[str] = (),
    ) -> None:
        """The object's current (or else next) run of its command is replaced: it prints
        ``lines`` at its start and ends ``seconds`` after it started (at once if that is
        past; None: never) with ``exit_code``, which the object then shows as usual."""
        script = Script.declared(seconds, exit_code, tuple(lines))
        with self.lock:
            self._control("run", kind, "run no command")(object_id, script)

    def fail_next(self, kind: str, reason: str) -> int:
        """The next object of ``kind`` created through the API fails during its wait
        (after its usual time in the pending state, not at once).

        Returns how many failures are now planned for that kind.
        """
        with self.lock:
            planned = self._part("fail_next", kind, "are ready when created: no wait to fail")
            planned.append(self._planned_failure(kind, reason))
            return len(planned)

    def refuse_rents(self, count: int) -> int:
        """The next ``count`` pod creates (:attr:`UNTIL_CLEARED`: every one until
        :meth:`clear_refusals`) that would have found capacity are refused with the cloud's
        own "no capacity" answer, before anything is made, while the catalog still shows
        the stock. Replaces the refusals pending before.

        Returns the refusals now pending (-1: until cleared).
        """
        if count < 1 and count != self.UNTIL_CLEARED:
            raise ValueError(f"count must be at least 1, or {self.UNTIL_CLEARED} (until cleared)")
        with self.lock:
            self._refusable()
            self._refusals = count
            return count

    def clear_refusals(self) -> None:
        """Forget the refusals :meth:`refuse_rents` arranged: creates find capacity again."""
        with self.lock:
            self._refusable()
            self._refusals = 0

    def _refusable(self) -> None:
        if self.no_capacity_refusals is not None:
            raise ValueError(f"{self.name} {self.no_capacity_refusals}")

    def _capacity_refusal(self) -> bool:
        """Whether the create being made is refused for capacity (:meth:`refuse_rents`); a
        refusal so answered is used up. Call it under the lock, once per create, where the
        create has found capacity and made nothing yet."""
        if self._refusals == 0:
            return False
        if self._refusals > 0:
            self._refusals -= 1
        return True

    # -- SSH banners (see the class docstring) -------------------------------------------

    def ssh_silent(self, kind: str, object_id: str) -> None:
        """The object's sshd never answers: its SSH port accepts and stays silent."""
        with self.lock:
            due = self._ssh_due(kind)(object_id)
            if due is None:
                raise CloudError(404, f"{self.name} {kind} {object_id} not found")
            self._ssh_silent.add((kind, object_id))

    def ssh_silent_next(self, count: int) -> int:
        """The sshd of the next ``count`` objects created (of any kind with SSH) never
        answers (0: none). Replaces the count pending before; returns it."""
        if count < 0:
            raise ValueError("count must not be negative")
        with self.lock:
            self._ssh_on()
            self._ssh_silent_next = count
            return count

    def ssh_answers(self, objects: Collection[Object]) -> dict[Object, Answer]:
        """How the SSH port of each (kind, id) answers now (the listeners ask)."""
        with self.lock:
            now = self.clock.now()
            answers: dict[Object, Answer] = {}
            for kind, object_id in objects:
                due = self._ssh_due(kind)(object_id)
                if due is None:
                    answers[kind, object_id] = Answer.CLOSED
                elif now < due or (kind, object_id) in self._ssh_silent:
                    answers[kind, object_id] = Answer.SILENT
                else:
                    answers[kind, object_id] = Answer.BANNER
            return answers

    def _ssh_host(self, made_up: str) -> str:
        """The host of an object's SSH address: :data:`LOOPBACK` with listeners, else
        ``made_up``."""
        return made_up if self.banners is None else LOOPBACK  # guess: every machine is here

    def _ssh_listen(self, kind: str, object_id: str, made_up: int) -> int:
        """The port of the object's SSH address: a new listener's, or else ``made_up``."""
        if self.banners is None:
            return made_up
        return self.banners.open(self, kind, object_id)

    def _ssh_created(self, kind: str, object_id: str) -> None:
        """An object with SSH was created: silent if :meth:`ssh_silent_next` said so."""
        if self._ssh_silent_next > 0:
            self._ssh_silent_next -= 1
            self._ssh_silent.add((kind, object_id))

    def _ssh_due(self, kind: str) -> Callable[[str], float | None]:
        self._ssh_on()
        return cast(Callable[[str], float | None], self._part("_ssh_due", kind, "have no SSH"))

    def _ssh_on(self) -> None:
        if self.banners is None:
            raise ValueError(f"{self.name}: SSH banners are off (Emulator(ssh_banners=False))")

    def _planned_failure(self, kind: str, reason: str) -> Any:
        """What ``fail_next_<kind>`` holds for ``reason``: the reason itself, by default."""
        return reason

    def _control(self, control: str, kind: str, missing: str) -> Callable[..., None]:
        return cast(Callable[..., None], self._part(f"_{control}", kind, missing))

    def _part(self, prefix: str, kind: str, missing: str) -> Any:
        """The attribute ``<prefix>_<kind>``, or ``ValueError`` (``missing`` says why)."""
        if kind not in self.kinds():
            raise ValueError(
                f"{self.name} has no object kind {kind!r}; its kinds: {', '.join(self.kinds())}"
            )
        found = getattr(self, f"{prefix}_{kind}", None)
        if found is None:
            raise ValueError(f"{self.name} {kind} {missing}")
        return found

    # -- error shapes ---------------------------------------------------------------------

    def render_error(self, error: CloudError) -> Response:
        """FastAPI's shape, ``{"detail": ...}``, unless the cloud has its own."""
        return JSONResponse({"detail": error.message, **error.extra}, error.status, error.headers)

    def render_validation_error(self, errors: list[dict[str, Any]]) -> Response:
        return JSONResponse({"detail": errors}, 422)
