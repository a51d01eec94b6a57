"""Logging in and out: a login link by email (``auth = "magic_link"``), the SSO proxy, or nobody.

``POST /login`` answers every address with the same page and mails a link only to a known one; the
asking browser gets a nonce cookie the link is bound to. ``GET /login/<token>`` shows one button and
changes nothing; ``POST /login/<token>`` (CSRF) logs in and goes back to the page first asked for.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, make_response, redirect, render_template, request, url_for
from limits import parse

from service.archive.audit import AuditAction
from service.domain.access import normalised
from service.steps import login as links
from service.web import access

bp = Blueprint("login", __name__, url_prefix="/login")

log = logging.getLogger("service.web")

NONCE_COOKIE = "minnes_login"
"""The cookie holding the nonce a login link is bound to (path /login only)."""

NONCE_SECONDS = 3600
"""How long the nonce cookie lives (longer than a link)."""

ADDRESS_LIMIT = "5 per 15 minutes"
"""Link requests per typed address; ``app.config["LOGIN_RATE_LIMIT_ADDRESS"]`` overrides it."""

CLIENT_LIMIT = "30 per hour"
"""Link requests per client address; ``app.config["LOGIN_RATE_LIMIT_CLIENT"]`` overrides it."""


def _context():  # noqa: ANN202 - service.steps.context.StepContext
    return current_app.extensions["minnes_services"].pipeline.context


def _auth() -> str:
    return current_app.extensions["minnes_config"].settings.web.auth


def _nonce() -> tuple[str, bool]:
    """Return this browser's nonce and whether it is new (then it must be set as a cookie)."""
    found = request.cookies.get(NONCE_COOKIE, "")
    if links.is_secret(found):
        return found, False
    return links.new_secret(), True


def _set_nonce(resp: Response, nonce: str) -> Response:
    secure = current_app.extensions["minnes_config"].settings.web.base_url.lower().startswith("https://")
    resp.set_cookie(NONCE_COOKIE, nonce, max_age=NONCE_SECONDS, path="/login", httponly=True,
                    samesite="Lax", secure=secure)
    return resp


def _within_limits(email: str) -> bool:
    """Count one link request against the client's and the address's limits; False when over either."""
    strategy = access.limiter(current_app).limiter
    config = current_app.config
    client = parse(config.get("LOGIN_RATE_LIMIT_CLIENT") or CLIENT_LIMIT)
    address = parse(config.get("LOGIN_RATE_LIMIT_ADDRESS") or ADDRESS_LIMIT)
    try:
        if not strategy.hit(client, "login-client", access.client_address()):
            return False
        return bool(strategy.hit(address, "login-address", normalised(email)))
    except Exception as exc:  # noqa: BLE001 - a limiter that is down must not stop logging in
        log.warning("hastighetsgränsen för inloggning kunde inte räknas: %s", exc)
        return True


@bp.get("/")
def form():  # noqa: ANN201
    """Show the login page: the address form, or how to log in through single sign-on."""
    wanted = links.safe_next(request.args.get("next"))
    if _auth() == "none":
        return redirect(wanted)
    if access.current() is not None and request.args.get("next"):
        return redirect(wanted)
    template = "login_sso.html" if _auth() == "header" else "login.html"
    return render_template(template, next=wanted if request.args.get("next") else "", error="")


@bp.post("/")
def ask():  # noqa: ANN201
    """Mail a login link if the address is known; answer every address with the same page."""
    if _auth() != "magic_link":
        return redirect(url_for("login.form"))
    email = (request.form.get("email") or "").strip()
    wanted = links.safe_next(request.form.get("next"))
    if "@" not in email or len(email) > 320:
        page = render_template("login.html", next=request.form.get("next", ""), error="missing", email=email)
        return page, 400
    nonce, _new = _nonce()
    status = 200
    if _within_limits(email):
        links.request_link(_context(), email, browser_nonce=nonce, next_path=wanted,
                           client=access.client_address())
    else:
        status = 429
    return _set_nonce(make_response(render_template("login_sent.html"), status), nonce)


def _failed(found: links.LinkCheck, *, audited: bool) -> tuple[str, int]:
    """Show that a link does not work (any more), auditing it when it was pressed."""
    if audited:
        access.audit(AuditAction.LOGIN_FAILED, target="login", actor=found.email,
                     detail=links.FAILURE_NOTES.get(found.failure, found.failure))
    status = 410 if found.failure in (links.FAILED_USED, links.FAILED_EXPIRED) else 400
    return render_template("login_failed.html", failure=found.failure), status


@bp.get("/<token>")
def link(token: str):  # noqa: ANN201
    """Show one button that logs in; opening the link changes nothing (a demo link binds to this browser)."""
    if _auth() != "magic_link":
        return redirect(url_for("login.form"))
    nonce, new = _nonce()
    found = links.check_link(_context(), token, nonce)
    if not found.ok:
        resp = make_response(*_failed(found, audited=False))
    else:
        resp = make_response(render_template("login_link.html", token=token))
    resp.headers["Cache-Control"] = "no-store"
    return _set_nonce(resp, nonce) if new and found.ok else resp


@bp.post("/<token>")
def use(token: str):  # noqa: ANN201
    """Log in with a link (its button was pressed) and go to the page first asked for."""
    if _auth() != "magic_link":
        return redirect(url_for("login.form"))
    found = links.use_link(_context(), token, request.cookies.get(NONCE_COOKIE, ""))
    if not found.ok:
        return _failed(found, audited=True)
    access.log_in(found.email)
    access.audit(AuditAction.LOGIN, target="login", detail="via inloggningslänk", actor=found.email)
    resp = redirect(links.safe_next(found.next_path))
    resp.delete_cookie(NONCE_COOKIE, path="/login")
    return resp


@bp.post("/logout")
def logout():  # noqa: ANN201
    """End the session and go to the login page."""
    who = access.current()
    if who is not None:
        access.audit(AuditAction.LOGOUT, target="login")
    access.log_out()
    return redirect(url_for("login.form"))
