"""Minutes per workplace, one page per minutes, and the signed PDF."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from sqlalchemy import func, select

from service.archive.db import Delivery, MinutesRow
from service.domain.wording import MAIL, words
from service.web.i18n import language, prefer

bp = Blueprint("archive", __name__)


def _services():  # noqa: ANN202
    return current_app.extensions["minnes_services"]


def _config():  # noqa: ANN202
    return current_app.extensions["minnes_config"]


@bp.route("/")
def index() -> str:
    """Show every workplace and the latest minutes, newest first; search when asked."""
    q = (request.args.get("q") or "").strip()
    config = _config()
    with _services().db.session() as s:
        query = select(MinutesRow).order_by(MinutesRow.meeting_date.desc(), MinutesRow.id.desc())
        if q:
            query = query.where(MinutesRow.search_text.contains(q.casefold()))
        rows = list(s.scalars(query.limit(200)))
    return render_template("index.html", rows=rows, q=q, workplaces=config.workplaces)


@bp.route("/workplace/<workplace_id>")
def workplace(workplace_id: str) -> str:
    """Show all minutes of a workplace, newest first."""
    config = _config()
    wp = config.workplaces.get(workplace_id)
    if wp is None:
        abort(404)
    with _services().db.session() as s:
        rows = list(
            s.scalars(
                select(MinutesRow)
                .where(MinutesRow.workplace_id == workplace_id)
                .order_by(MinutesRow.meeting_date.desc(), MinutesRow.version.desc())
            )
        )
    prefer(wp.language)
    return render_template("workplace.html", wp=wp, rows=rows)


@bp.route("/minutes/<int:minutes_id>")
def minutes(minutes_id: int) -> str:
    """Show one minutes version as a page, with its deliveries."""
    with _services().db.session() as s:
        row = s.get(MinutesRow, minutes_id)
        if row is None:
            abort(404)
        counts = dict(
            s.execute(
                select(Delivery.state, func.count())
                .where(Delivery.minutes_id == minutes_id)
                .group_by(Delivery.state)
            ).all()
        )
        deliveries = list(
            s.scalars(select(Delivery).where(Delivery.minutes_id == minutes_id).order_by(Delivery.id))
        )
    from service.web.view import delivery_summary, minutes_sections

    wp = _config().workplaces.get(row.workplace_id)
    if wp is not None:
        prefer(wp.language)
    m = row.minutes
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
        sections=sections,
        actions=actions,
        safety_reps=safety_reps,
        summary=delivery_summary(deliveries),
    )


@bp.route("/minutes/<int:minutes_id>.pdf")
def pdf(minutes_id: int):  # noqa: ANN201
    """Send the signed PDF of one minutes version."""
    services = _services()
    with services.db.session() as s:
        row = s.get(MinutesRow, minutes_id)
        if row is None or not row.pdf_sha256:
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
