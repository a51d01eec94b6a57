"""Login links: issued by mail to known addresses, single use, expiring, stored hashed, browser-bound.

A link's token is 256 random bits; only its SHA-256 is stored, beside the SHA-256 of a nonce kept in a
cookie of the browser that asked. Using the link needs both, before it expires and only once, so a
mail scanner that opens the link, or anyone who reads the archive's tables, logs nobody in. The mail
itself goes out through the outgoing-mail machinery (:func:`service.steps.mail.queue_mail`).

A demo link (printed on the terminal by ``minnes run``) is stored unbound and binds to the first
browser that opens it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from email.utils import make_msgid
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from service.archive.audit import AuditAction, record
from service.archive.db import utcnow
from service.archive.logins import LoginLink
from service.domain.access import known, normalised
from service.domain.login_texts import login_language, render_login_link
from service.domain.requests import LOGIN_PATH
from service.steps.context import StepContext
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("service.pipeline")

LINK_LIFETIME = dt.timedelta(minutes=15)
"""How long a mailed login link works."""

DEMO_LIFETIME = dt.timedelta(hours=24)
"""How long the demo link printed on the terminal works."""

TOKEN_BYTES = 32
"""Random bytes in a link's token and in a browser's nonce (256 bits)."""

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")

FAILED_UNKNOWN = "unknown"
FAILED_USED = "used"
FAILED_EXPIRED = "expired"
FAILED_BROWSER = "browser"

FAILURE_NOTES = {
    FAILED_UNKNOWN: "okänd länk",
    FAILED_USED: "länken var redan använd",
    FAILED_EXPIRED: "länken hade gått ut",
    FAILED_BROWSER: "länken öppnades i en annan webbläsare än den som bad om den",
}
"""What the audit log says of each way a link fails (never the token)."""


@dataclass(frozen=True)
class LinkCheck:
    """What a login link is worth to the browser that holds it."""

    ok: bool
    """It logs this browser in (unused, unexpired, bound to this browser's nonce)."""

    email: str = ""
    """The address it logs in as, '' when the token names no link."""

    next_path: str = "/"
    """Where to go once logged in."""

    failure: str = ""
    """Why it does not work (one of the ``FAILED_*`` values), '' when it does."""


def new_secret() -> str:
    """Return a fresh random token or nonce (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_secret(value: str) -> bool:
    """Tell whether ``value`` has the shape of a token or nonce made by :func:`new_secret`."""
    return bool(_TOKEN.match(value or ""))


def digest(value: str) -> str:
    """Return the SHA-256 (hex) under which a token or nonce is stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def safe_next(path: str | None) -> str:
    """Return ``path`` when it is a local path on this site (``/…``, not ``//…``), else ``/``."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "/"
    return path[:2000]


def link_url(ctx: StepContext, token: str) -> str:
    """Return the full URL of a login link."""
    return f"{ctx.settings.web.base_url.rstrip('/')}{LOGIN_PATH}{token}"


def mail_language(ctx: StepContext, email: str) -> str:
    """Return the language a person is written to in: Swedish unless all their workplaces are English."""
    address = normalised(email)
    languages = [
        wp.language
        for wp in ctx.config.workplaces.values()
        if wp.member(address) is not None or address in {normalised(r) for r in wp.readers}
    ]
    return login_language(languages)


def _store(s: Session, email: str, token: str, browser_hash: str, next_path: str,
           lifetime: dt.timedelta) -> LoginLink:
    now = utcnow()
    link = LoginLink(
        email=normalised(email), token_hash=digest(token), browser_hash=browser_hash,
        next_path=safe_next(next_path), created_at=now, expires_at=now + lifetime,
    )
    s.add(link)
    s.flush()
    return link


def _compose(ctx: StepContext, email: str, token: str):  # noqa: ANN202 - EmailMessage
    from service.mail.message import sender_domain, text_message

    language = mail_language(ctx, email)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    subject, body = render_login_link(link_url(ctx, token), minutes, language)
    sender = ctx.settings.delivery.sender
    return text_message(
        kind="login-link", sender=sender, to=normalised(email), subject=subject, body=body,
        language=language, message_id=make_msgid(idstring="minnes-login", domain=sender_domain(sender)),
    )


def request_link(ctx: StepContext, email: str, *, browser_nonce: str, next_path: str = "/",
                 client: str = "") -> bool:
    """Mail a login link to ``email`` if it is known, bound to ``browser_nonce``; True when one was queued.

    The caller answers the same whatever this returns, so the page never tells which addresses are known.
    The request is audited either way (the typed address is the actor).
    """
    address = normalised(email)
    mail_id = None
    with ctx.db.session() as s:
        if is_secret(browser_nonce) and known(address, ctx.config.workplaces, ctx.settings.web.admins):
            token = new_secret()
            link = _store(s, address, token, digest(browser_nonce), next_path, LINK_LIFETIME)
            msg = _compose(ctx, address, token)
            mail_id = queue_mail(s, f"login-link:{link.id}", "login-link", address, msg)
        record(s, address, AuditAction.LOGIN_REQUESTED, target="login",
               detail="länk skickad" if mail_id else "ingen länk: adressen är okänd", client=client)
    if mail_id:
        ctx.enqueue("send_mail", mail_id)
    return mail_id is not None


def demo_login_link(ctx_or_services: object, email: str) -> str:
    """Return a full login URL for ``email`` that binds to the first browser opening it (24 h, single use).

    ``ctx_or_services`` is a :class:`StepContext` or anything with ``.pipeline.context`` (Services).
    """
    ctx = ctx_or_services
    pipeline = getattr(ctx_or_services, "pipeline", None)
    if pipeline is not None:
        ctx = pipeline.context
    assert isinstance(ctx, StepContext)
    if not known(email, ctx.config.workplaces, ctx.settings.web.admins):
        raise ValueError(f"{email} står inte i någon förteckning, i readers eller i web.admins")
    token = new_secret()
    with ctx.db.session() as s:
        _store(s, email, token, "", "/", DEMO_LIFETIME)
    return link_url(ctx, token)


def _find(s: Session, token: str) -> LoginLink | None:
    if not is_secret(token):
        return None
    return s.scalar(select(LoginLink).where(LoginLink.token_hash == digest(token)))


def _judge(link: LoginLink | None, nonce: str, now: dt.datetime) -> LinkCheck:
    if link is None:
        return LinkCheck(False, failure=FAILED_UNKNOWN)
    if link.used_at is not None:
        return LinkCheck(False, link.email, failure=FAILED_USED)
    if link.expires_at < now:
        return LinkCheck(False, link.email, failure=FAILED_EXPIRED)
    bound = bool(link.browser_hash) and is_secret(nonce)
    if not bound or not hmac.compare_digest(link.browser_hash, digest(nonce)):
        return LinkCheck(False, link.email, failure=FAILED_BROWSER)
    return LinkCheck(True, link.email, safe_next(link.next_path))


def check_link(ctx: StepContext, token: str, nonce: str) -> LinkCheck:
    """Say whether a link would log this browser in; binds an unbound (demo) link to ``nonce`` first.

    Nothing else changes: opening a link logs nobody in.
    """
    with ctx.db.session() as s:
        link = _find(s, token)
        if link is not None and not link.browser_hash and is_secret(nonce):
            s.execute(
                update(LoginLink)
                .where(LoginLink.id == link.id, LoginLink.browser_hash == "", LoginLink.used_at.is_(None))
                .values(browser_hash=digest(nonce))
                .execution_options(synchronize_session=False)
            )  # only the first browser wins, however many open it at once
            s.refresh(link)
        return _judge(link, nonce, utcnow())


def use_link(ctx: StepContext, token: str, nonce: str) -> LinkCheck:
    """Spend a link for the browser holding ``nonce``: once, before it expires; return whether it worked."""
    with ctx.db.session() as s:
        now = utcnow()
        link = _find(s, token)
        found = _judge(link, nonce, now)
        if not found.ok:
            return found
        taken = s.execute(
            update(LoginLink)
            .where(LoginLink.id == link.id, LoginLink.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:
            return LinkCheck(False, found.email, failure=FAILED_USED)
        return found
