"""Admin-only pages: the audit log (filtered, paged, exported as CSV) and one version's deliveries.

Everyone else gets a 404. The pages show addresses, states and answers, never a minutes' text; their
paths say ``audit`` or ``outbox`` so that an outside check can tell them from staff pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import select

from service.archive.audit import AuditAction, AuditFilter, csv_rows, events
from service.archive.db import Delivery, MinutesRow
from service.web import access

bp = Blueprint("admin", __name__)

PAGE_SIZE = 100
"""Audit events on one page."""

CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet would run as a formula: such a cell gets a leading apostrophe."""


@bp.before_request
def _admins_only() -> None:
    """Let only admins see these pages."""
    access.require_admin()


def _services():  # noqa: ANN202 - service.bootstrap.Services
    return current_app.extensions["minnes_services"]


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filter() -> tuple[AuditFilter, list[str]]:
    """Return the filter the query string asks for, and the fields whose values were not understood."""
    args = request.args
    wrong = [name for name in ("from", "to") if args.get(name) and _day(args.get(name, "")) is None]
    action = args.get("action", "")
    if action and action not in {a.value for a in AuditAction}:
        wrong.append("action")
        action = ""
    return AuditFilter(
        actor=args.get("actor", "").strip().lower(), action=action,
        workplace_id=args.get("workplace", "").strip(),
        since=_day(args.get("from", "")), until=_day(args.get("to", "")),
    ), wrong


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/audit")
def audit() -> str:
    """Show the audit log, newest first, filtered by actor, action, workplace and dates."""
    wanted, wrong = _filter()
    page = _page_number()
    with _services().db.session() as s:
        found = events(s, wanted, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        for e in found:
            s.expunge(e)
    more = len(found) > PAGE_SIZE
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin_audit.html", found=found[:PAGE_SIZE], page=page, more=more, query=query, wrong=wrong,
        actions=[a.value for a in AuditAction], workplaces=current_app.extensions["minnes_config"].workplaces,
        args=request.args,
    )


def _cell(value: str) -> str:
    return "'" + value if value and value.startswith(CSV_FORMULA) else value


@bp.get("/audit.csv")
def audit_csv() -> Response:
    """Export the audit log (as filtered) as CSV; the export itself is audited."""
    wanted, _wrong = _filter()
    access.audit(AuditAction.EXPORT, target="audit.csv",
                 detail=", ".join(f"{k}={v}" for k, v in request.args.items() if v)[:500])
    with _services().db.session() as s:
        rows = [[_cell(str(c)) for c in row] for row in csv_rows(events(s, wanted, limit=0))]

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        for row in rows:
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    name = f"granskningslogg-{dt.date.today().isoformat()}.csv"
    return Response(lines(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/outbox/deliveries/<int:minutes_id>")
def deliveries(minutes_id: int) -> str:
    """Show who one minutes version went to: address, state, attempts and the mail server's last answer."""
    with _services().db.session() as s:
        minutes = s.get(MinutesRow, minutes_id)
        if minutes is None:
            abort(404)
        query = select(Delivery).where(Delivery.minutes_id == minutes_id).order_by(Delivery.email)
        rows = list(s.scalars(query))
        info = {"id": minutes.id, "workplace_id": minutes.workplace_id, "meeting_date": minutes.meeting_date,
                "state": minutes.state, "version": minutes.version}
        for row in rows:
            s.expunge(row)
    workplace = current_app.extensions["minnes_config"].workplaces.get(info["workplace_id"])
    access.audit(AuditAction.VIEW, target=f"outbox/deliveries/{minutes_id}",
                 workplace_id=info["workplace_id"])
    return render_template("admin_deliveries.html", minutes=info, workplace=workplace, rows=rows)
