"""Answers to the sender of a draft, threaded under it: the receipt, the rejection, the confirm-request."""

from __future__ import annotations

from email.message import EmailMessage

from service.domain.minutes import Minutes
from service.domain.receipt import render_confirm_request, render_receipt, render_rejection
from service.domain.wording import DEFAULT_LANGUAGE
from service.mail.message import sender_domain, text_message
from service.mail.message_ids import reply_message_id


def thread_headers(in_reply_to: str) -> list[tuple[str, str]]:
    """Return the In-Reply-To and References headers that thread an answer under a message."""
    ref = in_reply_to.strip()
    if not ref:
        return []
    if not ref.startswith("<"):
        ref = f"<{ref}>"
    return [("In-Reply-To", ref), ("References", ref)]


def _reply(
    *, kind: str, subject: str, body: str, to: str, sender: str, in_reply_to: str, language: str
) -> EmailMessage:
    """Compose an answer to the sender of a draft, threaded under it."""
    return text_message(
        kind=kind, sender=sender, to=to, subject=subject, body=body, language=language,
        message_id=reply_message_id(kind, in_reply_to, to, sender_domain(sender)),
        extra=thread_headers(in_reply_to),
    )


def receipt(
    *, output: dict, to: str, sender: str, in_reply_to: str = "", archive_url: str | None = None,
    language: str = DEFAULT_LANGUAGE, waiting: list[str] | None = None, followup: list[str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """Compose the note-taker's receipt in the workplace's language, per ``render_receipt``.

    ``waiting`` says what the minutes wait for (a gate) instead of "they are sent now"; ``message_id``
    replaces the derived one (a receipt a STOPP reply may answer carries a token).
    """
    subject, body = render_receipt(output, archive_url=archive_url, language=language, waiting=waiting,
                                   followup=followup)
    if message_id is None:
        return _reply(kind="receipt", subject=subject, body=body, to=to, sender=sender,
                      in_reply_to=in_reply_to, language=language)
    return text_message(kind="receipt", sender=sender, to=to, subject=subject, body=body, language=language,
                        message_id=message_id, extra=thread_headers(in_reply_to))


def rejection(
    *, output: dict, to: str, sender: str, subject: str = "", in_reply_to: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the answer to a rejected message, per ``render_rejection`` (Swedish by default)."""
    title, body = render_rejection(output, subject=subject, language=language)
    return _reply(kind="rejection", subject=title, body=body, to=to, sender=sender, in_reply_to=in_reply_to,
                  language=language)


def confirm_request(
    *, minutes: Minutes | dict, to: str, sender: str, reply_to: str, message_id: str, link: str,
    expires: str, in_reply_to: str = "", language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the confirm-request to the roster address an unauthenticated draft claims to come from.

    ``message_id`` holds the reply token (:func:`service.domain.requests.request_message_id`); replies
    go to ``reply_to``, the mailbox Minnes reads.
    """
    subject, body = render_confirm_request(minutes, link=link, expires=expires, language=language)
    extra = [("Reply-To", reply_to)] if reply_to else []
    extra += thread_headers(in_reply_to)
    return text_message(kind="confirm-request", sender=sender, to=to, subject=subject, body=body,
                        language=language, message_id=message_id, extra=extra)


def hold_notice(
    *, minutes: Minutes | dict, to: str, sender: str, release_link: str | None = None, in_reply_to: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose a hold-notice: what the privacy check found, how to correct, and (managers) how to release."""
    from service.domain.gate_texts import render_hold_notice

    subject, body = render_hold_notice(minutes, release_link=release_link, language=language)
    return _reply(kind="hold-notice", subject=subject, body=body, to=to, sender=sender,
                  in_reply_to=in_reply_to, language=language)
