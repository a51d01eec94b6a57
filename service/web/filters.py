"""Template filters and helpers shared by the pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask

from service.domain.wording import PDF, long_date, words
from service.web.i18n import language, translate

KIND_NAMES = {"apt": "Arbetsplatsträff", "samverkansgrupp": "Samverkansgrupp"}
"""Swedish names of the meeting kinds."""

KIND_NAMES_EN = {"apt": "Workplace meeting", "samverkansgrupp": "Joint consultation group"}
"""English names of the meeting kinds."""

ROLE_NAMES = {
    "manager": "Chef", "safety_rep": "Skyddsombud", "union_rep": "Facklig företrädare",
    "employee": "Medarbetare",
}
"""Swedish names of roster roles."""

ROLE_NAMES_EN = {
    "manager": "Manager", "safety_rep": "Safety representative", "union_rep": "Union representative",
    "employee": "Employee",
}
"""English names of roster roles."""

MAIL_KINDS = {
    "distribution": "Minnesanteckningar",
    "receipt": "Kvitto",
    "rejection": "Avvisning",
    "delivery-report": "Leveransrapport",
    "login-link": "Inloggningslänk",
    "reminder": "Påminnelse",
    "confirm-request": "Bekräftelsebegäran",
    "approval-request": "Justeringsbegäran",
    "hold-notice": "Stoppad",
    "comment": "Kommentar",
    "notice": "Meddelande",
}
"""Swedish names of the X-Minnes-Kind values."""

MAIL_KINDS_EN = {
    "distribution": "Minutes",
    "receipt": "Receipt",
    "rejection": "Rejection",
    "delivery-report": "Delivery report",
    "login-link": "Login link",
    "reminder": "Reminder",
    "confirm-request": "Confirmation request",
    "approval-request": "Approval request",
    "hold-notice": "Held",
    "comment": "Comment",
    "notice": "Notice",
}
"""English names of the X-Minnes-Kind values."""

STATE_NAMES_EN = {
    "received": "received",
    "processing": "processing",
    "accepted": "accepted",
    "rejected": "rejected",
    "failed": "failed",
    "structured": "structured",
    "signed": "signed",
    "distributing": "being sent",
    "distributed": "sent out",
    "pending": "waiting",
    "sending": "sending",
    "sent": "sent",
    "deferred": "retrying later",
}
"""English names of the states."""

LOCAL_ZONE = ZoneInfo("Europe/Stockholm")
"""The zone times are shown in."""


def swedish_date(value: str | None) -> str:
    """Format an ISO date as '20 november 2026' (or '20 November 2026' in English)."""
    if not value:
        return translate("datum saknas")
    return long_date(str(value), language())


def item_number(number: object) -> str:
    """Number an agenda item as the request's language does: ``§ 4`` in Swedish, ``4.`` in English."""
    return words(PDF, language())["item_heading"].format(number=number, title="").strip()


def local_time(value: dt.datetime | None) -> str:
    """Format a stored (UTC) time as Swedish local time, '2026-11-20 13:05'."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")


def local_moment(value: dt.datetime | None) -> str:
    """Format a stored (UTC) time as the day and clock in Sweden: '21 november 2026 10:30'."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LOCAL_ZONE)
    return f"{long_date(local.date().isoformat(), language())} {local.strftime('%H:%M')}"


def _pick(sv: dict[str, str], en: dict[str, str], key: str | None) -> str:
    table = en if language() == "en" else sv
    return table.get(key or "", key or "")


def state_name(state: str | None) -> str:
    """Name a state in the request's language."""
    from service.reports import STATE_NAMES

    return _pick(STATE_NAMES, STATE_NAMES_EN, state)


def register(app: Flask) -> None:
    """Register the filters on an app."""
    app.add_template_filter(swedish_date, "sv_date")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(local_moment, "local_moment")
    app.add_template_filter(item_number, "item_number")
    app.add_template_filter(lambda k: _pick(KIND_NAMES, KIND_NAMES_EN, k), "kind_name")
    app.add_template_filter(state_name, "state_name")
    app.add_template_filter(lambda r: _pick(ROLE_NAMES, ROLE_NAMES_EN, r), "role_name")
    app.add_template_filter(lambda k: _pick(MAIL_KINDS, MAIL_KINDS_EN, k), "mail_kind")
