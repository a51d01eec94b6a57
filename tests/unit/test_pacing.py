"""The shared window of sends, against a real Redis: never more than the limit in any window."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from service.config import DeliverySettings, SmtpSettings
from service.domain.throttling import Hold
from service.mail import pacing
from service.mail.pacing import (
    LocalPacer,
    PacedSession,
    PacedTransport,
    PacingError,
    RedisPacer,
    Reservation,
    pace_key,
    paced,
)
from service.mail.sending import SendResult
from tests.support.redis import RedisServer


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _most_in_any_window(times: list[float], window: float) -> int:
    """Return the most of ``times`` that fall in one half-open window of ``window`` seconds."""
    times = sorted(times)
    return max((sum(1 for t in times if s <= t < s + window) for s in times), default=0)


# --------------------------------------------------------------------------- the window in Redis


def test_the_window_admits_the_limit_then_says_how_long_to_wait(redis_server: RedisServer) -> None:
    clock = FakeClock()
    pacer = RedisPacer(redis_server.client(), 3, 60.0, key="test:pace", clock=clock)
    for step in range(3):
        clock.now += step  # t, t+1, t+3
        assert pacer.reserve().granted
    clock.now += 1  # t+4
    refused = pacer.reserve()
    assert not refused.granted and refused.wait == pytest.approx(56.0)
    clock.now += 55.999  # just before the first send leaves the window
    assert not pacer.reserve().granted
    clock.now += 0.001  # t+60: the first send is out of (now - 60, now]
    got = pacer.reserve()
    assert got.granted and got.at == pytest.approx(clock.now)
    again = pacer.reserve()
    assert not again.granted and again.wait == pytest.approx(1.0)  # the send at t+1 frees next


def test_a_refusal_takes_no_slot(redis_server: RedisServer) -> None:
    clock = FakeClock()
    pacer = RedisPacer(redis_server.client(), 1, 10.0, key="test:pace", clock=clock)
    assert pacer.reserve().granted
    for _ in range(50):
        assert not pacer.reserve().granted
    clock.now += 10
    assert pacer.reserve().granted


def test_the_window_uses_redis_time_and_expires_its_key(redis_server: RedisServer) -> None:
    client = redis_server.client()
    pacer = RedisPacer(client, 2, 30.0, key="test:pace")
    seconds, micros = client.time()
    first = pacer.reserve()
    assert first.granted and abs(first.at - (seconds + micros / 1e6)) < 5
    assert client.zcard("test:pace") == 1
    assert 0 < client.pttl("test:pace") <= 31_000


def test_two_concurrent_senders_never_exceed_the_limit(redis_server: RedisServer) -> None:
    limit, window, each = 4, 0.4, 10
    admitted: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def sender() -> None:
        pacer = RedisPacer(redis_server.client(), limit, window, key="test:pace")  # a client of its own
        got = 0
        try:
            while got < each:
                answer = pacer.reserve()
                if answer.granted:
                    with lock:
                        admitted.append(answer.at)
                    got += 1
                else:
                    assert 0 < answer.wait <= window
                    threading.Event().wait(min(answer.wait, 0.05))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(admitted) == 2 * each
    # Redis's own clock stamped every admission: no window holds more than the limit, however loaded.
    assert _most_in_any_window(admitted, window) <= limit
    assert max(admitted) - min(admitted) >= window * (2 * each // limit - 1)


def test_redis_down_is_a_pacing_error() -> None:
    from redis import Redis

    from tests.support.redis import free_port

    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5)
    with pytest.raises(PacingError):
        RedisPacer(client, 1, 60.0).reserve()


def test_the_local_window_behaves_the_same() -> None:
    clock = FakeClock(0.0)
    pacer = LocalPacer(2, 60.0, clock=clock)
    assert pacer.reserve().granted and pacer.reserve().granted
    clock.now = 20.0
    assert pacer.reserve().wait == pytest.approx(40.0)
    clock.now = 60.0
    assert pacer.reserve().granted


# --------------------------------------------------------------------------- the paced session


@dataclass
class FakeSender:
    """A sender that accepts everything and notes what it was given."""

    sent: list[str] = field(default_factory=list)

    def send(self, msg, recipient, *, envelope_from="", meanwhile=None, before_end=None):  # noqa: ANN001, ANN201
        self.sent.append(recipient)
        return SendResult("sent", "250 ok")


@dataclass
class ScriptedPacer:
    """A pacer that answers from a list of waits (0: granted)."""

    waits: list[float]
    limit: int = 30

    def reserve(self) -> Reservation:
        return Reservation(self.waits.pop(0), 0.0)


def test_a_short_wait_is_slept_and_a_long_one_hands_the_message_back() -> None:
    inner, slept = FakeSender(), []
    session = PacedSession(inner, ScriptedPacer([0, 2.0, 0, 40.0]), sleep_at_most=5.0, sleep=slept.append)
    assert session.send(b"x", "a@x.se").sent
    assert session.send(b"x", "b@x.se").sent
    held = session.send(b"x", "c@x.se")
    assert inner.sent == ["a@x.se", "b@x.se"] and slept == [2.0]
    assert held.outcome == "deferred" and held.hold is Hold.PACED and held.wait == 40.0
    assert "30" in held.answer


def test_a_session_sleeps_no_more_than_its_budget() -> None:
    inner, slept = FakeSender(), []
    session = PacedSession(inner, ScriptedPacer([3.0, 0, 3.0, 0, 3.0]), budget=7.0, sleep=slept.append)
    assert session.send(b"x", "a@x.se").sent and session.send(b"x", "b@x.se").sent
    held = session.send(b"x", "c@x.se")
    assert slept == [3.0, 3.0] and held.hold is Hold.PACED and held.wait == 3.0


def test_redis_down_holds_the_message_back_rather_than_sending_unpaced() -> None:
    class Down:
        limit = 5

        def reserve(self) -> Reservation:
            raise PacingError("Redis svarar inte")

    inner = FakeSender()
    held = PacedSession(inner, Down()).send(b"x", "a@x.se")
    assert held.hold is Hold.PACED and held.wait > 0 and inner.sent == []


def test_no_limit_leaves_the_transport_as_it_is(redis_server: RedisServer) -> None:
    transport = object()
    smtp = DeliverySettings(method="smtp", smtp=SmtpSettings(host="mx", port=25))
    assert paced(transport, smtp, redis_server.url) is transport  # type: ignore[arg-type]
    outbox = DeliverySettings(method="outbox", max_per_minute=30)
    assert paced(transport, outbox, redis_server.url) is transport  # type: ignore[arg-type]
    limited = DeliverySettings(method="smtp", max_per_minute=30, smtp=SmtpSettings(host="mx", port=25))
    wrapped = paced(transport, limited, redis_server.url)  # type: ignore[arg-type]
    assert isinstance(wrapped, PacedTransport) and isinstance(wrapped.pacer, RedisPacer)
    assert wrapped.pacer.limit == 30
    assert wrapped.pacer.window == pacing.WINDOW_SECONDS + pacing.ARRIVAL_MARGIN_SECONDS
    assert wrapped.pacer.key == pace_key(limited)
    alone = paced(transport, limited, "")  # type: ignore[arg-type]
    assert isinstance(alone, PacedTransport) and isinstance(alone.pacer, LocalPacer)


def test_one_window_per_relay_and_account() -> None:
    a = DeliverySettings(smtp=SmtpSettings(host="smtp.office365.com", port=587, username="minnes@x.se"))
    b = DeliverySettings(smtp=SmtpSettings(host="SMTP.office365.com", port=587, username="minnes@x.se"))
    c = DeliverySettings(smtp=SmtpSettings(host="smtp.office365.com", port=587, username="annan@x.se"))
    assert pace_key(a) == pace_key(b) != pace_key(c)
    assert pace_key(a).startswith("minnes:pace:")
