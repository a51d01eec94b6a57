"""Sending composed mail: to an outbox folder or over one reused SMTP connection per session."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import io
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol

from service.config import DeliverySettings, SmtpSettings

log = logging.getLogger(__name__)

OUTCOMES = ("sent", "deferred", "failed")
"""What can become of one message to one recipient."""


class TransportError(Exception):
    """Mail could not be handed over for a reason that is not about one recipient."""


@dataclass(frozen=True)
class SendResult:
    """What became of one message to one recipient."""

    outcome: str
    """``sent``, ``deferred`` (try again later) or ``failed`` (give up)."""

    answer: str
    """The server's reply (``250 2.0.0 Ok: queued as …``), or what went wrong on our side."""

    @property
    def sent(self) -> bool:
        """Tell whether the server accepted the message."""
        return self.outcome == "sent"


@dataclass(frozen=True)
class WireMessage:
    """A message already serialised as it goes over SMTP (CRLF line ends, no Bcc)."""

    data: bytes
    """The whole message, headers and body."""

    sender: str
    """The bare address of its From header: the envelope sender unless another is given."""

    message_id: str = ""
    """Its Message-ID header, angle brackets included."""


Mail = EmailMessage | WireMessage
"""What a session sends: a message object, or one serialised already."""

Meanwhile = Callable[[], object]
"""Work to do while the server takes in a message (the next message's composing, for instance)."""


class Sender(Protocol):
    """An open session that sends one message to one recipient per call."""

    def send(
        self,
        msg: Mail,
        recipient: str,
        *,
        envelope_from: str = "",
        meanwhile: Meanwhile | None = None,
        before_end: Meanwhile | None = None,
    ) -> SendResult:
        """Send ``msg`` to ``recipient`` alone; the envelope sender is ``envelope_from`` or From.

        ``meanwhile`` is called at most once, after the message has been handed over and while the
        server has not yet answered; not at all when the message does not get that far. What it
        raises is logged and ignored, so that the answer is never lost.

        ``before_end`` is called after the message has been transmitted but before it is ended (the
        final dot of DATA), so the server cannot have accepted it yet: the caller can finish work that
        must be done before this message counts as sent while the bytes travel. When it raises, the
        message is abandoned unsent (the connection is dropped) and the exception propagates.
        """
        ...


class Transport(Protocol):
    """A way out for mail; ``session()`` holds a connection open for a batch."""

    def session(self) -> AbstractContextManager[Sender]:
        """Open a session for a batch of messages."""
        ...


def envelope_sender(msg: Mail, envelope_from: str = "") -> str:
    """Return the envelope sender: the given one, else the bare From address."""
    if envelope_from:
        return envelope_from
    if isinstance(msg, WireMessage):
        return msg.sender
    addresses = getaddresses([str(msg.get("From", ""))])
    return addresses[0][1] if addresses else ""


def wire_bytes(msg: Mail) -> bytes:
    """Serialise a message as it goes over SMTP: CRLF line ends, Bcc removed."""
    if isinstance(msg, WireMessage):
        return msg.data
    if msg.get("Bcc") is not None or msg.get("Resent-Bcc") is not None:
        msg = copy.deepcopy(msg)
        del msg["Bcc"]
        del msg["Resent-Bcc"]
    out = io.BytesIO()
    _WireGenerator(out, policy=msg.policy.clone(linesep="\r\n")).flatten(msg, linesep="\r\n")
    return out.getvalue()


_NLCRE = re.compile(r"\r\n|\r(?!\n)|\n")


class _WireGenerator(BytesGenerator):
    """BytesGenerator that converts a body's line ends in one call instead of one write per line.

    The stdlib writes a base64 attachment line by line (a 60 KB PDF is 1100 writes); the output
    here is byte for byte the same, several times faster.
    """

    def _write_lines(self, lines: str) -> None:
        if not lines:
            return
        if "\r" not in lines:
            self.write(lines.replace("\n", self._NL))
        else:
            self.write(_NLCRE.sub(self._NL, lines))


