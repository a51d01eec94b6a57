"""Turn one raw email into structured minutes: parse, route, authorise, structure.

This is the application service behind ``minnes structure`` and the pipeline's process job.
It touches no database, queue or network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from service.config import Config
from service.domain.document import Line, lines_from_text
from service.domain.htmltext import html_to_lines
from service.domain.routing import AUTH_FAIL, AUTH_PASS, known_sender, route, sender_verdict
from service.domain.structure import Draft, NoMinutesFound, structure_draft
from service.domain.workplace import Workplace
from service.mail.attachments import UnreadableAttachment, attachment_lines, kind_of
from service.mail.reading import MalformedMessage, ReadMessage, read_headers, read_message


@dataclass(frozen=True)
class StructureOutcome:
    """What became of one message."""

    output: dict
    """The JSON object of ``contracts/structure-output.md`` (status, error, meeting, items…)."""

    workplace: Workplace | None = None
    """The workplace the message was routed to, when routing succeeded."""

    sender_email: str = ""
    """The sender's address, lower case ('' when none could be read)."""

    sender_name: str = ""
    """The sender's display name."""

    sender_known: bool = False
    """The sender is on some workplace's roster or note-taker list."""

    sender_authenticated: bool = False
    """A trusted Authentication-Results header says dmarc=pass or aligned dkim=pass."""

    automatic: bool = False
    """The message is itself automatic (Auto-Submitted, Precedence bulk, auto-reply subject)."""

    policy: str = "confirm"
    """``intake.unauthenticated_sender``: what an unauthenticated draft gets."""

    message_id: str = ""
    """The Message-ID header, with angle brackets ('' when missing)."""

    subject: str = ""
    """The decoded subject."""

    warnings: tuple[dict, ...] = field(default=())
    """The output's warnings, for convenience."""

    @property
    def accepted(self) -> bool:
        """Tell whether the message was accepted as minutes."""
        return self.output.get("status") == "accepted"

    @property
    def needs_confirmation(self) -> bool:
        """Tell whether the accepted minutes wait for their unauthenticated sender to confirm them."""
        return self.accepted and not self.sender_authenticated and self.policy == "confirm"

    @property
    def may_reply(self) -> bool:
        """Tell whether Minnes may send a receipt or rejection (no backscatter, no mail loops).

        Only to an authenticated sender; to an unauthenticated roster address only under
        ``unauthenticated_sender = "accept"`` (under "confirm" it hears through a confirm-request).
        """
        if self.automatic or not self.sender_email:
            return False
        if self.sender_authenticated:
            return True
        return self.sender_known and self.policy == "accept"


# --------------------------------------------------------------------------- rejections


def _rejected(code: str, message: str) -> dict:
    return {"status": "rejected", "error": {"code": code, "message": message}}


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f}".replace(".", ",")


def _sources(msg: ReadMessage) -> tuple[list[tuple[str, list[Line]]], tuple[str, str] | None]:
    """Return the texts that may hold the minutes, best first, and the first unreadable attachment and why."""
    sources: list[tuple[str, list[Line]]] = []
    problem: tuple[str, str] | None = None
    for att in msg.attachments:
        if kind_of(att) is None:
            continue
        try:
            sources.append((f"attachment:{att.filename}", attachment_lines(att)))
        except UnreadableAttachment as exc:
            if problem is None:
                problem = (att.filename or "", str(exc))
    if msg.text_html.strip():
        sources.append(("html", html_to_lines(msg.text_html)))
    if msg.text_plain.strip():
        sources.append(("plain", lines_from_text(msg.text_plain)))
    if msg.forwarded_html.strip():
        sources.append(("forwarded-html", html_to_lines(msg.forwarded_html)))
    if msg.forwarded_plain.strip():
        sources.append(("forwarded-plain", lines_from_text(msg.forwarded_plain)))
    return sources, problem


def read_draft(raw: bytes, config: Config, *, size: int | None = None) -> ReadMessage:
    """Parse a raw message once (only its header when it is too large); raise MalformedMessage."""
    size = len(raw) if size is None else size
    if size > config.settings.intake.max_message_bytes:
        return dataclasses.replace(read_headers(raw), size=size)
    return read_message(raw)


