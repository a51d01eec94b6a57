"""Whether a relay's temporary answer means "slow down", and what a message held back waits.

A relay that throttles (Microsoft 365's "421 4.7.0", a "451 4.7.x … rate limit") has not refused the
message: it is sent again after a short wait, the attempt is not counted (no doubled backoff, no step
towards giving up), and the other recipients go on meanwhile. Our own pace holds a message back the
same way, before a byte of it goes.
"""

from __future__ import annotations

import re
from enum import StrEnum

THROTTLE_WAIT_SECONDS = 15.0
"""How long a message the relay throttled waits before it is tried again."""

_ENHANCED_47 = re.compile(r"(?<![\d.])4\.7\.\d{1,3}(?![\d.])")
"""An enhanced status code of class 4.7 (security or policy, where rate limits live)."""

_RATE_WORDS = re.compile(r"\brate|throttl|too many|slow(?:ing)? down|\bbusy\b|\blimit", re.IGNORECASE)
"""Words relays use when they limit how fast they take mail."""


class Hold(StrEnum):
    """Why a message is tried again later without counting an attempt."""

    THROTTLED = "throttled"
    """The relay asked us to slow down; the message went over the wire and was not taken."""

    PACED = "paced"
    """Our own pace (``delivery.max_per_minute``) had no room; nothing went out."""


def is_throttling(code: int, text: str) -> bool:
    """Tell whether an SMTP answer asks to slow down: any 421, or a 45x with 4.7.x that names a rate."""
    if code == 421:
        return True
    if code in (450, 451, 452):
        return bool(_ENHANCED_47.search(text)) and bool(_RATE_WORDS.search(text))
    return False


def gives_up(hold: Hold, *, past_retry_window: bool) -> bool:
    """Tell whether a held message fails now: only a throttled one whose whole retry window has passed.

    Being held is never a failed attempt; a relay that throttles for longer than ``retry_hours`` still
    leaves the recipient not reached in the end, so that the fan-out settles and the report goes.
    """
    return hold is Hold.THROTTLED and past_retry_window


def paced_answer(limit: int) -> str:
    """Return the note kept on a message our pace held back (the archive's last answer, for admins)."""
    return f"väntar på sin tur: högst {limit} utskick i minuten (delivery.max_per_minute)"
