"""The outbox folder: mails Minnes has 'sent' when delivery.method is outbox."""

from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header

from flask import Blueprint, abort, current_app, render_template, send_file

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.before_request
def _admins_only() -> None:
    """Let only admins see the outbox."""
    from service.web.access import require_admin

    require_admin()


def _folder():  # noqa: ANN202
    return current_app.extensions["minnes_config"].settings.delivery.outbox


def _header(value: str) -> str:
    try:
        return str(make_header(decode_header(value or "")))
    except Exception:  # noqa: BLE001 - show it raw
        return value or ""


@bp.route("/")
def index() -> str:
    """List the mails in the outbox, newest first."""
    folder = _folder()
    entries = []
    if folder.is_dir():
        files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:500]
        for path in files:
            with path.open("rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.compat32)
            entries.append(
                {
                    "name": path.name,
                    "to": _header(msg.get("To", "")),
                    "subject": _header(msg.get("Subject", "")),
                    "kind": msg.get("X-Minnes-Kind", ""),
                    "date": msg.get("Date", ""),
                }
            )
    return render_template(
        "outbox.html",
        entries=entries,
        method=current_app.extensions["minnes_config"].settings.delivery.method,
    )


@bp.route("/<name>")
def show(name: str):  # noqa: ANN201
    """Send one outbox mail as a .eml file."""
    folder = _folder()
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or not path.is_file() or path.suffix != ".eml":
        abort(404)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=name)