def structure_message(
    raw: bytes,
    config: Config,
    *,
    workplace_id: str | None = None,
    skip_sender_check: bool = False,
    size: int | None = None,
    message: ReadMessage | None = None,
) -> StructureOutcome:
    """Structure one raw message against the configuration; never raises for bad input.

    ``size`` is the message's size when ``raw`` holds only its header (intake kept no more of a
    message too large to take); ``message`` is ``raw`` already parsed by :func:`read_draft`.
    """
    intake = config.settings.intake
    size = len(raw) if size is None else size
    too_large = size > intake.max_message_bytes
    try:
        msg = message if message is not None else read_draft(raw, config, size=size)
    except MalformedMessage:
        return StructureOutcome(_rejected("malformed_message", MESSAGES["malformed_message"]))
    authenticated = sender_verdict(
        msg.headers, trusted_authserv_id=intake.trusted_authserv_id,
        trusted_internal_header=intake.trusted_internal_header, from_domain=msg.from_email.rpartition("@")[2],
    )
    if skip_sender_check:
        authenticated = "none"
    base = {
        "sender_email": msg.from_email,
        "sender_name": msg.from_name,
        "sender_known": known_sender(config.workplaces, msg.from_email),
        "sender_authenticated": authenticated == AUTH_PASS,
        "automatic": msg.automatic,
        "policy": intake.unauthenticated_sender,
        "message_id": msg.message_id,
        "subject": msg.subject,
    }

    def reject(code: str, routed: Workplace | None = None, *, attachment: tuple[str, str] | None = None,
               **values: str) -> StructureOutcome:
        """Reject with the code's text in the routed workplace's language (Swedish while none is known)."""
        english = routed is not None and routed.language == "en"
        values.setdefault("sender", msg.from_email or ("unknown" if english else "okänd"))
        message = (MESSAGES_EN if english else MESSAGES)[code].format(**values)
        if attachment is not None:
            problem = _attachment_problem(*attachment, english=english)
            # A reason that already says what to send instead needs no second piece of advice.
            advised = re.search(r"\b(?:skicka|send)\b", attachment[1], re.IGNORECASE) is not None
            message = problem if advised else problem + " " + message
        return StructureOutcome(_rejected(code, message), workplace=routed, **base)

    if too_large:
        return reject("message_too_large", size=_mb(size), limit=_mb(intake.max_message_bytes))
    if workplace_id:
        workplace = config.workplace(workplace_id)
    else:
        found = route(config.workplaces, recipients=msg.recipients, sender=msg.from_email,
                      mailbox_address=intake.mailbox_address)
        if found.workplace is None:
            code = found.error or "workplace_unknown"
            return reject(code, mailbox=intake.mailbox_address, workplace="arbetsplatsen")
        workplace = found.workplace
    if not skip_sender_check:
        refused = intake.unauthenticated_sender == "reject" and authenticated != AUTH_PASS
        if authenticated == AUTH_FAIL or refused:
            return reject("sender_not_authenticated", workplace)
        if not msg.from_email or not workplace.may_submit(msg.from_email):
            return reject("sender_not_allowed", workplace, workplace=workplace.name)
    sources, problem = _sources(msg)
    sent = msg.date.date() if msg.date else None
    for _name, lines in sources:
        draft = Draft(tuple(lines), subject=msg.subject, sent=sent, sender_name=msg.from_name,
                      sender_email=msg.from_email, today=dt.date.today(),
                      sender_authenticated=base["sender_authenticated"] and not skip_sender_check)
        try:
            output = structure_draft(draft, workplace)
        except NoMinutesFound:
            continue
        return StructureOutcome(output, workplace=workplace, warnings=tuple(output["warnings"]), **base)
    if problem:
        return reject("unreadable_attachment", workplace, attachment=problem)
    return reject("no_minutes_found", workplace)


def _attachment_problem(filename: str, reason: str, *, english: bool) -> str:
    """Say which attachment could not be read (and, in Swedish, why: the reader's reasons are Swedish)."""
    if english:
        return f"The attached file “{filename}” could not be read." if filename else (
            "The attached file could not be read.")
    name = f"”{filename}”" if filename else "som bifogades"
    return f"Den bifogade filen {name} kunde inte läsas: {reason}."


MESSAGES = {
    "malformed_message": "Meddelandet gick inte att läsa som e-post. Skicka anteckningarna igen från ditt "
    "vanliga e-postprogram.",
    "message_too_large": "Meddelandet är för stort ({size} MB, högst {limit} MB får tas emot). Skicka "
    "anteckningarna igen utan stora bilder eller bilagor.",
    "workplace_unknown": "Det gick inte att avgöra vilken arbetsplats anteckningarna gäller. Skicka dem till "
    "arbetsplatsens egen adress, till exempel {mailbox} med +arbetsplatsens namn före @ "
    "(som apt+hemtjanst-norr@…), eller be administratören kontrollera personallistorna.",
    "sender_not_allowed": "Adressen {sender} får inte skicka minnesanteckningar till {workplace}. "
    "Skicka från den jobbadress som finns i personallistan, eller be chefen lägga till dig.",
    "sender_not_authenticated": "Det gick inte att bekräfta att meddelandet verkligen kommer från {sender}. "
    "Skicka anteckningarna igen direkt från din jobbmejl (inte via vidarebefordran eller ett annat konto).",
    "no_minutes_found": "Inga minnesanteckningar hittades i meddelandet. Skriv anteckningarna i mejlet eller "
    "bifoga dem som .docx, .odt, .pdf, .txt eller .md, med en rubrik för varje punkt på dagordningen, "
    "till exempel ”1. Mötets öppnande” och ”4. Arbetsmiljö och hälsa”.",
    "unreadable_attachment": "Spara dokumentet på nytt som .docx eller .odt och skicka igen, eller "
    "klistra in anteckningarna direkt i mejlet.",
}
"""Rejection texts by code, in Swedish, saying what to do."""

MESSAGES_EN = {
    "malformed_message": "The message could not be read as email. Please send the minutes again from your "
    "usual email program.",
    "message_too_large": "The message is too large ({size} MB; at most {limit} MB can be accepted). Please "
    "send the minutes again without large pictures or attachments.",
    "workplace_unknown": "Minnes could not tell which workplace the minutes are for. Please send them to the "
    "workplace's own address, for example {mailbox} with +the workplace's name before the @ "
    "(like apt+digital-services@…), or ask the administrator to check the staff lists.",
    "sender_not_allowed": "The address {sender} may not send minutes to {workplace}. Please send from the "
    "work address on the staff list, or ask your manager to add you.",
    "sender_not_authenticated": "Minnes could not confirm that the message really comes from {sender}. "
    "Please send the minutes again directly from your work email (not forwarded, and not from another "
    "account).",
    "no_minutes_found": "No minutes were found in the message. Write the minutes in the email or attach them "
    "as .docx, .odt, .pdf, .txt or .md, with a heading for each agenda item, for example “1. Opening of the "
    "meeting” and “4. Work environment and health”.",
    "unreadable_attachment": "Please save the document again as .docx or .odt and send it again, or paste "
    "the minutes straight into the email.",
}
"""Rejection texts by code, in English, for a workplace whose language is ``en``."""
