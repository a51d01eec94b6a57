"""Paced delivery: every send of every worker on every host shares one sliding window in Redis.

``[delivery] max_per_minute = N`` lets at most N sends start in any 60 seconds, whoever sends them. A
send takes its slot before its first byte goes (so a worker that dies mid-send has still used it),
in one Lua script that reads Redis's own clock (``TIME``), so hosts whose clocks differ still share
one window. When the window is full the script says how long until a slot frees: a short wait is
slept in the session, a longer one is handed back as a held result (``Hold.PACED``), and the step
puts the message and the rest of its fan-out back until then instead of sleeping for minutes.

With ``max_per_minute = 0`` nothing here is in the way: the transport is used as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from service.domain.throttling import Hold, paced_answer
from service.mail.sending import Meanwhile, Sender, SendResult, Transport
from service.mail.wire import Mail

if TYPE_CHECKING:
    from redis import Redis

    from service.config import DeliverySettings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
"""The window ``max_per_minute`` counts sends in."""

ARRIVAL_MARGIN_SECONDS = 1.0
"""Added to the window: a slot is taken a moment before the message reaches the relay, which counts
arrivals, so a slot is free again only once the send that took it is surely out of the relay's minute."""

SLEEP_AT_MOST_SECONDS = 5.0
"""A wait for a slot up to this long is slept in the session; a longer one hands the message back."""

SLEEP_BUDGET_SECONDS = 60.0
"""Most seconds one session sleeps for slots in all, so a paced job stays far from its rq timeout."""

REDIS_DOWN_WAIT_SECONDS = 5.0
"""How long a message waits when Redis cannot be asked for a slot (it is not sent unpaced)."""

_RESERVE = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window / 1000) + 1000)
  return {1, now}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait, now}
