"""Anyone may upload a PDF and learn whether it is authentic, unchanged Minnes minutes.

The upload is checked in a child process under limits (``service.pdf.verify``), so a hostile PDF costs
this process nothing; a file that cannot be checked is a 400 page that says why, and uploads are
rate-limited per client address.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from service.archive.db import MinutesRow
from service.pdf import verify as checking
from service.web.i18n import translate

bp = Blueprint("verify", __name__, url_prefix="/verify")

RATE_LIMIT = "10 per minute"
"""Uploads one client address may make; ``app.config["VERIFY_RATE_LIMIT"]`` overrides it (falsy: off)."""

PROBLEM_TEXTS = {
    checking.UNREADABLE: "Filen kunde inte läsas som PDF: den är trasig, ofullständig eller ingen PDF.",
    checking.CPU: "Kontrollen avbröts: filen krävde mer än {cpu} s processortid. "
    "Minnesanteckningar från Minnes kontrolleras på en bråkdel av den tiden.",
    checking.MEMORY: "Kontrollen avbröts: filen krävde mer än {memory} MB minne. "
    "Minnesanteckningar från Minnes kräver en bråkdel av det.",
    checking.TIMEOUT: "Kontrollen avbröts: den tog längre tid än {wall} s.",
    checking.FAILED: "Filen kunde inte kontrolleras: kontrollen avbröts oväntat.",
    checking.BUSY: "Kontrollen är upptagen just nu. Försök igen om en stund.",
}
"""The page's text for each reason a file could not be checked (keys of ``i18n.ENGLISH``)."""


def register_rate_limit(app: Flask) -> Limiter:
    """Limit POSTs to ``/verify`` per client address (with the app's shared limiter when there is one)."""
    app.config.setdefault("VERIFY_RATE_LIMIT", RATE_LIMIT)
    limiter = app.extensions.get("minnes_limiter") or Limiter(
        get_remote_address, app=app, storage_uri="memory://", default_limits=[], headers_enabled=True
    )
    limiter.limit(
        lambda: current_app.config["VERIFY_RATE_LIMIT"],
        methods=["POST"],
        exempt_when=lambda: not current_app.config.get("VERIFY_RATE_LIMIT"),
    )(bp)
    app.extensions["minnes_limiter"] = limiter
    return limiter


def _limits() -> checking.Limits:
    """Return this app's verification limits (``app.config["VERIFY_LIMITS"]``, else the defaults)."""
    return current_app.config.get("VERIFY_LIMITS") or checking.DEFAULT_LIMITS


def _problem_text(code: str, limits: checking.Limits) -> str:
    """Say in the page's language why a file could not be checked."""
    text = translate(PROBLEM_TEXTS.get(code, PROBLEM_TEXTS[checking.FAILED]))
    return text.format(
        cpu=limits.cpu_seconds, memory=limits.memory_bytes // (1024 * 1024), wall=f"{limits.wall_seconds:g}"
    )


def _page(status: int = 200, **kw: object) -> tuple[str, int]:
    """Render the verification page."""
    values: dict[str, object] = dict(result=None, minutes=None, workplace=None, error="", detail="")
    values.update(kw)
    return render_template("verify.html", **values), status


@bp.route("", methods=["GET", "POST"])
def verify() -> tuple[str, int]:
    """Check an uploaded PDF's signature; nothing is stored."""
    from service.bootstrap import trusted_certificates

    if request.method != "POST":
        return _page()
    upload = request.files.get("pdf")
    data = upload.read() if upload else b""
    if not data:
        return _page(400, error=translate("Välj en PDF-fil att kontrollera."))
    if not data.startswith(b"%PDF"):
        return _page(400, error=translate("Filen är ingen PDF."))
    services = current_app.extensions["minnes_services"]
    config = current_app.extensions["minnes_config"]
    limits = _limits()
    result = checking.verify_pdf(data, trusted_certs=trusted_certificates(config, services.db), limits=limits)
    if result.problem:
        status = 503 if result.problem == checking.BUSY else 400
        return _page(status, error=_problem_text(result.problem, limits), detail=result.detail)
    minutes = workplace = None
    sha = hashlib.sha256(data).hexdigest()
    with services.db.session() as s:
        minutes = s.scalar(select(MinutesRow).where(MinutesRow.pdf_sha256 == sha))
        if minutes is not None:
            s.expunge(minutes)
    if minutes is not None:
        workplace = config.workplaces.get(minutes.workplace_id)
    return _page(result=result, minutes=minutes, workplace=workplace, limits=limits)


@bp.errorhandler(429)
def too_many(_error: Exception) -> tuple[str, int]:
    """Answer an upload above the rate limit on the verification page."""
    text = translate("För många kontroller från din adress. Vänta en stund och försök igen.")
    return _page(429, error=text)


@bp.app_errorhandler(413)
def too_large(_error: Exception) -> tuple[str, int]:
    """Answer an upload above the size limit on the verification page."""
    return _page(413, error=translate("Filen är för stor."))
