"""The outbox, for admins only: mail Minnes queued and sent, and the folder of 'sent' mails.

The page shows addresses, kinds, subjects, dates and states, never a minutes' text; a mail from the
folder (``delivery.method = "outbox"``) downloads as a .eml file, which is audited.
"""

from __future__ import annotations

import email.policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy import case, func, select

from service.archive.audit import AuditAction
from service.archive.db import Delivery, MinutesRow, OutgoingMail

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

PAGE_SIZE = 50
"""Mails (and minutes versions) on one page."""

HEAD_BYTES = 8192
"""Bytes of a queued mail read for its headers (never its body or attachments)."""

FOLDER_MAX = 200
"""Newest files of the outbox folder listed."""


@bp.before_request
def _admins_only() -> None:
    """Let only admins see the outbox."""
    from service.web.access import require_admin

    require_admin()


def _config():  # noqa: ANN202
    return current_app.extensions["minnes_config"]


def _folder():  # noqa: ANN202
    return _config().settings.delivery.outbox


def _header(value: str) -> str:
    try:
        return str(make_header(decode_header(value or "")))
    except Exception:  # noqa: BLE001 - show it raw
        return value or ""


def _subject(parser: BytesHeaderParser, head: bytes) -> str:
    """Return the decoded Subject of a mail from its first bytes."""
    return _header(parser.parsebytes(head.split(b"\r\n\r\n", 1)[0]).get("Subject", ""))


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _queued(page: int) -> tuple[list[dict], bool]:
    """Return one page of the mail Minnes queued (newest first): recipient, kind, subject, dates, state."""
    parser = BytesHeaderParser(policy=email.policy.compat32)
    head = func.substr(OutgoingMail.raw, 1, HEAD_BYTES).label("head")
    with current_app.extensions["minnes_services"].db.session() as s:
        rows = s.execute(
            select(OutgoingMail.recipient, OutgoingMail.kind, OutgoingMail.state, OutgoingMail.attempts,
                   OutgoingMail.created_at, OutgoingMail.sent_at, OutgoingMail.last_answer, head)
            .order_by(OutgoingMail.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        ).all()
    found = [
        {
            "to": r.recipient, "kind": r.kind, "state": r.state, "attempts": r.attempts,
            "subject": _subject(parser, bytes(r.head or b"")),
            "created": r.created_at, "sent": r.sent_at, "answer": r.last_answer,
        }
        for r in rows
    ]
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


def _versions() -> list[dict]:
    """Return the newest minutes versions that have recipients, with how many were reached."""
    with current_app.extensions["minnes_services"].db.session() as s:
        rows = s.execute(
            select(MinutesRow.id, MinutesRow.workplace_id, MinutesRow.meeting_date, MinutesRow.version,
                   func.count(Delivery.id), func.sum(case((Delivery.state == "sent", 1), else_=0)))
            .join(Delivery, Delivery.minutes_id == MinutesRow.id)
            .group_by(MinutesRow.id, MinutesRow.workplace_id, MinutesRow.meeting_date, MinutesRow.version)
            .order_by(MinutesRow.id.desc())
            .limit(PAGE_SIZE)
        ).all()
    names = {k: wp.name for k, wp in _config().workplaces.items()}
    return [
        {"id": r[0], "workplace": names.get(r[1], r[1]), "meeting_date": r[2], "version": r[3], "count": r[4],
         "sent": int(r[5] or 0)}
        for r in rows
    ]


def _files() -> list[dict]:
    """Return the newest mails in the outbox folder (its headers only)."""
    folder = _folder()
    entries: list[dict] = []
    if not folder.is_dir():
        return entries
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:FOLDER_MAX]
    for path in files:
        with path.open("rb") as fh:
            msg = BytesHeaderParser(policy=email.policy.compat32).parse(fh)
        entries.append(
            {
                "name": path.name,
                "to": _header(msg.get("To", "")),
                "subject": _header(msg.get("Subject", "")),
                "kind": msg.get("X-Minnes-Kind", ""),
                "date": msg.get("Date", ""),
            }
        )
    return entries


@bp.route("/")
def index() -> str:
    """List queued mail, the versions sent out and the outbox folder, newest first."""
    page = _page_number()
    queued, more = _queued(page)
    method = _config().settings.delivery.method
    return render_template(
        "outbox.html", queued=queued, more=more, page=page, versions=_versions() if page == 1 else [],
        entries=_files() if method == "outbox" and page == 1 else [], method=method,
    )


@bp.route("/<name>")
def show(name: str):  # noqa: ANN201
    """Send one outbox mail as a .eml file (audited)."""
    from service.web.access import audit

    folder = _folder()
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or not path.is_file() or path.suffix != ".eml":
        abort(404)
    audit(AuditAction.DOWNLOAD, target=f"outbox/{name}"[:200])
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=name)
