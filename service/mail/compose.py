"""Compose the mail Minnes sends: distribution, receipt, rejection and delivery report."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from email import policy
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, getaddresses, make_msgid
from functools import cache, lru_cache
from pathlib import Path

import jinja2

from service.domain.receipt import render_receipt, render_rejection
from service.domain.wording import (
    DEFAULT_LANGUAGE,
    MAIL,
    REASONS,
    language_of,
    long_date,
    meeting_phrase,
    swedish_date,  # noqa: F401 - re-exported for older callers
    words,
)
from service.domain.workplace import Member, Workplace

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
"""Folder of the Jinja templates for mail bodies."""

KINDS = ("distribution", "receipt", "rejection", "delivery-report", "login-link", "reminder")
"""Values of ``X-Minnes-Kind`` (``mail.md``)."""


class _HeaderClasses(HeaderRegistry):
    """A header registry that makes each header class once; the stdlib makes a new one per header."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


POLICY = policy.SMTP.clone(header_factory=_HeaderClasses())
"""Policy of every composed message: SMTP (CRLF, encoded UTF-8 headers), faster header classes."""


class ComposeError(Exception):
    """A message cannot be composed from what was given (for instance a sender without a domain)."""


# --------------------------------------------------------------------------- helpers


def sender_domain(sender: str) -> str:
    """Return the domain of a From address such as ``Minnes <minnes@exempelby.se>``."""
    addresses = getaddresses([sender])
    addr = addresses[0][1] if addresses else ""
    if "@" not in addr:
        raise ComposeError(f"avsändaradressen '{sender}' saknar domän — ange t.ex. minnes@exempelby.se")
    return addr.rsplit("@", 1)[1].lower()


