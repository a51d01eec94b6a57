"""Delivery to the organisation's relay: one reused SMTP connection per session, sends under a deadline."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from service.mail.sending import Meanwhile, SendResult, TransportError, classify
from service.mail.smtp_connect import (
    CONNECT_ERRORS,
    abandon,
    connect_failure,
    describe,
    open_connection,
    say_goodbye,
    timed_out,
    where,
)
from service.mail.smtp_deadline import SEND_DEADLINE_TIMEOUTS, Watchdog
from service.mail.wire import Mail, ascii_address, envelope_sender, wire_bytes

if TYPE_CHECKING:
    from service.config import SmtpSettings

log = logging.getLogger(__name__)

_NOOP_AFTER_IDLE = 20.0
"""Seconds a connection may sit idle before it is checked with NOOP before the next message."""


class SmtpSession:
    """One SMTP connection, opened on the first send and reopened after it breaks."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: str,
        ssl_context: ssl.SSLContext | None,
        *,
        deadline: float | None = None,
    ) -> None:
        self.settings = settings
        self.password = password
        self.ssl_context = ssl_context
        self.deadline = SEND_DEADLINE_TIMEOUTS * settings.timeout if deadline is None else deadline
        """Seconds one send may take, connecting included, before it is cut off and deferred."""
        self._watchdog = Watchdog()
        self._due = 0.0
        self.connections = 0
        """How many connections this session has opened."""
        self._conn: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._silent: SendResult | None = None
        """Set when connecting timed out: the rest of the session defers at once instead of waiting."""
        self._meanwhile: Meanwhile | None = None
        self._before_end: Meanwhile | None = None
        self._closing: SendResult | None = None
        """The server's 421 to MAIL in the current send, kept for when reopening does not help."""

    # -- connection

    def _watch(self, conn: smtplib.SMTP) -> None:
        if self._due:
            self._watchdog.arm(self._due, conn)

    def _drop(self) -> None:
        if self._conn is not None:
            abandon(self._conn)
        self._conn = None

    def _ensure(self) -> tuple[smtplib.SMTP | None, bool, SendResult | None]:
        """Return (connection, reused, None), or (None, False, deferred result) when it cannot open."""
        if self._conn is not None and self._conn.sock is not None:
            if time.monotonic() - self._last_used > _NOOP_AFTER_IDLE:
                try:
                    code, _ = self._conn.noop()
                    if code == 250:
                        return self._conn, True, None
                except (smtplib.SMTPException, OSError):
                    pass
                self._drop()
            else:
                return self._conn, True, None
        self._drop()
        try:
            self._conn = open_connection(self.settings, self.password, self.ssl_context, watch=self._watch)
        except CONNECT_ERRORS as exc:
            answer = connect_failure(exc, self.settings)
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                answer = f"inloggningen på SMTP-servern misslyckades: {answer}"
            result = SendResult("deferred", answer)
            if timed_out(exc):
                self._silent = result  # one timeout per session is enough; retries come with backoff
            return None, False, result
        self.connections += 1
        return self._conn, False, None

    # -- sending

    def send(
        self,
        msg: Mail,
        recipient: str,
        *,
        envelope_from: str = "",
        meanwhile: Meanwhile | None = None,
        before_end: Meanwhile | None = None,
    ) -> SendResult:
        """Send to one recipient; 4xx and broken connections give deferred, 5xx failed.

        ``meanwhile`` runs once while the server takes in the message, before its answer is read.
        """
        if self._silent is not None:
            return self._silent
        sender = envelope_sender(msg, envelope_from)
        data = wire_bytes(msg)
        self._meanwhile = meanwhile
        self._before_end = before_end
        self._due = time.monotonic() + self.deadline
        try:
            result = self._send(sender, recipient, data)
        finally:
            cut = self._watchdog.disarm()
            self._due = 0.0
        if cut:
            self._drop()
            if result.outcome == "deferred":  # a server's real answer (250, 5xx) stands even so
                late = f"SMTP-servern {where(self.settings)} blev inte klar inom {self.deadline:g} s"
                result = SendResult("deferred", late)
        return result

    def _send(self, sender: str, recipient: str, data: bytes) -> SendResult:
        """Send on the open connection (opening or reopening it), under the send's deadline."""
        for attempt in (1, 2):
            self._closing = None
            conn, reused, problem = self._ensure()
            if conn is None:
                assert problem is not None
                return problem
            if reused:
                self._watchdog.arm(self._due, conn)
            try:
                result = self._transaction(conn, sender, recipient, data)
            except (smtplib.SMTPServerDisconnected, ConnectionError, ssl.SSLError) as exc:
                self._drop()
                if reused and attempt == 1 and not self._watchdog.fired:
                    continue  # the server closed an idle or reused connection: reopen once
                if self._closing is not None and not self._watchdog.fired:
                    return self._closing  # a 421 to MAIL on a fresh connection: the relay throttles
                return SendResult("deferred", describe(exc, self.settings))
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                return SendResult("deferred", describe(exc, self.settings))
            if self._conn is not None and self._conn.sock is None:
                self._conn = None  # smtplib closed it itself (a 421)
            self._last_used = time.monotonic()
            return result
        raise AssertionError("unreachable")

    def _transaction(self, conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> SendResult:
        """Run MAIL, RCPT, DATA on an open connection; RSET after a refusal keeps it usable."""
        sender, recipient = ascii_address(sender), ascii_address(recipient)
        options: list[str] = []
        if not data.isascii() and conn.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if not (sender + recipient).isascii() or not data.partition(b"\r\n\r\n")[0].isascii():
            if not conn.has_extn("smtputf8"):
                return SendResult("failed", "adressen har tecken som SMTP-servern inte tar emot (SMTPUTF8)")
            options.append("SMTPUTF8")
        if conn.has_extn("size"):
            options.append(f"SIZE={len(data)}")
        code, answer = conn.mail(sender, options)
        if code == 421:  # the server is closing the channel (often an idle timeout): reopen, try again
            self._drop()
            self._closing = classify(code, answer)
            raise smtplib.SMTPServerDisconnected(self._closing.answer)
        if code != 250:
            return self._refused(conn, code, answer)
        code, answer = conn.rcpt(recipient)
        if code not in (250, 251):
            return self._refused(conn, code, answer)
        code, answer = self._data(conn, data)
        if code == 421:
            self._drop()
        return classify(code, answer)

    def _run_meanwhile(self) -> None:
        """Run the caller's work for the wait on the server, once; log and ignore what it raises."""
        work, self._meanwhile = self._meanwhile, None
        if work is None:
            return
        try:
            work()
        except Exception:  # noqa: BLE001 - the server's answer must still be read and returned
            log.warning("arbetet under väntan på SMTP-servern misslyckades", exc_info=True)

    def _data(self, conn: smtplib.SMTP, data: bytes) -> tuple[int, bytes]:
        """Send DATA and the message (CRLF line ends, as :func:`wire_bytes` makes it), dot-stuffed.

        Same as ``smtplib.SMTP.data`` but stuffs dots with a bytes replace instead of a multiline
        regex, which costs a millisecond per 100 KB. The caller's ``before_end`` runs before the final
        dot, its ``meanwhile`` before the answer is read.
        """
        code, answer = conn.docmd("data")
        if code != 354:
            return code, answer
        if data.startswith(b"."):
            data = b"." + data
        data = data.replace(b"\r\n.", b"\r\n..")
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        if self._before_end is None:
            conn.send(data + b".\r\n")
        else:
            conn.send(data)
            try:
                self._before_end()
            except BaseException:
                self._drop()  # the message was never ended: the server throws it away
                raise
            conn.send(b".\r\n")
        self._run_meanwhile()
        return conn.getreply()

    def _refused(self, conn: smtplib.SMTP, code: int, answer: bytes) -> SendResult:
        if code == 421 or code == -1:
            self._drop()
        else:
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        if code == -1:
            return SendResult("deferred", "anslutningen till SMTP-servern bröts")
        return classify(code, answer)

    def close(self) -> None:
        """Say QUIT politely; never raise."""
        self._watchdog.close()
        conn, self._conn = self._conn, None
        if conn is not None:
            say_goodbye(conn)


class SmtpTransport:
    """Delivery to the organisation's relay, one reused connection per session."""

    def __init__(
        self, settings: SmtpSettings, password: str = "", *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.password = password
        self.ssl_context = ssl_context

    @contextlib.contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """Open a session; the connection is made on the first send and closed at the end."""
        session = SmtpSession(self.settings, self.password, self.ssl_context)
        try:
            yield session
        finally:
            session.close()

    def check(self) -> str:
        """Connect, log in and say QUIT; return the greeting or raise :class:`TransportError`."""
        try:
            conn = open_connection(self.settings, self.password, self.ssl_context)
        except CONNECT_ERRORS as exc:
            raise TransportError(connect_failure(exc, self.settings)) from exc
        answer = (conn.ehlo_resp or b"").decode("utf-8", "replace").splitlines()[:1]
        say_goodbye(conn)
        return answer[0] if answer else ""