"""
"""Take a slot in the window at ``KEYS[1]`` (a sorted set of send times in microseconds) if fewer
than ARGV[1] sends started in the last ARGV[2] microseconds; ARGV[3] names the slot, ARGV[4] is the
time (empty: Redis's TIME). Answers {1, now} when taken, else {0, microseconds to wait, now}."""


@dataclass(frozen=True)
class Reservation:
    """What the pace answered one send."""

    wait: float
    """0 when the send may go now (its slot is taken); else seconds until a slot frees."""

    at: float
    """The pace's clock when it answered, in seconds (Redis's TIME, or the clock it was given)."""

    @property
    def granted(self) -> bool:
        """Tell whether the send may go now."""
        return self.wait <= 0


class Pacer(Protocol):
    """A sliding window of sends that every sender shares."""

    limit: int
    """Most sends that may start in one window."""

    def reserve(self) -> Reservation:
        """Take a slot for one send now, or say how long until one frees."""
        ...


class PacingError(Exception):
    """The shared window could not be asked (Redis did not answer)."""


class RedisPacer:
    """The window kept in Redis, shared by every worker on every host that uses the same key."""

    def __init__(
        self,
        client: Redis,
        limit: int,
        window: float = WINDOW_SECONDS,
        *,
        key: str = "minnes:pace",
        clock: Callable[[], float] | None = None,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a pace needs a limit of at least 1 and a window longer than 0")
        self.limit = limit
        self.window = window
        """Seconds the window spans."""
        self.key = key
        self.clock = clock
        """The time in seconds for tests; None: Redis's own clock, the same for every host."""
        self._script = client.register_script(_RESERVE)

    def reserve(self) -> Reservation:
        """Take a slot for one send now, or say how long until one frees; :class:`PacingError` if down."""
        from redis.exceptions import RedisError

        now = "" if self.clock is None else str(round(self.clock() * 1_000_000))
        try:
            answer = self._script(
                keys=[self.key], args=[self.limit, round(self.window * 1_000_000), uuid.uuid4().hex, now]
            )
        except RedisError as exc:
            raise PacingError(f"Redis svarar inte om utskickstakten: {exc}") from exc
        if int(answer[0]) == 1:
            return Reservation(0.0, int(answer[1]) / 1_000_000)
        return Reservation(int(answer[1]) / 1_000_000, int(answer[2]) / 1_000_000)


class LocalPacer:
    """The window kept in this process alone: for an installation without Redis (one process)."""

    def __init__(
        self, limit: int, window: float = WINDOW_SECONDS, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a pace needs a limit of at least 1 and a window longer than 0")
        self.limit = limit
        self.window = window
        """Seconds the window spans."""
        self.clock = clock
        self._sends: deque[float] = deque()
        self._lock = threading.Lock()

    def reserve(self) -> Reservation:
        """Take a slot for one send now, or say how long until one frees."""
        with self._lock:
            now = self.clock()
            while self._sends and self._sends[0] <= now - self.window:
                self._sends.popleft()
            if len(self._sends) < self.limit:
                self._sends.append(now)
                return Reservation(0.0, now)
            return Reservation(max(self._sends[0] + self.window - now, 1e-6), now)


class PacedSession:
    """A session whose every send first takes a slot in the shared window."""

    def __init__(
        self,
        inner: Sender,
        pacer: Pacer,
        *,
        sleep_at_most: float | None = None,
        budget: float | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.inner = inner
        self.pacer = pacer
        self.sleep_at_most = SLEEP_AT_MOST_SECONDS if sleep_at_most is None else sleep_at_most
        """The longest wait for a slot slept here; a longer one hands the message back."""
        self.budget = SLEEP_BUDGET_SECONDS if budget is None else budget
        """Seconds this session may still sleep for slots."""
        self._sleep = sleep

    def send(
        self,
        msg: Mail,
        recipient: str,
        *,
        envelope_from: str = "",
        meanwhile: Meanwhile | None = None,
        before_end: Meanwhile | None = None,
    ) -> SendResult:
        """Send once a slot is taken; a ``deferred`` result held as ``paced`` when none frees soon."""
        while True:
            try:
                got = self.pacer.reserve()
            except PacingError as exc:
                log.warning("%s — meddelandet väntar %g s", exc, REDIS_DOWN_WAIT_SECONDS)
                return SendResult("deferred", str(exc), Hold.PACED, REDIS_DOWN_WAIT_SECONDS)
            if got.granted:
                return self.inner.send(
                    msg, recipient, envelope_from=envelope_from, meanwhile=meanwhile, before_end=before_end
                )
            if got.wait > self.sleep_at_most or got.wait > self.budget:
                return SendResult("deferred", paced_answer(self.pacer.limit), Hold.PACED, got.wait)
            self.budget -= got.wait
            self._sleep(got.wait)


class PacedTransport:
    """A transport whose sessions send no faster than the shared window allows."""

    def __init__(self, inner: Transport, pacer: Pacer) -> None:
        self.inner = inner
        self.pacer = pacer

    @contextlib.contextmanager
    def session(self) -> Iterator[PacedSession]:
        """Open the inner transport's session, paced."""
        opened: AbstractContextManager[Sender] = self.inner.session()
        with opened as inner:
            yield PacedSession(inner, self.pacer)


def pace_key(delivery: DeliverySettings) -> str:
    """Return the Redis key of the window: one per relay and account, the limit the relay keeps."""
    smtp = delivery.smtp
    who = f"{smtp.host.lower()}:{smtp.port}:{smtp.username or delivery.sender}"
    return "minnes:pace:" + hashlib.sha256(who.encode("utf-8")).hexdigest()[:16]


def paced(transport: Transport, delivery: DeliverySettings, redis_url: str) -> Transport:
    """Return ``transport`` paced to ``delivery.max_per_minute``, or as it is when there is no limit.

    The window lives in the Redis at ``redis_url``; without one (a single process) in this process.
    """
    limit = delivery.max_per_minute
    if limit <= 0 or delivery.method != "smtp":
        return transport
    span = WINDOW_SECONDS + ARRIVAL_MARGIN_SECONDS
    if not redis_url:
        log.warning("delivery.max_per_minute gäller bara den här processen: ingen redis.url är satt")
        return PacedTransport(transport, LocalPacer(limit, span))
    from redis import Redis

    client = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
    return PacedTransport(transport, RedisPacer(client, limit, span, key=pace_key(delivery)))
