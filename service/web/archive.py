"""Minutes per workplace, one page per minutes version, and the signed PDF.

Staff see only versions that went out (or are on their way): a version that never passed its gates
(held, stopped, expired, replaced) is neither listed, found nor reachable (404). A list shows each
meeting once, as its newest version; a minutes page lists every version of its meeting, marks the
current one, and on a corrected version shows what changed.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy import and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from service.archive.db import Delivery, MinutesRow
from service.domain.wording import MAIL, words
from service.web import access
from service.web.i18n import language, prefer

bp = Blueprint("archive", __name__)

LISTED = 200
"""Most meetings a list shows."""

SCANNED = 1000
"""Most versions read to make a list of :data:`LISTED` meetings."""


def _services():  # noqa: ANN202
    return current_app.extensions["minnes_services"]


def _config():  # noqa: ANN202
    return current_app.extensions["minnes_config"]


def _shown() -> ColumnElement[bool]:
    """Return the condition of a version staff may see (:func:`service.web.view.shown`)."""
    from service.steps.gates import PASSED

    return and_(MinutesRow.state.in_([str(state) for state in PASSED]), MinutesRow.version > 0)


_LIST_COLUMNS = (
    MinutesRow.id, MinutesRow.workplace_id, MinutesRow.meeting_date, MinutesRow.version, MinutesRow.state,
    MinutesRow.pdf_sha256,
)


def _listed(s, rows: list[tuple]) -> list:  # noqa: ANN001 - Session
    """Return each meeting of rows (newest version first per meeting) once, with its current version."""
    from service.web.view import Listed, newest_per_meeting

    kept = newest_per_meeting(rows)[:LISTED]
    if not kept:
        return []
    workplaces, dates = {r[1] for r in kept}, {r[2] for r in kept}
    current = {
        (wp, date): (newest, count)
        for wp, date, newest, count in s.execute(
            select(MinutesRow.workplace_id, MinutesRow.meeting_date, func.max(MinutesRow.version),
                   func.count())
            .where(_shown(), MinutesRow.workplace_id.in_(workplaces), MinutesRow.meeting_date.in_(dates))
            .group_by(MinutesRow.workplace_id, MinutesRow.meeting_date)
        )
    }
    listed = []
    for row in kept:
        newest, count = current.get((row[1], row[2]), (row[3], 1))
        listed.append(Listed(*row, current=max(newest, row[3]), versions=count))
    return listed


@bp.route("/")
def index() -> str:
    """Show every workplace and the latest minutes, newest first; search when asked."""
    q = (request.args.get("q") or "").strip()
    config = _config()
    who = access.reader()
    readable = {wp_id: wp for wp_id, wp in config.workplaces.items() if who.may_read(wp_id)}
    with _services().db.session() as s:
        query = (
            select(*_LIST_COLUMNS)
            .where(_shown())
            .order_by(MinutesRow.meeting_date.desc(), MinutesRow.workplace_id, MinutesRow.version.desc())
        )
        if not who.admin:
            query = query.where(MinutesRow.workplace_id.in_(sorted(who.reads)))
        if q:
            query = query.where(MinutesRow.search_text.contains(q.casefold()))
        rows = _listed(s, [tuple(r) for r in s.execute(query.limit(SCANNED))])
    return render_template("index.html", rows=rows, q=q, workplaces=readable)


@bp.route("/workplace/<workplace_id>")
def workplace(workplace_id: str) -> str:
    """Show the minutes of a workplace, one row per meeting, newest first."""
    config = _config()
    wp = config.workplaces.get(workplace_id)
    if wp is None:
        abort(404)
    access.require_read(workplace_id)
    with _services().db.session() as s:
        query = (
            select(*_LIST_COLUMNS)
            .where(_shown(), MinutesRow.workplace_id == workplace_id)
            .order_by(MinutesRow.meeting_date.desc(), MinutesRow.version.desc())
        )
        rows = _listed(s, [tuple(r) for r in s.execute(query.limit(SCANNED))])
    prefer(wp.language)
    return render_template("workplace.html", wp=wp, rows=rows)


def _shown_row(s, minutes_id: int) -> MinutesRow:  # noqa: ANN001 - Session
    """Return a version staff may see, or end the request with 404."""
    from service.web.view import shown

    row = s.get(MinutesRow, minutes_id)
    if row is None or not shown(row.state, row.version):
        abort(404)
    access.require_read(row.workplace_id)
    return row


@bp.route("/minutes/<int:minutes_id>")
def minutes(minutes_id: int) -> str:
    """Show one minutes version as a page: its meeting's versions, what it changed, its deliveries."""
    with _services().db.session() as s:
        row = _shown_row(s, minutes_id)
        versions = [
            tuple(v)
            for v in s.execute(
                select(MinutesRow.id, MinutesRow.version, MinutesRow.signed_at).where(
                    _shown(), MinutesRow.workplace_id == row.workplace_id,
                    MinutesRow.meeting_date == row.meeting_date,
                )
            )
        ]
        replaced = next((v for i, v, _at in versions if i == row.replaces_id), None)
        counts = dict(
            s.execute(
                select(Delivery.state, func.count())
                .where(Delivery.minutes_id == minutes_id)
                .group_by(Delivery.state)
            ).all()
        )
        status = access.reader().may_see_status(row.workplace_id)
        deliveries = list(
            s.scalars(select(Delivery).where(Delivery.minutes_id == minutes_id).order_by(Delivery.id))
        ) if status else []
        if not status:
            counts = {}
        m = row.minutes
        if not m.get("justering"):  # the approvals are kept on the justering gate's requests
            from service.steps.justering import approvals_of

            m["justering"] = approvals_of(s, minutes_id)
    from service.domain.changes import grouped, load
    from service.web.view import delivery_summary, followup_of, justering_of, minutes_sections, version_links

    wp = _config().workplaces.get(row.workplace_id)
    if wp is not None:
        prefer(wp.language)
    sections, actions = minutes_sections(m, language(), wp.language if wp is not None else "sv")
    safety_reps = list((m.get("roles") or {}).get("safety_reps") or []) or (
        [p.name for p in wp.safety_reps] if wp else []
    )
    return render_template(
        "minutes.html",
        row=row,
        m=m,
        wp=wp,
        counts=counts,
        deliveries=deliveries,
        may_see_status=status,
        sections=sections,
        actions=actions,
        safety_reps=safety_reps,
        summary=delivery_summary(deliveries),
        versions=version_links(versions, row.id),
        changes=grouped(row.changes, language()) if row.version > 1 else [],
        compared=row.version > 1 and bool(load(row.changes)),
        replaced=replaced,
        justering=justering_of(m),
        followup=followup_of(m),
    )


@bp.route("/minutes/<int:minutes_id>.pdf")
def pdf(minutes_id: int):  # noqa: ANN201
    """Send the signed PDF of one minutes version."""
    services = _services()
    with services.db.session() as s:
        row = _shown_row(s, minutes_id)
        if not row.pdf_sha256:
            abort(404)
        wp = _config().workplaces.get(row.workplace_id)
        w = words(MAIL, wp.language if wp is not None else "sv")
        date = row.meeting_date or w["undated"]
        name = w["filename"].format(id=row.workplace_id, date=date, suffix=f"-v{row.version}")
        key = row.pdf_sha256
    import io

    return send_file(
        io.BytesIO(services.files.get(key)),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=name,
    )
