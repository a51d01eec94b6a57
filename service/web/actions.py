"""Open actions of a workplace: what, who, by when, from which meeting; the owner or a manager marks one done.

Whoever reads the workplace sees its open actions. Marking one done (POST, CSRF-checked, audited) is for
the action's owner, a manager of the workplace or an admin; to anyone else the action does not exist (404).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import case, select
from werkzeug.wrappers import Response

from service.archive.audit import AuditAction, record
from service.archive.db import ActionRow, utcnow
from service.domain.access import Reader
from service.domain.followup import ActionState, overdue
from service.domain.search import PER_PAGE
from service.web import access
from service.web.i18n import prefer

bp = Blueprint("actions", __name__)


def _services():  # noqa: ANN202
    return current_app.extensions["minnes_services"]


def _workplace(workplace_id: str):  # noqa: ANN202 - service.domain.workplace.Workplace
    wp = current_app.extensions["minnes_config"].workplaces.get(workplace_id)
    if wp is None:
        abort(404)
    return wp


def _today() -> str:
    return dt.datetime.now().astimezone().date().isoformat()


def may_mark(who: Reader, action: ActionRow) -> bool:
    """Tell whether this person may mark the action done: its owner, a manager of its workplace, an admin."""
    owner = bool(action.owner_email) and action.owner_email.strip().lower() == who.email
    return owner or who.may_manage(action.workplace_id)


@bp.route("/workplace/<workplace_id>/actions")
def index(workplace_id: str) -> str:
    """List the workplace's open actions, the earliest due first, overdue ones marked."""
    from service.web.archive import page_number

    wp = _workplace(workplace_id)
    who = access.require_read(workplace_id)
    page = page_number()
    with _services().db.session() as s:
        found = list(s.scalars(
            select(ActionRow)
            .where(ActionRow.workplace_id == workplace_id, ActionRow.state == ActionState.OPEN)
            .order_by(case((ActionRow.due == "", 1), else_=0), ActionRow.due, ActionRow.meeting_date,
                      ActionRow.id)
            .limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
        ))
        s.expunge_all()
    more, found = len(found) > PER_PAGE, found[:PER_PAGE]
    today = _today()
    rows = [{"action": a, "overdue": bool(a.due) and overdue(a.due, today), "may_mark": may_mark(who, a)}
            for a in found]
    prefer(wp.language)
    return render_template("actions.html", wp=wp, rows=rows, page=page, more=more,
                           done=request.args.get("done") == "1")


@bp.route("/workplace/<workplace_id>/actions/<int:action_id>/done", methods=["POST"])
def mark_done(workplace_id: str, action_id: int) -> Response:
    """Mark one open action done, for its owner, a manager of the workplace or an admin."""
    _workplace(workplace_id)
    who = access.require_read(workplace_id)
    with _services().db.session() as s:
        action = s.get(ActionRow, action_id)
        if (action is None or action.workplace_id != workplace_id or action.state != ActionState.OPEN
                or not may_mark(who, action)):
            abort(404)
        action.state, action.done_at = ActionState.DONE, utcnow()
        record(s, who.email, AuditAction.ACTION_DONE, target=f"action/{action_id}",
               workplace_id=workplace_id, detail=f"minutes/{action.minutes_id}",
               client=access.client_address())
    return redirect(url_for("archive.actions.index", workplace_id=workplace_id, done="1"), code=303)
