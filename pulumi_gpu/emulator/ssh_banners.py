"""Real SSH ports for emulated machines: a listener on 127.0.0.1 per object, which
greets with an SSH banner once the object's sshd is up.

A listener accepts at any time. Each connection is held open in silence, and the
object's cloud is asked every :data:`POLL` seconds how it answers (the clouds compute
their state from the clock when asked; nothing else moves it): :attr:`Answer.BANNER`
sends :data:`BANNER` and closes the sending side, :attr:`Answer.SILENT` keeps waiting,
:attr:`Answer.CLOSED` (the object is gone) closes the listener and its connections.
Every :data:`SWEEP` seconds each listener is asked too, so a gone object's port closes
even when nobody connects.

One daemon thread serves every listener with a selector. It starts with the first
listener and stops at :meth:`BannerListeners.close`; a socket it serves is only ever
closed by it.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

__all__ = ["BANNER", "LOOPBACK", "Answer", "BannerListeners", "Machines", "Object"]

LOOPBACK = "127.0.0.1"
BANNER = b"SSH-2.0-OpenSSH_9.6p1 pulumi-gpu-emulator\r\n"
POLL = 0.05
"""Real seconds between two looks at the state of an object someone is connected to."""
SWEEP = 0.5
"""Real seconds between two looks at every listener's object."""
BACKLOG = 64

log = logging.getLogger(__name__)

Object = tuple[str, str]
"""(kind, id) of an object in its cloud."""


class Answer(Enum):
    """How an object's SSH port answers now."""

    BANNER = "banner"
    """Its sshd is up: greet."""
    SILENT = "silent"
    """The machine is there but its sshd does not answer (yet): accept, say nothing."""
    CLOSED = "closed"
    """The object is gone: its port closes (connection refused)."""


class Machines(Protocol):
    """What owns listeners: an emulated cloud."""

    def ssh_answers(self, objects: Collection[Object]) -> dict[Object, Answer]: ...


@dataclass(eq=False)
class _Listener:
    owner: Machines
    object: Object
    sock: socket.socket
    port: int
    waiting: list[socket.socket] = field(default_factory=list)
    """Connections not greeted yet."""
    greeted: list[socket.socket] = field(default_factory=list)
    """Connections greeted, until the client hangs up."""


Key = tuple[Machines, str, str]


class BannerListeners:
    """Every SSH listener of one emulator (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[Key, _Listener] = {}
        self._closed: dict[Key, int] = {}
        """Ports :meth:`close` closed, which :meth:`reopen` listens on again."""
        self._loop: _Loop | None = None
        self._closing = False
        """:meth:`close` is waiting for the thread (which may open a listener meanwhile)."""

    def open(self, owner: Machines, kind: str, object_id: str) -> int:
        """Listen for the object on a new port (its previous listener, if any, closes);
        the port."""
        return self._listen(owner, kind, object_id, 0)

    @property
    def thread(self) -> threading.Thread | None:
        """The thread serving the listeners (None: not started, or stopped)."""
        with self._lock:
            return None if self._loop is None else self._loop.thread

    def ports(self) -> dict[Key, int]:
        """The port of every listener open now."""
        with self._lock:
            return {key: listener.port for key, listener in self._listeners.items()}

    def close(self) -> None:
        """Close every listener and connection and stop the thread (the server stopped);
        :meth:`reopen` listens on the same ports again."""
        with self._lock:
            loop, self._loop = self._loop, None
            self._closed.update((k, v.port) for k, v in self._listeners.items())
            self._listeners.clear()
            self._closing = True
        try:
            if loop is not None:
                loop.stop()
        finally:
            with self._lock:
                self._closing = False

    def reopen(self) -> None:
        """Listen again on the ports :meth:`close` closed (one taken since stays closed)."""
        with self._lock:
            closed, self._closed = self._closed, {}
        for (owner, kind, object_id), port in closed.items():
            try:
                self._listen(owner, kind, object_id, port)
            except OSError:
                log.warning("SSH port %d of %s %s is taken: it stays closed", port, kind, object_id)

    def clear(self) -> None:
        """Close everything and forget it (the emulator was reset)."""
        self.close()
        with self._lock:
            self._closed.clear()

    def _listen(self, owner: Machines, kind: str, object_id: str, port: int) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # for reopen: the port's own closed connections wait in TIME_WAIT
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, port))
            sock.listen(BACKLOG)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        listener = _Listener(owner, (kind, object_id), sock, int(sock.getsockname()[1]))
        with self._lock:
            if self._closing:  # asked from the thread being stopped: for :meth:`reopen`
                self._closed[owner, kind, object_id] = listener.port
                sock.close()
                return listener.port
            if self._loop is None:
                self._loop = _Loop(self)
            replaced = self._listeners.get((owner, kind, object_id))
            self._listeners[owner, kind, object_id] = listener
            self._loop.send(listener, replaced)
        return listener.port

    def _forget(self, listener: _Listener) -> None:
        """The thread closed ``listener``: it is no longer the object's."""
        key = (listener.owner, *listener.object)
        with self._lock:
            if self._listeners.get(key) is listener:
                del self._listeners[key]


