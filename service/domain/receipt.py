"""Texts of the receipt and the rejection sent to the note-taker, built from structured minutes.

Plain text in short lines, so that it reads well on a phone: no tables, no wide columns.
"""

from __future__ import annotations

EXCERPT_CHARS = 140
"""How much of each item's notes the receipt quotes."""

CORRECTION = (
    "Behöver något rättas? Skicka hela de rättade anteckningarna igen, på samma sätt och till samma adress "
    "som förut. Den nya versionen ersätter den här och skickas ut på nytt, märkt som rättad."
)
"""How to send a correction."""

SIGNATURE = "/Minnes (automatiskt meddelande – svar läses inte av någon människa)"
"""The last line of every text."""


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    cut = flat[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + " …"


def _action_line(action: dict) -> str:
    who = action.get("owner") or "ansvarig saknas"
    when = f"senast {action['due']}" if action.get("due") else "datum saknas"
    return f"Åtgärd: {action.get('what') or ''} ({who}, {when})"


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "–"


def _meeting_line(meeting: dict) -> str:
    kind = "samverkansgruppens möte" if meeting.get("kind") == "samverkansgrupp" else "arbetsplatsträffen"
    parts = [f"{kind} i {meeting.get('workplace_name') or 'arbetsplatsen'}"]
    if meeting.get("date"):
        parts.append(f"den {meeting['date']}")
    if meeting.get("start"):
        span = meeting["start"] + (f"–{meeting['end']}" if meeting.get("end") else "")
        parts.append(f"kl. {span}")
    return " ".join(parts)


def render_receipt(output: dict, *, archive_url: str | None = None) -> tuple[str, str]:
    """Return the (subject, plain-text body) of the receipt for accepted minutes."""
    meeting = output.get("meeting") or {}
    sender = output.get("sender") or {}
    parts = ("Kvitto: minnesanteckningar", meeting.get("workplace_name") or "", meeting.get("date") or "")
    subject = " ".join(p for p in parts if p)
    first = (sender.get("name") or "").split(" ")[0]
    lines = [f"Hej {first}!" if first else "Hej!", ""]
    lines.append(f"Tack! Minnes har tagit emot minnesanteckningarna från {_meeting_line(meeting)}.")
    lines.append("De skickas nu till alla på arbetsplatsen och till skyddsombudet.")
    lines.append("Så här förstods de:")
    lines.append("")
    attendance = output.get("attendance") or {}
    present, absent = attendance.get("present") or [], attendance.get("absent") or []
    lines.append(f"Närvarande ({len(present)}): {_names(present)}")
    lines.append(f"Frånvarande ({len(absent)}): {_names(absent)}")
    if meeting.get("location"):
        lines.append(f"Plats: {meeting['location']}")
    lines.append("")

    lines.append("DAGORDNINGEN")
    for item in output.get("items") or []:
        covered = bool(item.get("text") or item.get("decisions") or item.get("actions"))
        if not covered:
            lines.append(f"– {item.get('number')}. {item.get('title')}: inga anteckningar")
            continue
        lines.append(f"✓ {item.get('number')}. {item.get('title')}")
        if item.get("heading") and _plain(item["heading"]) != _plain(item.get("title") or ""):
            lines.append(f"   (rubriken ”{item['heading']}”)")
        if item.get("text"):
            lines.append(f"   {_excerpt(item['text'])}")
        for decision in item.get("decisions") or []:
            lines.append(f"   Beslut: {decision}")
        for action in item.get("actions") or []:
            lines.append(f"   {_action_line(action)}")
    lines.append("")

    missing = output.get("missing") or []
    if missing:
        numbers = ", ".join(str(n) for n in missing)
        lines += [f"Punkt {numbers} saknar anteckningar. Stämmer det inte, kontrollera rubrikerna.", ""]

    unplanned = output.get("unplanned") or []
    if unplanned:
        lines.append("ANDRA RUBRIKER (hamnar under Övriga frågor)")
        for section in unplanned:
            lines.append(f"- {section.get('heading')}")
            for decision in section.get("decisions") or []:
                lines.append(f"   Beslut: {decision}")
            for action in section.get("actions") or []:
                lines.append(f"   {_action_line(action)}")
        lines.append("")

    warnings = output.get("warnings") or []
    if warnings:
        lines.append("ATT KONTROLLERA")
        lines += [f"- {w.get('message')}" for w in warnings]
        lines.append("")

    if archive_url:
        lines += ["Minnesanteckningarna i arkivet:", archive_url, ""]
    lines += [CORRECTION, "", SIGNATURE]
    return subject, "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def render_rejection(output: dict, *, subject: str = "") -> tuple[str, str]:
    """Return the (subject, plain-text body) of a rejection."""
    err = output.get("error") or {}
    about = f" (”{subject}”)" if subject else ""
    lines = [
        "Hej!",
        "",
        f"Minnes kunde inte ta emot meddelandet du skickade{about}.",
        "Inga minnesanteckningar har skickats ut.",
        "",
        "Varför och vad du kan göra:",
        err.get("message") or "Okänt fel. Försök igen, eller kontakta den som administrerar Minnes.",
        "",
        "Frågor? Kontakta din chef eller den som administrerar Minnes.",
        "",
        SIGNATURE,
    ]
    title = f"Kunde inte tas emot: {subject}" if subject else "Minnesanteckningarna kunde inte tas emot"
    return title, "\n".join(lines) + "\n"
