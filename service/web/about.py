"""The accessibility statement (tillgänglighetsredogörelse) and the layout's optional links."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template

bp = Blueprint("about", __name__)

REVIEWED = "2026-12-03"
"""When the statement was last reviewed against the pages (ISO date)."""

DIGG_REPORT = "https://www.digg.se/tdosanmalan"
"""DIGG's form for reporting a public body's inaccessible digital service."""

LAW = "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/svensk-forfattningssamling/lag-20181937-om-tillganglighet-till-digital_sfs-2018-1937/"
"""Lagen (2018:1937) om tillgänglighet till digital offentlig service, at the Riksdag."""


@bp.get("/tillganglighet")
def statement() -> str:
    """Show the accessibility statement, in Swedish or English."""
    return render_template("about.html", reviewed=REVIEWED, digg_report=DIGG_REPORT, law=LAW)


def first_page(*endpoints: str) -> str:
    """Return the first of ``endpoints`` this app serves, "" when none (for links that may not exist)."""
    served = current_app.view_functions
    return next((e for e in endpoints if e in served), "")


def register(app: Flask) -> None:
    """Serve the statement and offer ``first_page`` to the templates."""
    app.register_blueprint(bp)

    @app.context_processor
    def layout_helpers() -> dict:
        return {"first_page": first_page}
