"""The delivery report: who the minutes did not reach, and why in plain words."""

from __future__ import annotations

import re
from email.message import EmailMessage

from service.domain.minutes import Minutes
from service.domain.wording import DEFAULT_LANGUAGE, MAIL, REASONS, long_date, meeting_phrase, words
from service.domain.workplace import Member, Workplace
from service.mail.distribution import meeting_of, subject_line
from service.mail.message import first_name, render_body, sender_domain, text_message
from service.mail.message_ids import report_message_id

_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY = re.compile(r"^\s*([245]\d\d)\b")


def explain_reason(reason: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Say in plain words why a recipient was not reached, from a server answer or a bounce."""
    w = words(REASONS, language)
    text = reason or ""
    lower = text.lower()
    enhanced = _CODE.search(text)
    reply = _REPLY.match(text)
    code = enhanced.group(0) if enhanced else ""
    first = enhanced.group(1) if enhanced else (reply.group(1)[0] if reply else "")
    if code in ("5.1.1", "5.1.10", "5.1.6") or "user unknown" in lower or "does not exist" in lower:
        return w["no_such_address"]
    if code == "5.1.2" or "host not found" in lower:
        return w["no_such_domain"]
    if code in ("5.2.2", "4.2.2") or "mailbox full" in lower or "quota" in lower:
        return w["mailbox_full"]
    if code.startswith("5.7") or "spam" in lower or "blocked" in lower:
        return w["policy"]
    if first == "4":
        return w["gave_up"]
    if first == "5":
        return w["refused"]
    if not text.strip():
        return w["unknown"]
    return text.strip()


def delivery_report(
    *,
    minutes: Minutes | dict,
    workplace: Workplace,
    to: Member,
    unreached: list[tuple[str, str, str]],
    archive_url: str,
    sender: str,
) -> EmailMessage:
    """Compose the report to the manager or the skyddsombud naming everyone not reached and why."""
    language = workplace.language
    w = words(MAIL, language)
    date = meeting_of(minutes).get("date")
    count = len(unreached)
    count_text = w["one_person"] if count == 1 else w["people"].format(count=count)
    subject = w["report_subject"].format(
        subject=subject_line(workplace.name, date, language), count=count_text
    )
    message_id = report_message_id(
        workplace_id=workplace.id, date=date, archive_url=archive_url, to=to.email,
        unreached=(email for _, email, _ in unreached), domain=sender_domain(sender),
    )
    body = render_body(
        w["report_template"],
        to_name=first_name(to),
        workplace_name=workplace.name,
        meeting_label=meeting_phrase(workplace.kind, language),
        date_text=long_date(date, language),
        count_text=count_text,
        unreached=[
            {"name": name or email, "email": email, "reason": reason,
             "explanation": explain_reason(reason, language)}
            for name, email, reason in unreached
        ],
        archive_url=archive_url,
    )
    return text_message(
        kind="delivery-report", sender=sender, to=to, subject=subject, message_id=message_id, body=body,
        language=language,
    )
