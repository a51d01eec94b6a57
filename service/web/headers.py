"""Security headers on every response: a CSP without inline script or style, no framing, no sniffing."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""What a page may load: its own stylesheet and images, nothing else; no script at all."""

PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
"""Browser features no page uses."""

HSTS = "max-age=31536000"
"""Strict-Transport-Security when the page's base_url is https (a year; subdomains are not ours to bind)."""


def security_headers(response: Response, *, https: bool) -> Response:
    """Add the security headers to one response."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS)
    headers.setdefault("Content-Security-Policy", CSP)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        # Pages and files name people and what their meetings said: no shared or disk cache keeps them.
        headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    https = app.extensions["minnes_config"].settings.web.base_url.lower().startswith("https://")

    @app.after_request
    def add_headers(response: Response) -> Response:
        return security_headers(response, https=https)
