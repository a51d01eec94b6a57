"""The Transport interface: a session sends one message to one recipient and says what became of it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from service.domain.throttling import THROTTLE_WAIT_SECONDS, Hold, is_throttling
from service.mail.wire import Mail

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

    hold: Hold | None = None
    """Set on a ``deferred`` result that is no failed attempt: the relay throttled, or our pace held
    the message back; it is tried again after :attr:`wait` seconds, the attempt not counted."""

    wait: float = 0.0
    """With :attr:`hold`: seconds to wait before this message is tried again."""

    @property
    def sent(self) -> bool:
        """Tell whether the server accepted the message."""
        return self.outcome == "sent"


def classify(code: int, answer: str | bytes) -> SendResult:
    """Turn an SMTP reply into a result: 2xx sent, 5xx failed, anything else deferred.

    A throttling answer (:func:`~service.domain.throttling.is_throttling`) is deferred and held: it is
    retried after a short wait without counting an attempt.
    """
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    text = " ".join(text.split())
    reply = f"{code} {text}".strip()
    if 200 <= code < 300:
        return SendResult("sent", reply)
    if 500 <= code < 600:
        return SendResult("failed", reply)
    if is_throttling(code, text):
        return SendResult("deferred", reply, Hold.THROTTLED, THROTTLE_WAIT_SECONDS)
    return SendResult("deferred", reply)


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
