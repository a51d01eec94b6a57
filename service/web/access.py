"""Who is asking: every request is checked before any page is made.

A person is known from the session cookie (``auth = "magic_link"``), from the SSO proxy's header
(``auth = "header"``, only from ``trusted_proxies``), or is the local admin (``auth = "none"``,
loopback only). Pages outside :data:`PUBLIC` send whoever is not logged in to the login page; a
page about something they may not read is a 404 that reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import select

from service.archive.audit import AuditAction, AuditEvent, record
from service.archive.db import utcnow
from service.domain.access import Reader, normalised, reader_of

PUBLIC = frozenset({"login", "verify", "answers", "about", "static"})
"""Blueprints (and ``static``) that anyone reaches: logging in, verifying a PDF, answering a request
by its link, the accessibility statement."""

IDLE_SECONDS = 8 * 3600
"""A session ends after this long without a request."""

SESSION_EMAIL = "email"
"""Session key: the address the person logged in with."""

SESSION_SEEN = "seen"
"""Session key: when the person last made a request (epoch seconds)."""

LOCAL_ADMIN = "lokal.admin@localhost"
"""Who ``auth = "none"`` treats every request as (the page listens on loopback only)."""

SSO_LOGIN_INTERVAL = 3600
"""``auth = "header"`` has no session: a person's LOGIN is audited at most once in this many seconds."""

log = logging.getLogger("service.web")


def _config():  # noqa: ANN202
    return current_app.extensions["minnes_config"]


def _readers() -> dict[str, Reader | None]:
    return current_app.extensions.setdefault("minnes_readers", {})


def reader_for(email: str) -> Reader | None:
    """Return what ``email`` may see under this app's configuration (cached per address)."""
    cache = _readers()
    address = normalised(email)
    if address not in cache:
        config = _config()
        if len(cache) > 10_000:
            cache.clear()
        cache[address] = reader_of(address, config.workplaces, config.settings.web.admins)
    return cache[address]


def client_address() -> str:
    """Return the client's address as this page sees it."""
    return request.remote_addr or ""


def _from_header() -> str:
    web = _config().settings.web
    if client_address() not in web.trusted_proxies:
        return ""
    return request.headers.get(web.trusted_user_header, "").strip()


def _from_session() -> str:
    email = session.get(SESSION_EMAIL, "")
    seen = session.get(SESSION_SEEN, 0)
    now = time.time()
    if not email or not isinstance(seen, int | float) or now - seen > IDLE_SECONDS:
        session.pop(SESSION_EMAIL, None)
        return ""
    if now - seen > 60:  # refresh the idle clock without rewriting the cookie on every request
        session[SESSION_SEEN] = int(now)
    return email


def current() -> Reader | None:
    """Return the person making this request, None when nobody (known) is logged in."""
    if "reader" not in g:
        auth = _config().settings.web.auth
        if auth == "none":
            everyone = frozenset(_config().workplaces)
            g.reader = Reader(LOCAL_ADMIN, True, everyone, everyone, everyone)
        else:
            email = _from_header() if auth == "header" else _from_session()
            g.reader = reader_for(email) if email else None
    return g.reader


def reader() -> Reader:
    """Return the logged-in person; only called on pages the guard has let through."""
    found = current()
    if found is None:
        abort(404)
    return found


def log_in(email: str) -> None:
    """Start a session for ``email`` (after a login link's button was pressed)."""
    session.clear()
    session.permanent = True
    session[SESSION_EMAIL] = normalised(email)
    session[SESSION_SEEN] = int(time.time())
    g.pop("reader", None)


def log_out() -> None:
    """End the session."""
    session.clear()
    g.pop("reader", None)


def require_read(workplace_id: str) -> Reader:
    """Return the person when they read ``workplace_id``, else end the request with 404."""
    who = reader()
    if not who.may_read(workplace_id):
        abort(404)
    return who


def require_status(workplace_id: str) -> Reader:
    """Return the person when they see the workplace's delivery status, else end with 404."""
    who = reader()
    if not who.may_see_status(workplace_id):
        abort(404)
    return who


def require_admin() -> Reader:
    """Return the person when they are an admin, else end the request with 404."""
    who = reader()
    if not who.admin:
        abort(404)
    return who


def audit(action: AuditAction, *, target: str = "", workplace_id: str = "", detail: str = "",
          actor: str | None = None) -> None:
    """Write one event to the audit log for this request."""
    who = current()
    services = current_app.extensions["minnes_services"]
    with services.db.session() as s:
        record(s, actor if actor is not None else (who.email if who else ""), action, target=target,
               workplace_id=workplace_id, detail=detail, client=client_address())


def _note_sso_login(who: Reader) -> None:
    """Audit a LOGIN through the SSO header at most once an hour per address (per process, then the log)."""
    seen = current_app.extensions.setdefault("minnes_sso_seen", {})
    now = time.time()
    if now - seen.get(who.email, 0) < SSO_LOGIN_INTERVAL:
        return
    if len(seen) > 10_000:
        seen.clear()
    seen[who.email] = now
    since = utcnow() - dt.timedelta(seconds=SSO_LOGIN_INTERVAL)
    services = current_app.extensions["minnes_services"]
    try:
        with services.db.session() as s:
            recent = s.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.actor == who.email, AuditEvent.action == str(AuditAction.LOGIN),
                    AuditEvent.at >= since,
                ).limit(1)
            )
            if recent is None:
                record(s, who.email, AuditAction.LOGIN, target="login", detail="via SSO-header",
                       client=client_address())
    except Exception as exc:  # noqa: BLE001 - a page must not fail because the log is busy
        log.warning("kunde inte skriva inloggningen i granskningsloggen: %s", exc)


def _guard():  # noqa: ANN202
    """Send a request for any non-public page to the login page unless someone is logged in."""
    blueprint = (request.endpoint or "").split(".", 1)[0]
    if request.endpoint is None or blueprint in PUBLIC:
        return None
    who = current()
    if who is not None:
        if _config().settings.web.auth == "header":
            _note_sso_login(who)
        return None
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("login.form", next=target))


def limiter(app: Flask) -> Limiter:
    """Return the app's one rate limiter (Redis when ``[redis] url`` is set, else this process's memory)."""
    found = app.extensions.get("minnes_limiter")
    if found is None:
        url = app.extensions["minnes_config"].settings.redis.url
        options = {"socket_connect_timeout": 2, "socket_timeout": 2} if url else {}
        found = Limiter(
            get_remote_address, app=app, storage_uri=url or "memory://", storage_options=options,
            key_prefix="minnes-limit", default_limits=[], headers_enabled=True,
            in_memory_fallback_enabled=bool(url), swallow_errors=True,
        )
        app.extensions["minnes_limiter"] = found
    return found


def register(app: Flask) -> None:
    """Check every request, configure the session cookie and make the shared rate limiter."""
    web = app.extensions["minnes_config"].settings.web
    app.config.update(
        SESSION_COOKIE_NAME="minnes_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.base_url.lower().startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=IDLE_SECONDS),
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.before_request(_guard)
    limiter(app)

    @app.context_processor
    def who_is_asking() -> dict:
        return {"reader": current()}
