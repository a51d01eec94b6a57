"""The distribution mail: the signed minutes to one person alone, the PDF attached."""

from __future__ import annotations

import base64
import secrets
from email.message import EmailMessage, MIMEPart
from functools import lru_cache
from typing import Any

from service.domain import changes as changes_
from service.domain import changes_texts
from service.domain.minutes import Minutes
from service.domain.wording import DEFAULT_LANGUAGE, MAIL, long_date, meeting_phrase, words
from service.domain.workplace import Member, Workplace
from service.mail.message import (
    POLICY,
    address,
    finish,
    first_name,
    needs_utf8,
    new_message,
    render_body,
    sender_domain,
)
from service.mail.message_ids import distribution_message_id


def meeting_of(minutes: Minutes | dict) -> dict:
    """Return the ``meeting`` part of structured minutes, empty when there is none."""
    if isinstance(minutes, Minutes):
        return minutes.to_json()["meeting"]
    return minutes.get("meeting") or {}


def subject_line(workplace_name: str, date: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """Return the subject of the minutes of one meeting ("Minnesanteckningar <workplace> <date>")."""
    return " ".join(p for p in (words(MAIL, language)["subject"], workplace_name, date or "") if p)


def _decisions(m: Minutes, language: str) -> list[dict[str, str]]:
    w = words(MAIL, language)
    found = [
        {"text": text, "where": w["where_item"].format(number=item.number, title=item.title)}
        for item in m.items for text in item.decisions
    ]
    found += [
        {"text": text, "where": w["where_other"].format(heading=section.heading)}
        for section in m.unplanned for text in section.decisions
    ]
    return found


def _actions(m: Minutes, language: str) -> list[dict[str, str]]:
    w = words(MAIL, language)
    return [
        {
            "what": ref.action.what.strip(),
            "owner": (ref.action.owner or "").strip() or w["no_owner"],
            "due": long_date(ref.action.due, language) or w["no_due"],
        }
        for ref in m.all_actions()
    ]


MAIL_CHANGES = 10
"""Most change lines a corrected version's mail lists; the rest are counted and left to the archive page."""

TEXTS = {
    "sv": {"and": " och ", "overdue": " (försenad)"},
    "en": {"and": " and ", "overdue": " (overdue)"},
}
"""Small words of the distribution body that the templates do not hold."""


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def _followup(raw: dict[str, Any], language: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the actions from earlier meetings still open and those now done, as the body lists them."""
    data = raw.get("followup")
    if not isinstance(data, dict):
        return [], []
    w = words(MAIL, language)
    still_open = [
        {
            "what": _clean(a.get("what")),
            "owner": _clean(a.get("owner")) or w["no_owner"],
            "due": long_date(_clean(a.get("due")), language) or w["no_due"],
            "overdue": TEXTS[language]["overdue"] if a.get("overdue") else "",
            "meeting": long_date(_clean(a.get("meeting_date")), language),
        }
        for a in data.get("open") or () if isinstance(a, dict) and _clean(a.get("what"))
    ]
    done = [
        {
            "what": _clean(a.get("what")),
            "owner": _clean(a.get("owner")),
            "meeting": long_date(_clean(a.get("meeting_date")), language),
        }
        for a in data.get("closed") or () if isinstance(a, dict) and _clean(a.get("what"))
    ]
    return still_open, done


def _justerare(raw: dict[str, Any], language: str) -> str:
    """Return who justerade the minutes, "Karin Berg och Maria Lind"; '' when nobody did."""
    people = [j for j in raw.get("justering") or () if isinstance(j, dict)]
    names = [n for n in (_clean(j.get("name") or j.get("email")) for j in people) if n]
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + TEXTS[language]["and"] + names[-1]


def _changes(stored: dict[str, Any] | str | None, language: str) -> tuple[list[str] | None, int]:
    """Return the change lines a corrected version's mail shows (None when none were computed) and how
    many more there are."""
    if changes_.load(stored) is None:
        return None, 0
    lines = changes_texts.summary_lines(stored, language)
    return lines[:MAIL_CHANGES], max(len(lines) - MAIL_CHANGES, 0)


@lru_cache(maxsize=4)
def _base64(pdf: bytes) -> str:
    return base64.encodebytes(pdf).decode("ascii")


def _pdf_part(pdf: bytes, filename: str) -> MIMEPart:
    """Return the PDF as an attachment part, base64-encoded once per PDF for a whole fan-out."""
    part = MIMEPart(policy=POLICY)
    part["Content-Type"] = "application/pdf"
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-Disposition", "attachment", filename=filename)
    part.set_payload(_base64(pdf))
    return part


def new_boundary() -> str:
    """Return a fresh multipart boundary."""
    # A boundary with "=_" cannot occur in base64 or quoted-printable text, so the generator need not
    # search the body for a collision (a millisecond per mail in a large fan-out).
    return f"=_minnes_{secrets.token_hex(12)}"


def distribution_parts(
    *,
    minutes: Minutes | dict,
    workplace: Workplace,
    version: int,
    archive_url: str,
    changes: dict[str, Any] | str | None = None,
) -> tuple[str, str, dict[str, object]]:
    """Return the subject, the PDF's file name and the body context every recipient shares.

    ``changes`` are a corrected version's changes (:mod:`service.domain.changes`, stored or as data).
    """
    language = workplace.language
    raw = minutes if isinstance(minutes, dict) else {}
    w = words(MAIL, language)
    m = Minutes.of(minutes)
    date = m.meeting.date
    subject = subject_line(workplace.name, date, language)
    if version > 1:
        subject += w["corrected"].format(version=version)
    suffix = f"-v{version}" if version > 1 else ""
    filename = w["filename"].format(id=workplace.id, date=date or w["undated"], suffix=suffix)
    changed, more = _changes(changes, language) if version > 1 else (None, 0)
    still_open, done = _followup(raw, language)
    context: dict[str, object] = {
        "workplace_name": workplace.name,
        "meeting_label": meeting_phrase(workplace.kind, language),
        "date_text": long_date(date, language),
        "version": version,
        "decisions": _decisions(m, language),
        "actions": _actions(m, language),
        "archive_url": archive_url,
        "manager_names": w["or"].join(m.name for m in workplace.managers),
        "changes": changed,
        "more_changes": more,
        "followup_open": still_open,
        "followup_closed": done,
        "justerare": _justerare(raw, language),
    }
    return subject, filename, context


def distribution(
    *,
    minutes: Minutes | dict,
    workplace: Workplace,
    recipient: Member,
    pdf: bytes,
    minutes_id: int,
    version: int,
    archive_url: str,
    sender: str,
    secret: str = "",
    changes: dict[str, Any] | str | None = None,
) -> EmailMessage:
    """Compose the signed minutes to one person alone, the PDF attached (``secret`` keys its Message-ID).

    A corrected version's mail opens with what changed (``changes``).
    """
    subject, filename, context = distribution_parts(
        minutes=minutes, workplace=workplace, version=version, archive_url=archive_url, changes=changes
    )
    domain = sender_domain(sender)
    msg = new_message(
        kind="distribution",
        sender=sender,
        to=address(recipient),
        subject=subject,
        message_id=distribution_message_id(minutes_id, version, recipient.email, domain, secret),
        utf8=needs_utf8(recipient),
    )
    template = words(MAIL, workplace.language)["distribution_template"]
    body = render_body(template, recipient_name=first_name(recipient), **context)
    msg.set_content(body, charset="utf-8")
    msg.make_mixed()
    msg.attach(_pdf_part(pdf, filename))
    msg.set_boundary(new_boundary())
    return finish(msg, workplace.language)
