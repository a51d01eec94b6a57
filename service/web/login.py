"""Logging in and out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from service.web import access

bp = Blueprint("login", __name__, url_prefix="/login")


@bp.get("/")
def form() -> str:
    """Show the login page."""
    return render_template("login.html", next=request.args.get("next", ""))


@bp.post("/logout")
def logout():  # noqa: ANN201
    """End the session and go to the login page."""
    access.log_out()
    return redirect(url_for("login.form"))
