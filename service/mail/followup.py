"""Mails about actions that come back: the owner's reminder; the overdue and skyddskommitté notices."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.message import EmailMessage

from service.domain.followup import SafetyWarning
from service.domain.followup_texts import (
    Listed,
    render_overdue_notice,
    render_reminder,
    render_safety_notice,
)
from service.domain.minutes import Meeting
from service.domain.wording import DEFAULT_LANGUAGE
from service.domain.workplace import Member
from service.mail.message import sender_domain, text_message


def followup_message_id(kind: str, key: str, sender: str) -> str:
    """Return the Message-ID of one follow-up mail, derived from what it is about: the same when re-sent."""
    digest = hashlib.sha256(f"{kind}\x1f{key}".encode()).hexdigest()[:24]
    return f"<minnes.{kind}.{digest}@{sender_domain(sender)}>"


def reminder(
    *, action: Listed, meeting: Meeting, to: Member, sender: str, key: str, today: str,
    archive_url: str | None = None, language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the ``reminder`` an action's owner gets before it is due."""
    subject, body = render_reminder(action, meeting, to_name=to.name, today=today, archive_url=archive_url,
                                    language=language)
    return text_message(kind="reminder", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=followup_message_id("reminder", key, sender))


def overdue_notice(
    *, action: Listed, meeting: Meeting, to: Member, sender: str, key: str, archive_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the ``notice`` a manager gets when an action has gone overdue."""
    subject, body = render_overdue_notice(action, meeting, to_name=to.name, archive_url=archive_url,
                                          language=language)
    return text_message(kind="notice", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=followup_message_id("notice", key, sender))


def safety_notice(
    *, warnings: Sequence[SafetyWarning], meeting: Meeting, to: Member, sender: str, key: str,
    previous: str = "", archive_url: str | None = None, language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the ``notice`` a manager gets when a skyddskommitté's minutes warn of something."""
    subject, body = render_safety_notice(warnings, meeting, to_name=to.name, previous=previous,
                                         archive_url=archive_url, language=language)
    return text_message(kind="notice", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=followup_message_id("notice", key, sender))
