"""Throttling: which relay answers mean "slow down", and what a held message's row becomes."""

from __future__ import annotations

import datetime as dt

import pytest

from service.archive.claims import RetryPolicy, SendState
from service.domain.throttling import THROTTLE_WAIT_SECONDS, Hold, gives_up, is_throttling, paced_answer
from service.mail.sending import SendResult, classify
from service.steps.mail import outcome_values

NOW = dt.datetime(2026, 12, 4, 20, 0, 0)
POLICY = RetryPolicy(base_seconds=60.0, give_up_hours=48.0)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (421, "4.7.0 Too many messages, slow down"),
        (421, "4.3.2 Service not available, closing transmission channel"),
        (421, "4.7.28 Our system has detected an unusual rate of unsolicited mail"),
        (451, "4.7.500 Server busy. Please try again later"),
        (451, "4.7.1 Rate limit exceeded, try again later"),
        (450, "4.7.1 Message rate-limited"),
        (452, "4.7.0 Throttling in effect"),
    ],
)
def test_throttling_answers(code: int, text: str) -> None:
    assert is_throttling(code, text)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (451, "4.7.1 <a@exempelby.se>: Recipient address rejected: try again later"),  # greylisting
        (451, "4.3.0 Rate limit exceeded"),  # not a 4.7 policy answer
        (451, "4.7.1 Please try again in a separate connection"),  # "rate" only inside a word
        (450, "4.2.1 Mailbox busy"),
        (452, "4.2.2 Mailbox full"),
        (550, "5.7.1 Rate limit exceeded"),  # a refusal stays a refusal
        (250, "2.0.0 queued"),
        (454, "4.7.0 TLS not available"),
    ],
)
def test_answers_that_are_not_throttling(code: int, text: str) -> None:
    assert not is_throttling(code, text)


def test_classify_holds_a_throttling_answer_for_a_short_wait() -> None:
    throttled = classify(421, b"4.7.0 Too many messages, slow down")
    assert throttled.outcome == "deferred" and throttled.answer.startswith("421 4.7.0")
    assert throttled.hold is Hold.THROTTLED and throttled.wait == THROTTLE_WAIT_SECONDS
    greylisted = classify(451, "4.7.1 try again later")
    assert greylisted == SendResult("deferred", "451 4.7.1 try again later")
    assert classify(550, "5.7.1 rate").hold is None and classify(250, "ok").hold is None


def test_a_held_message_waits_without_counting_an_attempt() -> None:
    created = NOW - dt.timedelta(hours=1)
    throttled = SendResult("deferred", "421 4.7.0 slow down", Hold.THROTTLED, 15.0)
    values = outcome_values(POLICY, 3, created, throttled, NOW)
    assert values["state"] == SendState.DEFERRED
    assert values["attempts"] == 2  # the claim counted this one; it is given back
    assert values["next_attempt_at"] == NOW + dt.timedelta(seconds=15)
    assert values["last_answer"] == "421 4.7.0 slow down"
    paced = SendResult("deferred", paced_answer(30), Hold.PACED, 42.5)
    values = outcome_values(POLICY, 1, created, paced, NOW)
    assert values["attempts"] == 0 and values["next_attempt_at"] == NOW + dt.timedelta(seconds=42.5)
    assert "30" in str(values["last_answer"]) and "misslyck" not in str(values["last_answer"])


def test_an_ordinary_deferral_still_counts_and_backs_off() -> None:
    values = outcome_values(POLICY, 3, NOW, SendResult("deferred", "451 4.3.0 later"), NOW)
    assert values["state"] == SendState.DEFERRED and "attempts" not in values
    assert values["next_attempt_at"] == NOW + POLICY.delay(3)


def test_only_throttling_past_the_whole_retry_window_gives_up() -> None:
    old = NOW - dt.timedelta(hours=49)
    throttled = SendResult("deferred", "421 4.7.0 slow down", Hold.THROTTLED, 15.0)
    assert outcome_values(POLICY, 7, old, throttled, NOW)["state"] == SendState.FAILED
    paced = SendResult("deferred", paced_answer(30), Hold.PACED, 10.0)
    assert outcome_values(POLICY, 7, old, paced, NOW)["state"] == SendState.DEFERRED
    assert gives_up(Hold.THROTTLED, past_retry_window=True)
    assert not gives_up(Hold.THROTTLED, past_retry_window=False)
    assert not gives_up(Hold.PACED, past_retry_window=True)