class _Loop:
    """The thread that serves the listeners, and what is handed to it."""

    def __init__(self, listeners: BannerListeners) -> None:
        self.listeners = listeners
        self.selector = selectors.DefaultSelector()
        self.wake_in, self.wake_out = socket.socketpair()
        self.wake_in.setblocking(False)
        self.wake_out.setblocking(False)
        self.selector.register(self.wake_in, selectors.EVENT_READ)
        self.inbox: list[tuple[_Listener, _Listener | None]] = []
        self.stopping = False
        self.serving: set[_Listener] = set()
        self.inbox_lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, name="emulator-ssh", daemon=True)
        self.thread.start()

    def send(self, opened: _Listener, replaced: _Listener | None) -> None:
        with self.inbox_lock:
            self.inbox.append((opened, replaced))
        self._wake()

    def stop(self) -> None:
        with self.inbox_lock:
            self.stopping = True
        self._wake()
        self.thread.join()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full: the thread has wake-ups pending anyway
            self.wake_out.send(b"\0")

    def run(self) -> None:
        next_poll = next_sweep = 0.0
        try:
            while self._take_inbox():
                for key, _ in self.selector.select(POLL):
                    if isinstance(key.data, _Listener):
                        self._accept(key.data)
                        next_poll = 0.0  # a new connection may be greeted at once
                    elif isinstance(key.data, tuple):
                        self._read(*key.data)
                    else:
                        self._drain(self.wake_in)
                now = time.monotonic()
                if now >= next_sweep:
                    self._ask(self.serving)
                    next_sweep, next_poll = now + SWEEP, now + POLL
                elif now >= next_poll:
                    self._ask([listener for listener in self.serving if listener.waiting])
                    next_poll = now + POLL
        finally:
            self._shut()

    def _take_inbox(self) -> bool:
        """Start serving what was opened, stop serving what was replaced; False: stop."""
        with self.inbox_lock:
            inbox, self.inbox = self.inbox, []
            stopping = self.stopping
        for opened, replaced in inbox:
            self.serving.add(opened)
            self.selector.register(opened.sock, selectors.EVENT_READ, opened)
            if replaced is not None:
                self._close(replaced)
        return not stopping

    def _accept(self, listener: _Listener) -> None:
        while True:
            try:
                connection, _ = listener.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. out of descriptors: let the client wait in the backlog
                return
            connection.setblocking(False)
            listener.waiting.append(connection)
            self.selector.register(connection, selectors.EVENT_READ, (listener, connection))

    def _read(self, listener: _Listener, connection: socket.socket) -> None:
        """What a client sends is read and ignored; end of stream or an error ends it."""
        try:
            data = connection.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._hang_up(listener, connection)

    def _ask(self, listeners: Collection[_Listener]) -> None:
        """Ask each owner how its objects answer, and act on it."""
        by_owner: dict[Machines, list[_Listener]] = {}
        for listener in listeners:
            by_owner.setdefault(listener.owner, []).append(listener)
        for owner, mine in by_owner.items():
            try:
                answers = owner.ssh_answers([listener.object for listener in mine])
            except Exception:  # a cloud's bug must not stop every listener
                log.exception("asking how SSH ports answer failed")
                continue
            for listener in mine:
                answer = answers.get(listener.object, Answer.SILENT)
                if answer is Answer.CLOSED:
                    self._close(listener)
                    self.listeners._forget(listener)
                elif answer is Answer.BANNER:
                    self._greet(listener)

    @staticmethod
    def _greet(listener: _Listener) -> None:
        """Send the banner, then close the sending side; the client hangs up."""
        for connection in listener.waiting:
            try:
                connection.send(BANNER)
                connection.shutdown(socket.SHUT_WR)
            except OSError:  # the client left: reading the end of stream hangs up
                pass
        listener.greeted += listener.waiting
        listener.waiting = []

    def _hang_up(self, listener: _Listener, connection: socket.socket) -> None:
        self.selector.unregister(connection)
        for connections in (listener.waiting, listener.greeted):
            if connection in connections:
                connections.remove(connection)
        connection.close()

    def _close(self, listener: _Listener) -> None:
        for connection in [*listener.waiting, *listener.greeted]:
            self._hang_up(listener, connection)
        if listener in self.serving:
            self.serving.discard(listener)
            self.selector.unregister(listener.sock)
        listener.sock.close()

    def _shut(self) -> None:
        """Close every socket of the thread, those handed over but not served yet too (a
        replaced listener is one of these or of those served)."""
        with self.inbox_lock:
            inbox, self.inbox = self.inbox, []
        for listener in [*self.serving, *(opened for opened, _ in inbox)]:
            self._close(listener)
        self.selector.close()
        self.wake_in.close()
        self.wake_out.close()

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while sock.recv(4096):
                pass
