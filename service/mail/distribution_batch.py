"""A fan-out's distribution mails put together from bytes composed once, not one whole message each."""

from __future__ import annotations

import re
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, getaddresses
from typing import Any

from service.domain.minutes import Minutes
from service.domain.wording import MAIL, words
from service.domain.workplace import Member, Workplace
from service.mail.distribution import distribution, distribution_parts, new_boundary
from service.mail.message import POLICY, address, first_name, needs_utf8, render_body, sender_domain
from service.mail.message_ids import distribution_message_id
from service.mail.wire import wire_bytes

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
    return _header_bytes("To", address(member))


def _message_id_line(message_id: str) -> bytes:
    """Return the Message-ID line; an ASCII id that fits on the line needs no folding."""
    line = f"Message-ID: {message_id}"
    if _PLAIN_ID.fullmatch(message_id) and len(line) <= POLICY.max_line_length:
        return line.encode("ascii") + b"\r\n"
    return _header_bytes("Message-ID", message_id)


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
        minutes: Minutes | dict,
        workplace: Workplace,
        pdf: bytes,
        minutes_id: int,
        version: int,
        archive_url: str,
        sender: str,
        secret: str = "",
        changes: dict[str, Any] | str | None = None,
    ) -> None:
        self._args = {
            "minutes": minutes, "workplace": workplace, "pdf": pdf, "minutes_id": minutes_id,
            "version": version, "archive_url": archive_url, "sender": sender, "secret": secret,
            "changes": changes,
        }
        self._secret = secret
        self.minutes_id, self.version = minutes_id, version
        self.domain = sender_domain(sender)
        self.sender_address = getaddresses([sender])[0][1]
        """The bare From address: the envelope sender unless VERP gives another."""
        self._context = distribution_parts(
            minutes=minutes, workplace=workplace, version=version, archive_url=archive_url, changes=changes
        )[2]
        # Compose one mail the ordinary way, then keep its header lines and attachment as bytes.
        probe = distribution(
            **self._args,
            recipient=Member(name="Minnes", email=f"minnes@{self.domain}", role="employee"),
        )
        self._boundary = probe.get_boundary() or new_boundary()
        self._headers: list[tuple[str, bytes]] = [
            (name.lower(), b"" if name.lower() in _PER_RECIPIENT else POLICY.fold_binary(name, value))
            for name, value in probe.raw_items()
        ]
        _text, attachment = probe.iter_parts()
        self._attachment = wire_bytes(attachment)
        self._template = words(MAIL, workplace.language)["distribution_template"]
        self._texts: dict[str, bytes] = {}
        self._date = ("", b"")

    def message(self, recipient: Member) -> EmailMessage:
        """Return the mail to one recipient as a message object (composed in full, the slow way)."""
        return distribution(**self._args, recipient=recipient)

    def message_id(self, recipient: Member) -> str:
        """Return the Message-ID of the mail to one recipient."""
        return distribution_message_id(
            self.minutes_id, self.version, recipient.email, self.domain, self._secret
        )

    def wire(self, recipient: Member) -> bytes:
        """Return the mail to one recipient serialised as it goes over SMTP (CRLF line ends)."""
        if needs_utf8(recipient):
            return wire_bytes(self.message(recipient))  # headers in UTF-8: rare, composed in full
        own = {
            "to": _to_line(recipient),
            "date": self._date_line(),
            "message-id": _message_id_line(self.message_id(recipient)),
        }
        boundary = self._boundary.encode("ascii")
        return b"".join((
            *(own[name] if name in own else line for name, line in self._headers),
            b"\r\n--", boundary, b"\r\n",
            self._text(first_name(recipient)),
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
            text = self._texts[name] = wire_bytes(part)
        return text
