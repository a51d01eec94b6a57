"""Minutes per workplace, one page per minutes version, and the signed PDF.

Staff see only versions that went out (or are on their way): a version that never passed its gates
(held, stopped, expired, replaced) is neither listed, found nor reachable (404). A list shows each
meeting once, as its newest version; a minutes page lists every version of its meeting, marks the
current one, and on a corrected version shows what changed.
"""

from __future__ import annotations

import json
from functools import cache

from flask import Blueprint, abort, current_app, render_template, request, send_file
from markupsafe import Markup
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.sql.elements import ColumnElement

from service.archive.audit import AuditAction, record
from service.archive.db import Delivery, MinutesRow
from service.domain.wording import MAIL, words
from service.web import access
from service.web.i18n import language, prefer

bp = Blueprint("archive", __name__)

PER_PAGE = 20
"""Meetings (or hits) per page of a list."""


def _services():  # noqa: ANN202
    return current_app.extensions["minnes_services"]


def _config():  # noqa: ANN202
    return current_app.extensions["minnes_config"]


def _shown(m=MinutesRow) -> ColumnElement[bool]:  # noqa: ANN001 - the model or an alias of it
    """Return the condition of a version staff may see (:func:`service.web.view.shown`).

    The state is tested as an expression: nearly every version is shown, so an index on the state would
    only ever be a bitmap of the whole table, never the better plan (without statistics it may look it).
    """
    from service.steps.gates import PASSED

    return and_((m.state + "").in_([str(state) for state in PASSED]), m.version > 0)


_LIST_COLUMNS = (
    MinutesRow.id, MinutesRow.workplace_id, MinutesRow.meeting_date, MinutesRow.version, MinutesRow.state,
    MinutesRow.pdf_sha256,
)


def page_number() -> int:
    """Return the page asked for (``?page=``), 1 when none or nonsense."""
    try:
        return min(max(int(request.args.get("page", "1")), 1), 10_000)
    except ValueError:
        return 1


FEW = 8
"""A reader of at most this many workplaces gets the latest list merged from each workplace's own list."""


def _groups(s, workplaces: list[str] | None, limit: int, offset: int) -> list:  # noqa: ANN001 - Session
    """Return (workplace, date, newest version, versions) per meeting, newest meeting first.

    The state and (for many workplaces) the workplace are tested as expressions, so the database walks
    the (meeting_date, workplace_id, version) or (workplace_id, meeting_date, version) index in order and
    stops after ``limit`` meetings instead of grouping every version first.
    """
    from service.steps.gates import PASSED

    shown = and_((MinutesRow.state + "").in_([str(p) for p in PASSED]), MinutesRow.version > 0)
    m = MinutesRow
    query = select(m.workplace_id, m.meeting_date, func.max(m.version), func.count())
    if workplaces is not None and len(workplaces) == 1:
        query = (query.where(shown, MinutesRow.workplace_id == workplaces[0])
                 .group_by(MinutesRow.workplace_id, MinutesRow.meeting_date)
                 .order_by(MinutesRow.workplace_id.desc(), MinutesRow.meeting_date.desc()))
    else:
        if workplaces is not None:
            query = query.where((MinutesRow.workplace_id + "").in_(workplaces))
        query = (query.where(shown).group_by(MinutesRow.meeting_date, MinutesRow.workplace_id)
                 .order_by(MinutesRow.meeting_date.desc(), MinutesRow.workplace_id.desc()))
    return [tuple(g) for g in s.execute(query.limit(limit).offset(offset))]


def _meetings(s, workplaces: list[str] | None, page: int) -> tuple[list, bool]:  # noqa: ANN001 - Session
    """Return one page of meetings (each once, as its current version) and whether more follow."""
    from service.web.view import Listed

    offset = (page - 1) * PER_PAGE
    if workplaces is not None and 1 < len(workplaces) <= FEW:
        merged = [g for wp in workplaces for g in _groups(s, [wp], offset + PER_PAGE + 1, 0)]
        merged.sort(key=lambda g: (g[1], g[0]), reverse=True)
        groups = merged[offset:offset + PER_PAGE + 1]
    else:
        groups = _groups(s, workplaces, PER_PAGE + 1, offset) if workplaces != [] else []
    more, groups = len(groups) > PER_PAGE, groups[:PER_PAGE]
    if not groups:
        return [], False
    wanted = {(g[0], g[1], g[2]) for g in groups}
    rows = {
        (r[1], r[2]): r
        for r in s.execute(
            select(*_LIST_COLUMNS).where(
                _shown(), MinutesRow.workplace_id.in_({g[0] for g in groups}),
                MinutesRow.meeting_date.in_({g[1] for g in groups}),
                MinutesRow.version.in_({g[2] for g in groups}))
        )
        if (r[1], r[2], r[3]) in wanted
    }
    found = [(rows[(g[0], g[1])], g) for g in groups if (g[0], g[1]) in rows]
    return [Listed(*row, current=g[2], versions=g[3]) for row, g in found], more


@cache
def _hit_statement(filtered: bool):  # noqa: ANN202 - a Select
    """Return the statement of :func:`_hit_rows`, built once (an alias costs more to build than to run)."""
    from sqlalchemy.orm import aliased

    same = aliased(MinutesRow)
    meeting = and_(same.workplace_id == MinutesRow.workplace_id, same.meeting_date == MinutesRow.meeting_date,
                   _shown(same))
    newest = select(func.max(same.version)).where(meeting).correlate(MinutesRow).scalar_subquery()
    count = select(func.count()).select_from(same).where(meeting).correlate(MinutesRow).scalar_subquery()
    where = [MinutesRow.id.in_(bindparam("ids", expanding=True)), _shown()]
    if filtered:
        where.append(MinutesRow.workplace_id.in_(bindparam("readable", expanding=True)))
    return select(*_LIST_COLUMNS, MinutesRow.data, newest, count).where(*where)


