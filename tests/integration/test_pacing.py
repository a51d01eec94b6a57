"""Paced delivery through the whole pipeline: real Redis, rq, and a relay that throttles every tenth mail.

The configuration says ``max_per_minute`` as an administrator would; the test shrinks the minute to two
seconds (the window's length is the one knob tests turn), so the fan-out takes seconds, not minutes.
"""

from __future__ import annotations

import collections
import email.policy
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from service.archive.db import Delivery, MinutesRow, OutgoingMail
from service.bootstrap import Services
from service.config import load_config
from service.mail import pacing, sending
from service.mail.pacing import RedisPacer, Reservation
from tests.support.configs import write_config
from tests.support.drafts import authenticated
from tests.support.redis import RedisServer, free_port
from tests.support.rosters import draft, write_workplace

PASSPHRASE = "test-lösen"
LIMIT = 6
"""Sends the configuration allows per window."""

WINDOW = 2.0
"""The test's window, in place of the minute."""


class ThrottlingRelay:
    """An SMTP relay on a loopback port that answers 421 4.7.0 to every tenth message and 550 to some."""

    def __init__(self, every: int, reject: set[str]) -> None:
        self.every = every
        self.reject = reject
        self.lock = threading.Lock()
        self.data = 0
        """Messages whose DATA ended, throttled ones included."""
        self.throttled = 0
        self.accepted: list[tuple[str, str, float]] = []
        """(recipient, X-Minnes-Kind, arrival) of every accepted message."""
        relay = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
                if address.lower() in relay.reject:
                    return "550 5.1.1 User unknown"
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
                with relay.lock:
                    relay.data += 1
                    if relay.data % relay.every == 0:
                        relay.throttled += 1
                        return "421 4.7.0 Too many messages, slow down"
                    raw = envelope.original_content or envelope.content
                    head = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
                    kind = str(head["X-Minnes-Kind"] or "")
                    relay.accepted += [(r.lower(), kind, time.time()) for r in envelope.rcpt_tos]
                return "250 2.0.0 queued"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())

    def kinds(self, kind: str) -> list[tuple[str, float]]:
        """Return (recipient, arrival) of the accepted mails of one kind."""
        with self.lock:
            return [(who, at) for who, k, at in self.accepted if k == kind]


