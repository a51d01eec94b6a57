"""The send deadline: a watching thread cuts an SMTP connection whose send has run too long."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
import time

SEND_DEADLINE_TIMEOUTS = 2
"""A send that has not ended after this many ``smtp.timeout`` is cut off and deferred.

Each socket operation is bounded by ``smtp.timeout``, but a server that trickles its bytes never
times out. The sweeper hands a claim back only after ``SEND_DEADLINE_TIMEOUTS + 2`` timeouts, so a
process that is alive always ends (and records) its send before anyone else may take it over.
"""


class Watchdog:
    """Cut an SMTP connection whose send runs past its deadline; one watching thread per session."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: float | None = None
        self._conn: smtplib.SMTP | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self.fired = False
        """Set when the last armed send was cut off."""

    def arm(self, due: float, conn: smtplib.SMTP) -> None:
        """Watch `conn` until :meth:`disarm`; shut its socket down at monotonic time `due`."""
        with self._cond:
            self._due, self._conn, self.fired = due, conn, False
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="minnes-smtp-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> bool:
        """Stop watching; return whether the send was cut off."""
        with self._cond:
            self._due, self._conn = None, None
            fired, self.fired = self.fired, False
            return fired

    def close(self) -> None:
        """End the watching thread."""
        with self._cond:
            self._closed, self._due, self._conn = True, None, None
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        with self._cond:
            while not self._closed:
                if self._due is None:
                    self._cond.wait()
                    continue
                left = self._due - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                conn, self._due, self._conn, self.fired = self._conn, None, None, True
                sock = conn.sock if conn is not None else None
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)  # the blocked send or read fails at once