def _digest(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def distribution_message_id(minutes_id: int, version: int, email: str, domain: str) -> str:
    """Return the Message-ID of one distribution mail: the same for every re-sent copy."""
    digest = _digest("distribution", minutes_id, version, email.strip().lower())[:20]
    return f"<minnes.{minutes_id}.{version}.{digest}@{domain.strip().lower()}>"


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


@cache
def _environment() -> jinja2.Environment:
    if not TEMPLATES.is_dir():
        raise ComposeError(f"mallmappen {TEMPLATES} saknas")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_body(template: str, **context: object) -> str:
    """Render a plain-text mail body from ``templates/mail/``, with blank-line runs squeezed."""
    try:
        text = _environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise ComposeError(f"mallen {template}: {exc}") from exc
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def _new_message(
    *, kind: str, sender: str, to: Address | str, subject: str, message_id: str, utf8: bool = False
) -> EmailMessage:
    """Start a message with the headers every Minnes mail carries."""
    if kind not in KINDS:
        raise ComposeError(f"okänd sorts meddelande '{kind}'")
    msg = EmailMessage(policy=POLICY.clone(utf8=True) if utf8 else POLICY)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Minnes-Kind"] = kind
    return msg


def _finish(msg: EmailMessage, language: str = DEFAULT_LANGUAGE) -> EmailMessage:
    """Add what must come after the content is set (``set_content`` clears Content-* headers)."""
    msg["Content-Language"] = language_of(language)
    return msg


def _reply_headers(msg: EmailMessage, in_reply_to: str) -> None:
    ref = in_reply_to.strip()
    if ref:
        if not ref.startswith("<"):
            ref = f"<{ref}>"
        msg["In-Reply-To"] = ref
        msg["References"] = ref


def _meeting(minutes: dict) -> dict:
    return minutes.get("meeting") or {}


def _subject(workplace_name: str, date: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    return " ".join(p for p in (words(MAIL, language)["subject"], workplace_name, date or "") if p)


def _decisions(minutes: dict, language: str) -> list[dict[str, str]]:
    w = words(MAIL, language)
    found: list[dict[str, str]] = []
    for item in minutes.get("items") or []:
        for text in item.get("decisions") or []:
            where = w["where_item"].format(number=item.get("number"), title=item.get("title"))
            found.append({"text": text, "where": where})
    for section in minutes.get("unplanned") or []:
        for text in section.get("decisions") or []:
            found.append({"text": text, "where": w["where_other"].format(heading=section.get("heading"))})
    return found


def _actions(minutes: dict, language: str) -> list[dict[str, str]]:
    w = words(MAIL, language)
    found: list[dict[str, str]] = []
    sections = list(minutes.get("items") or []) + list(minutes.get("unplanned") or [])
    for section in sections:
        for action in section.get("actions") or []:
            found.append({
                "what": str(action.get("what") or "").strip(),
                "owner": str(action.get("owner") or "").strip() or w["no_owner"],
                "due": long_date(action.get("due"), language) or w["no_due"],
            })
    return found


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


def _ascii_domain(domain: str) -> str:
    """Return an internationalised domain in its ASCII (IDNA) form; others unchanged."""
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def _address(member: Member) -> Address:
    local, _, domain = member.email.partition("@")
    return Address(display_name=member.name, username=local, domain=_ascii_domain(domain))


def _needs_utf8(member: Member) -> bool:
    """Tell whether the address itself is not ASCII, so headers must be UTF-8 (SMTPUTF8)."""
    return not member.email.partition("@")[0].isascii()


# --------------------------------------------------------------------------- messages


def _distribution_parts(
    *, minutes: dict, workplace: Workplace, version: int, archive_url: str
) -> tuple[str, str, dict[str, object]]:
    """Return the subject, the PDF's file name and the body context every recipient shares."""
    language = workplace.language
    w = words(MAIL, language)
    date = _meeting(minutes).get("date")
    subject = _subject(workplace.name, date, language)
    if version > 1:
        subject += w["corrected"].format(version=version)
    suffix = f"-v{version}" if version > 1 else ""
    filename = w["filename"].format(id=workplace.id, date=date or w["undated"], suffix=suffix)
    context: dict[str, object] = {
        "workplace_name": workplace.name,
        "meeting_label": meeting_phrase(workplace.kind, language),
        "date_text": long_date(date, language),
        "version": version,
        "decisions": _decisions(minutes, language),
        "actions": _actions(minutes, language),
        "archive_url": archive_url,
        "manager_names": w["or"].join(m.name for m in workplace.managers),
    }
    return subject, filename, context


def _first_name(member: Member) -> str:
    words = member.name.split()
    return words[0] if words else member.name


def _new_boundary() -> str:
    # A boundary with "=_" cannot occur in base64 or quoted-printable text, so the generator need not
    # search the body for a collision (a millisecond per mail in a large fan-out).
    return f"=_minnes_{secrets.token_hex(12)}"


def distribution(
    *,
    minutes: dict,
    workplace: Workplace,
    recipient: Member,
    pdf: bytes,
    minutes_id: int,
    version: int,
    archive_url: str,
    sender: str,
) -> EmailMessage:
    """Compose the signed minutes to one person alone, the PDF attached."""
    subject, filename, context = _distribution_parts(
        minutes=minutes, workplace=workplace, version=version, archive_url=archive_url
    )
    domain = sender_domain(sender)
    msg = _new_message(
        kind="distribution",
        sender=sender,
        to=_address(recipient),
        subject=subject,
        message_id=distribution_message_id(minutes_id, version, recipient.email, domain),
        utf8=_needs_utf8(recipient),
    )
    template = words(MAIL, workplace.language)["distribution_template"]
    body = render_body(template, recipient_name=_first_name(recipient), **context)
    msg.set_content(body, charset="utf-8")
    msg.make_mixed()
    msg.attach(_pdf_part(pdf, filename))
    msg.set_boundary(_new_boundary())
    return _finish(msg, workplace.language)


_PER_RECIPIENT = frozenset({"to", "date", "message-id"})
"""Headers of a distribution mail that differ between recipients (besides the body text)."""


def _header_bytes(name: str, value: object) -> bytes:
    """Return one header line as the generator writes it under :data:`POLICY`."""
    return POLICY.fold_binary(*POLICY.header_store_parse(name, value))


_PLAIN_NAME = re.compile(r"[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_PLAIN_ID = re.compile(r"<[A-Za-z0-9._-]+@[A-Za-z0-9.-]+>")


def _to_line(member: Member) -> bytes:
    """Return the To line of a mail to one person; a plain ASCII name and address need no folding."""
    if _PLAIN_ADDRESS.fullmatch(member.email) and (not member.name or _PLAIN_NAME.fullmatch(member.name)):
        line = f"To: {member.name} <{member.email}>" if member.name else f"To: {member.email}"
        if len(line) <= POLICY.max_line_length:
            return line.encode("ascii") + b"\r\n"
    return _header_bytes("To", _address(member))


def _message_id_line(message_id: str) -> bytes:
    """Return the Message-ID line; an ASCII id that fits on the line needs no folding."""
    line = f"Message-ID: {message_id}"
    if _PLAIN_ID.fullmatch(message_id) and len(line) <= POLICY.max_line_length:
        return line.encode("ascii") + b"\r\n"
    return _header_bytes("Message-ID", message_id)


def _part_bytes(part: MIMEPart | EmailMessage) -> bytes:
    """Serialise one MIME part as it goes over SMTP."""
    from service.mail.transport import wire_bytes

    return wire_bytes(part)


class DistributionBatch:
    """The distribution mails of one fan-out, with what every recipient shares composed only once.

    :func:`distribution` builds and serialises the whole message, PDF included, for each person; here
    the headers and the attachment are serialised once, and each recipient's mail is put together from
    those bytes and its own To, Date, Message-ID and body text. :meth:`wire` gives the same bytes as
    ``wire_bytes(distribution(...))`` but for the Date and the multipart boundary.
    """

    def __init__(
        self,
        *,
        minutes: dict,
        workplace: Workplace,
        pdf: bytes,
        minutes_id: int,
        version: int,
        archive_url: str,
        sender: str,
    ) -> None:
        self._args = {
            "minutes": minutes, "workplace": workplace, "pdf": pdf, "minutes_id": minutes_id,
            "version": version, "archive_url": archive_url, "sender": sender,
        }
        self.minutes_id, self.version = minutes_id, version
        self.domain = sender_domain(sender)
        self.sender_address = getaddresses([sender])[0][1]
        """The bare From address: the envelope sender unless VERP gives another."""
        self._context = _distribution_parts(
            minutes=minutes, workplace=workplace, version=version, archive_url=archive_url
        )[2]
        # Compose one mail the ordinary way, then keep its header lines and attachment as bytes.
        probe = distribution(
            **self._args,
            recipient=Member(name="Minnes", email=f"minnes@{self.domain}", role="employee"),
        )
        self._boundary = probe.get_boundary() or _new_boundary()
        self._headers: list[tuple[str, bytes]] = [
            (name.lower(), b"" if name.lower() in _PER_RECIPIENT else POLICY.fold_binary(name, value))
            for name, value in probe.raw_items()
        ]
        _text, attachment = probe.iter_parts()
        self._attachment = _part_bytes(attachment)
        self._template = words(MAIL, workplace.language)["distribution_template"]
        self._texts: dict[str, bytes] = {}
        self._date = ("", b"")

    def message(self, recipient: Member) -> EmailMessage:
        """Return the mail to one recipient as a message object (composed in full, the slow way)."""
        return distribution(**self._args, recipient=recipient)

    def message_id(self, recipient: Member) -> str:
        """Return the Message-ID of the mail to one recipient."""
        return distribution_message_id(self.minutes_id, self.version, recipient.email, self.domain)

    def wire(self, recipient: Member) -> bytes:
        """Return the mail to one recipient serialised as it goes over SMTP (CRLF line ends)."""
        if _needs_utf8(recipient):
            return _part_bytes(self.message(recipient))  # headers in UTF-8: rare, composed in full
        own = {
            "to": _to_line(recipient),
            "date": self._date_line(),
            "message-id": _message_id_line(self.message_id(recipient)),
        }
        boundary = self._boundary.encode("ascii")
        return b"".join((
            *(own[name] if name in own else line for name, line in self._headers),
            b"\r\n--", boundary, b"\r\n",
            self._text(_first_name(recipient)),
            b"\r\n--", boundary, b"\r\n",
            self._attachment,
            b"\r\n--", boundary, b"--\r\n",
        ))

    def _date_line(self) -> bytes:
        now = formatdate(localtime=True)
        if self._date[0] != now:
            self._date = (now, _header_bytes("Date", now))
        return self._date[1]

    def _text(self, name: str) -> bytes:
        """Return the serialised text part greeting ``name``; one per distinct first name."""
        text = self._texts.get(name)
        if text is None:
            part = MIMEPart(policy=POLICY)
            part.set_content(
                render_body(self._template, recipient_name=name, **self._context), charset="utf-8"
            )
            text = self._texts[name] = _part_bytes(part)
        return text


def _reply_id(kind: str, in_reply_to: str, to: str, domain: str) -> str:
    """Derive a reply's Message-ID from the message it answers, so a repeated job repeats the id."""
    if in_reply_to.strip():
        return f"<minnes.{kind}.{_digest(kind, in_reply_to.strip(), to.strip().lower())[:24]}@{domain}>"
    return make_msgid(idstring=f"minnes.{kind}", domain=domain)


def _reply(
    *, kind: str, subject: str, body: str, to: str, sender: str, in_reply_to: str, language: str
) -> EmailMessage:
    """Compose an answer to the sender of a draft, threaded under it."""
    msg = _new_message(
        kind=kind, sender=sender, to=to, subject=subject,
        message_id=_reply_id(kind, in_reply_to, to, sender_domain(sender)),
    )
    _reply_headers(msg, in_reply_to)
    msg.set_content(body, charset="utf-8")
    return _finish(msg, language)


def receipt(
    *, output: dict, to: str, sender: str, in_reply_to: str = "", archive_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the note-taker's receipt in the workplace's language, per ``render_receipt``."""
    subject, body = render_receipt(output, archive_url=archive_url, language=language)
    return _reply(kind="receipt", subject=subject, body=body, to=to, sender=sender, in_reply_to=in_reply_to,
                  language=language)


def rejection(
    *, output: dict, to: str, sender: str, subject: str = "", in_reply_to: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Compose the answer to a rejected message, per ``render_rejection`` (Swedish by default)."""
    title, body = render_rejection(output, subject=subject, language=language)
    return _reply(kind="rejection", subject=title, body=body, to=to, sender=sender, in_reply_to=in_reply_to,
                  language=language)


def delivery_report(
    *,
    minutes: dict,
    workplace: Workplace,
    to: Member,
    unreached: list[tuple[str, str, str]],
    archive_url: str,
    sender: str,
) -> EmailMessage:
    """Compose the report to the manager or the skyddsombud naming everyone not reached and why."""
    language = workplace.language
    w = words(MAIL, language)
    meeting = _meeting(minutes)
    date = meeting.get("date")
    count = len(unreached)
    count_text = w["one_person"] if count == 1 else w["people"].format(count=count)
    subject = w["report_subject"].format(subject=_subject(workplace.name, date, language), count=count_text)
    domain = sender_domain(sender)
    key = sorted(email.lower() for _, email, _ in unreached)
    message_id = f"<minnes.report.{_digest(workplace.id, date, archive_url, to.email, *key)[:24]}@{domain}>"
    msg = _new_message(
        kind="delivery-report", sender=sender, to=_address(to), subject=subject, message_id=message_id,
        utf8=_needs_utf8(to),
    )
    body = render_body(
        w["report_template"],
        to_name=to.name.split()[0] if to.name.split() else to.name,
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
    msg.set_content(body, charset="utf-8")
    return _finish(msg, language)
