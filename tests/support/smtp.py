"""An aiosmtpd SMTP server for tests that records what it accepts and injects faults on demand."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller, InetMixin
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.certs import write_self_signed


@dataclass(frozen=True)
class Received:
    """One message the sink accepted for one or more recipients."""

    mail_from: str
    """Envelope sender (MAIL FROM)."""

    rcpt_tos: tuple[str, ...]
    """Envelope recipients accepted for this message."""

    data: bytes
    """The message as it arrived (CRLF line ends)."""

    connection: int
    """Number of the connection it came over, counting from 1."""

    def message(self) -> EmailMessage:
        """Parse the raw bytes (UTF-8 headers of an SMTPUTF8 message as text, as a client would)."""
        if self.data.partition(b"\r\n\r\n")[0].isascii():
            msg = message_from_bytes(self.data, policy=policy.default)
        else:
            msg = message_from_string(self.data.decode("utf-8", "surrogateescape"), policy=policy.SMTPUTF8)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Faults:
    """What the sink does wrong; change it through :meth:`SmtpSink.configure`."""

    refuse_connections: int = 0
    """Answer ``421`` to the greeting of this many coming connections, then behave."""

    defer: dict[str, int] = field(default_factory=dict)
    """Recipient → how many of its coming RCPT attempts get ``451``."""

    reject: set[str] = field(default_factory=set)
    """Recipients whose RCPT always gets ``550``."""

    data_delay: float = 0.0
    """Seconds to wait before answering DATA."""

    drop_after: int = 0
    """Close each connection after it delivered this many messages (0: never)."""

    shut_on_mail: int = 0
    """Answer ``421`` to this many coming MAIL commands and close the connection (as an idle timeout)."""


class _Handler:
    """aiosmtpd hooks that consult the sink's faults and record accepted messages."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.sink._take_mail_shutdown():
            if server.transport is not None:
                server.loop.call_soon(server.transport.close)
            return "421 4.4.2 Idle timeout, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        verdict = self.sink._rcpt_verdict(address)
        if verdict:
            return verdict
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        delay = self.sink._faults_snapshot().data_delay
        if delay:
            await asyncio.sleep(delay)
        assert isinstance(server, _FaultySMTP)
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode("utf-8")
        queued = self.sink._record(
            Received(
                mail_from=str(envelope.mail_from or ""),
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=raw if self.sink.keep_data else b"",
                connection=server.number,
            )
        )
        server.delivered += 1
        drop_after = self.sink._faults_snapshot().drop_after
        if drop_after and server.delivered >= drop_after and server.transport is not None:
            transport = server.transport
            server.loop.call_soon(transport.close)
        return f"250 2.0.0 Ok: queued as M{queued:06d}"