def classify(code: int, answer: str | bytes) -> SendResult:
    """Turn an SMTP reply into a result: 2xx sent, 5xx failed, anything else deferred."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    text = " ".join(text.split())
    reply = f"{code} {text}".strip()
    if 200 <= code < 300:
        return SendResult("sent", reply)
    if 500 <= code < 600:
        return SendResult("failed", reply)
    return SendResult("deferred", reply)


# --------------------------------------------------------------------------- outbox


_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]+")


def outbox_name(msg: Mail, recipient: str) -> str:
    """Return the file name of a message to one recipient: the same for a re-sent copy."""
    if isinstance(msg, WireMessage):
        message_id = msg.message_id.strip().strip("<>")
    else:
        message_id = str(msg.get("Message-ID", "")).strip().strip("<>")
    if not message_id:
        message_id = hashlib.sha256(wire_bytes(msg)).hexdigest()[:32]
    key = f"{message_id}\n{recipient.strip().lower()}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    readable = _UNSAFE.sub("_", f"{message_id.split('@')[0]}--{recipient.strip().lower()}")[:150]
    return f"{readable}--{digest}.eml"


class OutboxSession:
    """Writes each sent message to the outbox folder as one .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(
        self,
        msg: Mail,
        recipient: str,
        *,
        envelope_from: str = "",
        meanwhile: Meanwhile | None = None,
        before_end: Meanwhile | None = None,
    ) -> SendResult:
        """Write the message atomically, with Return-Path and Delivered-To on top as an MDA would."""
        if before_end is not None:
            before_end()
        name = outbox_name(msg, recipient)
        sender = envelope_sender(msg, envelope_from)
        head = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode()
        try:
            data = head + wire_bytes(msg)
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.folder / name)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            return SendResult("deferred", f"utkorgen {self.folder}: {exc.strerror or exc}")
        return SendResult("sent", f"250 sparat i utkorgen som {name}")


@dataclass(frozen=True)
class OutboxTransport:
    """Delivery into a folder: one .eml per (message, recipient), for trying Minnes without a relay."""

    folder: Path
    """Where the .eml files are written."""

    @contextlib.contextmanager
    def session(self) -> Iterator[OutboxSession]:
        """Open a session that writes into the folder."""
        yield OutboxSession(Path(self.folder))


# --------------------------------------------------------------------------- smtp

_NOOP_AFTER_IDLE = 20.0
"""Seconds a connection may sit idle before it is checked with NOOP before the next message."""

SEND_DEADLINE_TIMEOUTS = 2
"""A send that has not ended after this many ``smtp.timeout`` is cut off and deferred.

Each socket operation is bounded by ``smtp.timeout``, but a server that trickles its bytes never
times out. The sweeper hands a claim back only after ``SEND_DEADLINE_TIMEOUTS + 2`` timeouts, so a
process that is alive always ends (and records) its send before anyone else may take it over.
"""


