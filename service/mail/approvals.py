"""Mail of the justering gate: the approval-request (the draft PDF attached), the reminder, the comment
to the note-taker, and the notice to a manager."""

from __future__ import annotations

import base64
from email.message import EmailMessage, MIMEPart

from service.domain.justering_texts import (
    render_approval_request,
    render_comment,
    render_notice,
    render_reminder,
)
from service.domain.minutes import Minutes
from service.domain.wording import DEFAULT_LANGUAGE
from service.domain.workplace import Member
from service.mail.distribution import new_boundary
from service.mail.message import POLICY, finish, text_message
from service.mail.replies import thread_headers


def draft_filename(minutes: Minutes | dict, workplace_id: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Return the file name of the draft PDF: ``utkast-<workplace>-<date>.pdf``."""
    date = Minutes.of(minutes).meeting.date or ("undated" if language == "en" else "odaterat")
    return f"{'draft' if language == 'en' else 'utkast'}-{workplace_id}-{date}.pdf"


def approval_request(
    *, minutes: Minutes | dict, to: Member, sender: str, reply_to: str, message_id: str, link: str,
    asked: list[str], pdf: bytes, filename: str, language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the approval-request to one justerare: what was understood, the link, the draft PDF attached.

    ``message_id`` holds the reply token; replies go to ``reply_to``, the mailbox Minnes reads.
    """
    subject, body = render_approval_request(minutes, name=to.name, link=link, asked=asked, language=language)
    extra = [("Reply-To", reply_to)] if reply_to else []
    msg = text_message(kind="approval-request", sender=sender, to=to, subject=subject, body=body,
                       language=language, message_id=message_id, extra=extra)
    return _with_pdf(msg, pdf, filename, language)


def approval_reminder(
    *, minutes: Minutes | dict, to: Member, sender: str, reply_to: str, message_id: str,
    request_message_id: str, link: str, asked_on: str, language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose a reminder to a justerare, threaded under the request so that a reply to it answers that."""
    subject, body = render_reminder(minutes, name=to.name, link=link, asked_on=asked_on, language=language)
    extra = [("Reply-To", reply_to)] if reply_to else []
    extra += thread_headers(request_message_id)
    return text_message(kind="reminder", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=message_id, extra=extra)


def justering_comment(
    *, minutes: Minutes | dict, to: str, sender: str, message_id: str, who: str, comment: str,
    approved: list[str], waiting: list[str], in_reply_to: str = "", language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the comment mail: a justerare's own words, quoted as plain text, to the note-taker."""
    subject, body = render_comment(minutes, who=who, comment=comment, approved=approved, waiting=waiting,
                                   language=language)
    return text_message(kind="comment", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=message_id, extra=thread_headers(in_reply_to))


def justering_notice(
    *, minutes: Minutes | dict, to: Member, sender: str, message_id: str, waiting: list[str], asked_on: str,
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the notice to a manager: justerare who have not answered in seven days."""
    subject, body = render_notice(minutes, waiting=waiting, asked_on=asked_on, language=language)
    return text_message(kind="notice", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=message_id)


def _with_pdf(msg: EmailMessage, pdf: bytes, filename: str, language: str) -> EmailMessage:
    """Attach a PDF to a plain-text mail, keeping its Content-Language."""
    del msg["Content-Language"]
    part = MIMEPart(policy=POLICY)
    part["Content-Type"] = "application/pdf"
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment", filename=filename)
    part.set_payload(base64.encodebytes(pdf).decode("ascii"))
    msg.make_mixed()
    msg.attach(part)
    msg.set_boundary(new_boundary())
    return finish(msg, language)
