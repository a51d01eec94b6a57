"""Anyone may upload a PDF and learn whether it is authentic, unchanged Minnes minutes."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from service.archive.db import MinutesRow
from service.web.i18n import translate

bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.route("", methods=["GET", "POST"])
def verify() -> tuple[str, int] | str:
    """Check an uploaded PDF's signature; nothing is stored."""
    from service.bootstrap import verify_pdf_file

    result = minutes = workplace = None
    error = ""
    if request.method == "POST":
        upload = request.files.get("pdf")
        data = upload.read() if upload else b""
        if not data:
            error = translate("Välj en PDF-fil att kontrollera.")
        elif not data.startswith(b"%PDF"):
            error = translate("Filen är ingen PDF.")
        else:
            services = current_app.extensions["minnes_services"]
            config = current_app.extensions["minnes_config"]
            result = verify_pdf_file(config, data, services.db)
            sha = hashlib.sha256(data).hexdigest()
            with services.db.session() as s:
                minutes = s.scalar(select(MinutesRow).where(MinutesRow.pdf_sha256 == sha))
                if minutes is not None:
                    s.expunge(minutes)
            if minutes is not None:
                workplace = config.workplaces.get(minutes.workplace_id)
    status = 400 if error else 200
    page = render_template("verify.html", result=result, minutes=minutes, workplace=workplace, error=error)
    return (page, status) if status != 200 else page


@bp.app_errorhandler(413)
def too_large(_error: Exception) -> tuple[str, int]:
    """Answer an upload above the size limit on the verification page."""
    page = render_template(
        "verify.html", result=None, minutes=None, workplace=None, error=translate("Filen är för stor.")
    )
    return page, 413