class _Deadline:
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
        self._watchdog = _Deadline()
        self._due = 0.0
        self.connections = 0
        """How many connections this session has opened."""
        self._conn: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._silent: SendResult | None = None
        """Set when connecting timed out: the rest of the session defers at once instead of waiting."""
        self._meanwhile: Meanwhile | None = None
        self._before_end: Meanwhile | None = None

    # -- connection

    def _context(self) -> ssl.SSLContext:
        if self.ssl_context is not None:
            return self.ssl_context
        cafile = str(self.settings.ca_file) if self.settings.ca_file else None
        ctx = ssl.create_default_context(cafile=cafile)
        if not self.settings.verify_tls:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    @staticmethod
    def _nodelay(conn: smtplib.SMTP) -> None:
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _connect(self) -> smtplib.SMTP:
        """Open, secure and log in; raise smtplib or socket errors as they come."""
        s = self.settings
        conn: smtplib.SMTP
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if self._due:
            self._watchdog.arm(self._due, conn)  # connecting and the greeting have their own timeouts
        try:
            self._nodelay(conn)
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=self._context())
                self._nodelay(conn)
                conn.ehlo()
            if s.username:
                self._login(conn)
        except BaseException:
            self._abandon(conn)
            raise
        self.connections += 1
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        """Log in; AUTH PLAIN in UTF-8 when the name or password is not ASCII (smtplib cannot)."""
        user, password = self.settings.username, self.password
        if (user + password).isascii():
            conn.login(user, password)
            return
        if "plain" not in conn.esmtp_features.get("auth", "").lower().split():
            raise smtplib.SMTPNotSupportedError("AUTH PLAIN krävs för lösenord med andra tecken än ASCII")
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, answer = conn.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, answer)

    @staticmethod
    def _abandon(conn: smtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            conn.close()

    def _drop(self) -> None:
        if self._conn is not None:
            self._abandon(self._conn)
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
            self._conn = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            reply = classify(exc.smtp_code, exc.smtp_error).answer
            return None, False, SendResult("deferred", f"inloggningen på SMTP-servern misslyckades: {reply}")
        except smtplib.SMTPResponseException as exc:
            return None, False, SendResult("deferred", classify(exc.smtp_code, exc.smtp_error).answer)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            result = SendResult("deferred", _describe(exc, self.settings))
            if _timed_out(exc):
                self._silent = result  # one timeout per session is enough; retries come with backoff
            return None, False, result
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
                where = f"{self.settings.host}:{self.settings.port}"
                late = f"SMTP-servern {where} blev inte klar inom {self.deadline:g} s"
                result = SendResult("deferred", late)
        return result

    def _send(self, sender: str, recipient: str, data: bytes) -> SendResult:
        """Send on the open connection (opening or reopening it), under the send's deadline."""
        for attempt in (1, 2):
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
                return SendResult("deferred", _describe(exc, self.settings))
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                return SendResult("deferred", _describe(exc, self.settings))
            if self._conn is not None and self._conn.sock is None:
                self._conn = None  # smtplib closed it itself (a 421)
            self._last_used = time.monotonic()
            return result
        raise AssertionError("unreachable")

    def _transaction(self, conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> SendResult:
        """Run MAIL, RCPT, DATA on an open connection; RSET after a refusal keeps it usable."""
        sender, recipient = _ascii_domain(sender), _ascii_domain(recipient)
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
            raise smtplib.SMTPServerDisconnected(classify(code, answer).answer)
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
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                self._abandon(conn)


def _ascii_domain(address: str) -> str:
    """Write an address's domain in IDNA form, so only a non-ASCII local part needs SMTPUTF8."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def _timed_out(exc: BaseException) -> bool:
    """Tell whether an error is a timeout (smtplib turns a read timeout into SMTPServerDisconnected)."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def _describe(exc: BaseException, settings: SmtpSettings) -> str:
    """Say in Swedish what went wrong with the connection."""
    where = f"{settings.host}:{settings.port}"
    if _timed_out(exc):
        return f"SMTP-servern {where} svarade inte i tid"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"SMTP-servern {where} stängde anslutningen ({exc})"
    if isinstance(exc, ConnectionRefusedError):
        return f"SMTP-servern {where} tar inte emot anslutningar"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS mot SMTP-servern {where} misslyckades: {exc}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"SMTP-servern {where} stöder inte det som krävs: {exc}"
    if isinstance(exc, OSError):
        return f"SMTP-servern {where} kunde inte nås: {exc.strerror or exc}"
    return f"fel mot SMTP-servern {where}: {exc}"


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
        session = SmtpSession(self.settings, self.password, self.ssl_context)
        try:
            conn = session._connect()
        except smtplib.SMTPResponseException as exc:
            raise TransportError(classify(exc.smtp_code, exc.smtp_error).answer) from exc
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            raise TransportError(_describe(exc, self.settings)) from exc
        session._conn = conn
        answer = (conn.ehlo_resp or b"").decode("utf-8", "replace").splitlines()[:1]
        session.close()
        return answer[0] if answer else ""


def make_transport(delivery: DeliverySettings, password: str = "") -> Transport:
    """Return the transport the settings ask for: the outbox folder or the SMTP relay."""
    if delivery.method == "outbox":
        return OutboxTransport(Path(delivery.outbox))
    if delivery.method == "smtp":
        return SmtpTransport(delivery.smtp, password)
    raise TransportError(f"okänt leveranssätt '{delivery.method}' — använd outbox eller smtp")