class _FaultySMTP(SMTP):
    """aiosmtpd's SMTP with a connection number and an optional 421 greeting."""

    def __init__(self, sink: SmtpSink, number: int, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sink = sink
        self.number = number
        self.delivered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None
        super().connection_made(transport)
        if first:
            self.sink._opened(self)

    def connection_lost(self, error: Exception | None) -> None:
        self.sink._closed(self)
        super().connection_lost(error)

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 (aiosmtpd command name)
        """Receive DATA in large reads rather than aiosmtpd's line by line (several times faster).

        The checks that matter to a client stay: 503 without recipients, 500 for a line over
        1000 octets (as aiosmtpd, which also catches bare LF line ends), dot-unstuffing.
        """
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        buffer = bytearray()
        while not (buffer.endswith(b"\r\n.\r\n") or buffer == b".\r\n"):
            chunk = await self._reader.read(1 << 20)
            if not chunk:  # the client went away mid-DATA
                return
            buffer += chunk
        body = bytes(buffer[:-3])  # keep the last CRLF of the content, drop ".\r\n"
        if any(len(line) > self.line_length_limit - 2 for line in body.split(b"\r\n")):
            self._set_post_data_state()
            await self.push("500 Line too long (see RFC5321 4.5.3.1.6)")
            return
        content = body[1:] if body.startswith(b".") else body
        content = content.replace(b"\r\n.", b"\r\n")  # undo dot-stuffing (a bytes scan, not a regex)
        self.envelope.content = content
        self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    async def _handle_client(self) -> None:
        if self.sink._take_refusal():
            await self.push("421 4.3.2 Service not available, closing transmission channel")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class _Controller(Controller):
    """Controller that binds a free port (port 0) and builds our SMTP class per connection."""

    def __init__(self, sink: SmtpSink, **kwargs) -> None:
        super().__init__(_Handler(sink), hostname="127.0.0.1", port=0, **kwargs)
        self.sink = sink

    def factory(self) -> SMTP:
        return _FaultySMTP(self.sink, self.sink._next_number(), self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        InetMixin._trigger_server(self)


def make_certificate(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """Write a throwaway self-signed certificate and key for ``host`` and 127.0.0.1; return the paths."""
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    write_self_signed(cert_path, key_path, host)
    return cert_path, key_path


class SmtpSink:
    """A real SMTP server on a free loopback port, in a thread, recording every accepted message.

    ``tls`` is ``none``, ``starttls`` (offered, and required when ``users`` is given) or ``ssl``
    (implicit TLS); ``users`` maps login names to passwords (AUTH PLAIN/LOGIN). With TLS, a
    throwaway certificate is made; :attr:`client_context` trusts it.
    """

    def __init__(
        self, *, tls: str = "none", users: dict[str, str] | None = None, keep_data: bool = True, **faults
    ) -> None:
        self.tls = tls
        self.keep_data = keep_data
        """False: record envelopes only (data is b""), for benchmarks with many large mails."""
        self.users = dict(users or {})
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._faults = Faults(**faults)
        self._received: list[Received] = []
        self._attempts: list[tuple[str, str]] = []
        self._live: set[_FaultySMTP] = set()
        self._connections = 0
        self._counting = False
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.client_context: ssl.SSLContext | None = None
        self._controller: _Controller | None = None

    # -- life cycle

    def start(self) -> SmtpSink:
        """Start listening; return self."""
        kwargs: dict = {"ident": "Minnes test sink"}
        if self.tls != "none":
            self._tmp = tempfile.TemporaryDirectory(prefix="smtpsink-")
            cert, key = make_certificate(Path(self._tmp.name))
            server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server_ctx.load_cert_chain(cert, key)
            self.client_context = ssl.create_default_context(cafile=str(cert))
            if self.tls == "starttls":
                kwargs["tls_context"] = server_ctx
                kwargs["require_starttls"] = bool(self.users)
            elif self.tls == "ssl":
                kwargs["ssl_context"] = server_ctx
            else:
                raise ValueError(f"tls must be none, starttls or ssl, not {self.tls!r}")
        if self.users:
            kwargs["authenticator"] = self._authenticate
            # implicit TLS is invisible to aiosmtpd's check, so only STARTTLS enforces it
            kwargs["auth_require_tls"] = self.tls == "starttls"
        self._controller = _Controller(self, **kwargs)
        self._controller.start()
        with self._lock:
            self._connections = 0  # the controller's own trigger connection does not count
            self._counting = True
        return self

    def stop(self) -> None:
        """Stop the server and remove the certificate."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        """Address the server listens on."""
        return "127.0.0.1"

    @property
    def port(self) -> int:
        """Port the server listens on."""
        assert self._controller is not None, "the sink is not started"
        return self._controller.port

    # -- faults

    def configure(self, **changes) -> None:
        """Change faults while running, e.g. ``configure(reject={"x@y.se"}, data_delay=0.2)``."""
        with self._lock:
            for key, value in changes.items():
                if not hasattr(self._faults, key):
                    raise TypeError(f"unknown fault {key!r}")
                if key == "defer":
                    value = {k.lower(): v for k, v in value.items()}
                if key == "reject":
                    value = {k.lower() for k in value}
                setattr(self._faults, key, value)

    def disconnect_all(self) -> int:
        """Close every open connection from the server side; return how many were closed."""
        assert self._controller is not None
        loop = self._controller.loop
        with self._lock:
            live = [s for s in self._live if s.transport is not None]
        done = threading.Event()

        def close() -> None:
            for server in live:
                if server.transport is not None:
                    server.transport.close()
            done.set()

        loop.call_soon_threadsafe(close)
        done.wait(5)
        return len(live)

    # -- accessors (thread-safe copies)

    @property
    def received(self) -> list[Received]:
        """Messages accepted so far, in order."""
        with self._lock:
            return list(self._received)

    @property
    def connections(self) -> int:
        """Connections opened since start (refused ones included)."""
        with self._lock:
            return self._connections

    @property
    def rcpt_attempts(self) -> list[tuple[str, str]]:
        """Every RCPT seen, as (address, the reply's first three characters)."""
        with self._lock:
            return list(self._attempts)

    def recipients(self) -> list[str]:
        """Every accepted envelope recipient, one entry per delivery (duplicates kept)."""
        return [r for m in self.received for r in m.rcpt_tos]

    def messages_to(self, address: str) -> list[EmailMessage]:
        """Parsed messages accepted for one recipient."""
        wanted = address.lower()
        return [m.message() for m in self.received if wanted in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least ``count`` messages arrived; raise ``TimeoutError`` otherwise."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                raise TimeoutError(f"{len(self._received)} of {count} messages arrived within {timeout} s")
            return list(self._received)

    def clear(self) -> None:
        """Forget received messages, attempts and the connection count."""
        with self._lock:
            self._received.clear()
            self._attempts.clear()
            self._connections = 0

    # -- called from the server thread

    def _next_number(self) -> int:
        with self._lock:
            if self._counting:
                self._connections += 1
            return self._connections

    def _opened(self, server: _FaultySMTP) -> None:
        with self._lock:
            self._live.add(server)

    def _closed(self, server: _FaultySMTP) -> None:
        with self._lock:
            self._live.discard(server)

    def _take_refusal(self) -> bool:
        with self._lock:
            if self._counting and self._faults.refuse_connections > 0:
                self._faults.refuse_connections -= 1
                return True
            return False

    def _take_mail_shutdown(self) -> bool:
        with self._lock:
            if self._faults.shut_on_mail > 0:
                self._faults.shut_on_mail -= 1
                return True
            return False

    def _rcpt_verdict(self, address: str) -> str:
        key = address.lower()
        with self._lock:
            if key in self._faults.reject:
                verdict = f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            elif self._faults.defer.get(key, 0) > 0:
                self._faults.defer[key] -= 1
                verdict = f"451 4.7.1 <{address}>: Recipient address rejected: try again later"
            else:
                verdict = ""
            self._attempts.append((address, verdict[:3] or "250"))
            return verdict

    def _faults_snapshot(self) -> Faults:
        with self._lock:
            return Faults(
                refuse_connections=self._faults.refuse_connections,
                defer=dict(self._faults.defer),
                reject=set(self._faults.reject),
                data_delay=self._faults.data_delay,
                drop_after=self._faults.drop_after,
                shut_on_mail=self._faults.shut_on_mail,
            )

    def _record(self, received: Received) -> int:
        with self._changed:
            self._received.append(received)
            self._changed.notify_all()
            return len(self._received)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            if self.users.get(user) == auth_data.password.decode("utf-8", "replace"):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A started plain SMTP sink on a free loopback port; configure faults with ``configure``."""
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()
