"""What every mail Minnes composes shares: policy, the common headers, addresses and templated bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email import policy
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from functools import cache
from pathlib import Path

import jinja2

from service.domain.wording import DEFAULT_LANGUAGE, language_of
from service.domain.workplace import Member
from service.mail.wire import ascii_domain

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
"""Folder of the Jinja templates for mail bodies."""

KINDS = (
    "distribution", "receipt", "rejection", "delivery-report", "login-link", "reminder", "confirm-request",
    "approval-request", "hold-notice", "comment", "notice",
)
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


def sender_domain(sender: str) -> str:
    """Return the domain of a From address such as ``Minnes <minnes@exempelby.se>``."""
    addresses = getaddresses([sender])
    addr = addresses[0][1] if addresses else ""
    if "@" not in addr:
        raise ComposeError(f"avsändaradressen '{sender}' saknar domän — ange t.ex. minnes@exempelby.se")
    return addr.rsplit("@", 1)[1].lower()


# --------------------------------------------------------------------------- people


def address(member: Member) -> Address:
    """Return a person's address for a To header, the domain in its ASCII (IDNA) form."""
    local, _, domain = member.email.partition("@")
    return Address(display_name=member.name, username=local, domain=ascii_domain(domain))


def needs_utf8(member: Member) -> bool:
    """Tell whether the address itself is not ASCII, so headers must be UTF-8 (SMTPUTF8)."""
    return not member.email.partition("@")[0].isascii()


def first_name(member: Member) -> str:
    """Return the name a mail greets a person by: the first word of the name, else the whole."""
    parts = member.name.split()
    return parts[0] if parts else member.name


# --------------------------------------------------------------------------- bodies


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


# --------------------------------------------------------------------------- messages


def new_message(
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


def finish(msg: EmailMessage, language: str = DEFAULT_LANGUAGE) -> EmailMessage:
    """Add what must come after the content is set (``set_content`` clears Content-* headers)."""
    msg["Content-Language"] = language_of(language)
    return msg


def text_message(
    *,
    kind: str,
    sender: str,
    to: Member | str,
    subject: str,
    message_id: str,
    body: str,
    language: str,
    extra: Iterable[tuple[str, str]] = (),
) -> EmailMessage:
    """Compose a plain-text mail to one person (a :class:`Member`) or address; ``extra`` headers go
    after the common ones."""
    if isinstance(to, Member):
        msg = new_message(kind=kind, sender=sender, to=address(to), subject=subject, message_id=message_id,
                          utf8=needs_utf8(to))
    else:
        msg = new_message(kind=kind, sender=sender, to=to, subject=subject, message_id=message_id)
    for name, value in extra:
        msg[name] = value
    msg.set_content(body, charset="utf-8")
    return finish(msg, language)