class ListQueue:
    """The pipeline's queue as a list this process works through (the rq side is tested elsewhere)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, int]] = []

    def enqueue(self, step: str, ident: int) -> None:
        """Note the job unless it is already waiting."""
        if (step, ident) not in self.jobs:
            self.jobs.append((step, ident))

    def run(self, services: Services) -> None:
        """Run every waiting job, and those they enqueue, in this process."""
        while self.jobs:
            step, ident = self.jobs.pop(0)
            getattr(services.pipeline, step)(ident)


def _most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if s <= t < s + window) for s in times), default=0)


@pytest.mark.parametrize("sleep_at_most", [0.0, 5.0], ids=["put-back", "slept"])
def test_a_paced_fanout_through_a_throttling_relay_reaches_everyone_once(
    tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch, sleep_at_most: float
) -> None:
    monkeypatch.setenv("MINNES_SIGNING_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(pacing, "WINDOW_SECONDS", WINDOW)
    monkeypatch.setattr(pacing, "ARRIVAL_MARGIN_SECONDS", 0.0)
    monkeypatch.setattr(pacing, "SLEEP_AT_MOST_SECONDS", sleep_at_most)  # 0: every wait puts mail back
    monkeypatch.setattr(sending, "THROTTLE_WAIT_SECONDS", 0.2)
    taken: list[float] = []
    refused: list[float] = []
    reserve = RedisPacer.reserve

    def spy(self: RedisPacer) -> Reservation:
        answer = reserve(self)
        # Redis's own clock at the moment the slot was taken (or refused).
        (taken if answer.granted else refused).append(answer.at)
        return answer

    monkeypatch.setattr(RedisPacer, "reserve", spy)

    folder = write_config(tmp_path / "config", redis_url=redis_server.url, smtp_port=1)
    roster = write_workplace(folder, 20)
    gone = roster.people[7]
    relay = ThrottlingRelay(10, {gone.email})
    relay.controller.start()
    toml = folder / "minnes.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace("port = 1\n", f"port = {relay.controller.port}\n")
    limit = f"retry_base_seconds = 0.2\nmax_per_minute = {LIMIT}\n"
    toml.write_text(text.replace("retry_base_seconds = 0.2\n", limit), encoding="utf-8")
    queue = ListQueue()
    services = Services(load_config(folder), queue=queue)
    try:
        services.pipeline.accept(authenticated(draft(roster)), source="test")

        def settled() -> bool:
            with services.db.session() as s:
                m = s.scalars(select(MinutesRow)).first()
                mail = s.scalars(select(OutgoingMail.state)).all()
                done = all(x in ("sent", "failed") for x in mail)
                return m is not None and m.state == "distributed" and done

        def states() -> str:
            with services.db.session() as s:
                found = [(d.state, d.attempts, d.last_answer[:30]) for d in s.scalars(select(Delivery))]
                mail = [(o.kind, o.state, o.last_answer[:30]) for o in s.scalars(select(OutgoingMail))]
            return f"deliveries {collections.Counter(found)}, mail {mail}"

        deadline = time.monotonic() + 120
        while not settled():
            assert time.monotonic() < deadline, f"the paced fan-out did not settle within 120 s: {states()}"
            services.pipeline.sweep()  # as the sweeper does: what is due is asked for again
            queue.run(services)
            time.sleep(0.05)

        with services.db.session() as s:
            rows = {d.email: (d.state, d.attempts, d.last_answer) for d in s.scalars(select(Delivery))}
    finally:
        services.close()
        relay.controller.stop()

    others = [p.email for p in roster.people if p != gone]
    distribution = relay.kinds("distribution")
    assert collections.Counter(who for who, _ in distribution) == collections.Counter(others)
    assert rows[gone.email][0] == "failed"
    for who in others:
        state, attempts, answer = rows[who]
        # A throttled or paced try is no attempt: everyone reached went on the first counted one.
        assert (state, attempts) == ("sent", 1), (who, rows[who])
        assert answer.startswith("250"), (who, answer)
    assert relay.throttled >= 2
    # Every send took its slot first, in Redis's clock: no window ever held more than the limit.
    assert refused, "the window never filled: the test paced nothing"
    assert len(taken) == relay.data + 1  # the 550 took a slot too, and never reached DATA
    assert _most_in_any_window(taken, WINDOW) <= LIMIT
    assert max(taken) - min(taken) >= WINDOW * (len(taken) // LIMIT - 1)
    # The report to the manager and the skyddsombud waited for the whole fan-out.
    reports = relay.kinds("delivery-report")
    assert sorted(who for who, _ in reports) == sorted([roster.manager.email, roster.safety_rep.email])
    assert min(at for _, at in reports) > max(at for _, at in distribution)


def test_a_421_to_mail_on_a_fresh_connection_is_held_as_throttling(smtp_sink) -> None:  # noqa: ANN001
    from email.message import EmailMessage

    from service.config import SmtpSettings
    from service.domain.throttling import Hold
    from service.mail.smtp import SmtpTransport

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "minnes@exempelby.se", "a@exempelby.se", "Test"
    msg.set_content("Hej")
    smtp_sink.configure(shut_on_mail=1)
    settings = SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none", timeout=5.0)
    transport = SmtpTransport(settings)
    with transport.session() as session:
        first = session.send(msg, "a@exempelby.se")
        second = session.send(msg, "a@exempelby.se")
    assert first.outcome == "deferred" and first.answer.startswith("421")
    assert first.hold is Hold.THROTTLED and first.wait > 0
    assert second.sent and second.hold is None