def _hit_rows(s, ids: list[int], readable: list[str] | None) -> list:  # noqa: ANN001 - Session
    """Return the hits as (:class:`Listed`, minutes data) in the order of ``ids``, in one statement.

    Each row brings its meeting's current version and how many versions it has (two lookups in the
    (workplace, date, version) index), so no second statement groups every version of those meetings.
    """
    from service.web.view import Listed

    if not ids:
        return []
    params = {"ids": ids} if readable is None else {"ids": ids, "readable": readable}
    rows = {r[0]: tuple(r) for r in s.execute(_hit_statement(readable is not None), params)}
    return [(Listed(*row[:6], current=max(row[7] or row[3], row[3]), versions=row[8] or 1), row[6])
            for row in (rows[i] for i in ids if i in rows)]


@bp.route("/")
def index() -> str:
    """Show every workplace and the latest minutes, newest first; search when asked."""
    if (request.args.get("q") or "").strip():
        return search()
    config = _config()
    who = access.reader()
    readable = {wp_id: wp for wp_id, wp in config.workplaces.items() if who.may_read(wp_id)}
    page = page_number()
    with _services().db.session() as s:
        rows, more = _meetings(s, None if who.admin else sorted(who.reads), page)
    return render_template("index.html", rows=rows, q="", workplaces=readable, page=page, more=more,
                           years=[])


def _year() -> int | None:
    raw = (request.args.get("year") or "").strip()
    return int(raw) if raw.isdigit() and 1900 < int(raw) < 2200 else None


@bp.route("/search")
def search() -> str:
    """Search the minutes the person may read, by words, workplace and year; one page of hits."""
    from service.archive import search as index
    from service.domain.search import minutes_text, snippet, term_stems

    q = (request.args.get("q") or "").strip()[:200]
    config, who, page, year = _config(), access.reader(), page_number(), _year()
    readable = {wp_id: wp for wp_id, wp in config.workplaces.items() if who.may_read(wp_id)}
    chosen = (request.args.get("workplace") or "").strip()
    if chosen and chosen not in readable:
        abort(404)
    scope = [chosen] if chosen else (None if who.admin else sorted(readable))
    languages = {wp.language for wp_id, wp in readable.items() if scope is None or wp_id in scope} or {"sv"}
    found, hits = index.Found([], 0), []
    with _services().db.session() as s:
        if q:
            index.catch_up(s, {wp_id: wp.language for wp_id, wp in config.workplaces.items()})
            found = index.find(s, q, workplaces=scope, year=year, page=page, languages=languages)
        stems = term_stems(q, languages) if found.ids else []
        for listed, data in _hit_rows(s, found.ids, None if who.admin else sorted(readable)):
            wp = config.workplaces.get(listed.workplace_id)
            text = minutes_text(json.loads(data))
            hits.append((listed, Markup(snippet(text, stems, wp.language if wp else "sv"))))
        years = _years(s)
    return render_template("search.html", q=q, hits=hits, found=found, page=page, workplaces=readable,
                           chosen=chosen, year=year, years=years)


_dated = select(MinutesRow.meeting_date).where(MinutesRow.meeting_date > "").limit(1)
_SPAN = select(_dated.order_by(MinutesRow.meeting_date).scalar_subquery(),
               _dated.order_by(MinutesRow.meeting_date.desc()).scalar_subquery())
"""The earliest and the latest meeting date, two probes of the (date, workplace, version) index."""


def _years(s) -> list[int]:  # noqa: ANN001 - Session
    """Return the years meetings were held in, newest first (from the earliest and latest dates)."""
    low, high = s.execute(_SPAN).one()
    if not (low and high and low[:4].isdigit() and high[:4].isdigit()):
        return []
    return list(range(int(high[:4]), int(low[:4]) - 1, -1))


@bp.route("/workplace/<workplace_id>")
def workplace(workplace_id: str) -> str:
    """Show the minutes of a workplace, one row per meeting, newest first, a page at a time."""
    config = _config()
    wp = config.workplaces.get(workplace_id)
    if wp is None:
        abort(404)
    access.require_read(workplace_id)
    page = page_number()
    with _services().db.session() as s:
        rows, more = _meetings(s, [workplace_id], page)
    prefer(wp.language)
    return render_template("workplace.html", wp=wp, rows=rows, page=page, more=more)


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
        record(s, access.reader().email, AuditAction.VIEW, target=f"minutes/{minutes_id}",
               workplace_id=row.workplace_id, client=access.client_address())
        if not m.get("justering"):  # the approvals are kept on the justering gate's requests
            from service.steps.justering import approvals_of

            m["justering"] = approvals_of(s, minutes_id)
    from service.domain.changes import load
    from service.domain.changes_texts import grouped
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
        record(s, access.reader().email, AuditAction.DOWNLOAD, target=f"minutes/{minutes_id}.pdf",
               workplace_id=row.workplace_id, client=access.client_address())
    import io

    return send_file(
        io.BytesIO(services.files.get(key)),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=name,
    )


# The open actions of a workplace are pages of the archive (endpoints ``archive.actions.*``).
from service.web import actions as _actions  # noqa: E402

bp.register_blueprint(_actions.bp)
