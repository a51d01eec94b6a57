"""The page behind a request's link: it shows what is asked and acts only on its one button (POST).

A mail scanner that opens every link changes nothing; the button's form carries a CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from service.steps import answer
from service.web import access

bp = Blueprint("answers", __name__, url_prefix="/svar")


def _context():  # noqa: ANN202 - service.steps.context.StepContext
    return current_app.extensions["minnes_services"].pipeline.context


def _page(token: str, status: int = 200, **kw: object) -> tuple[str, int]:
    ctx = _context()
    found = answer.link_request(ctx, token)
    if found is None:
        abort(404)
    workplace = ctx.config.workplaces.get(found.workplace_id)
    return render_template("answer.html", request_info=found, workplace=workplace, token=token, **kw), status


@bp.get("/<token>")
def show(token: str) -> tuple[str, int]:
    """Show what a request asks, with one button that answers it."""
    return _page(token)


@bp.post("/<token>")
def act(token: str) -> tuple[str, int]:
    """Answer a request: the button on its page was pressed."""
    note = answer.answer_link(_context(), token, client=access.client_address())
    if note is None:
        abort(404)
    return _page(token, done=True)
