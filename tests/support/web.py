"""The archive page in tests: a client that is someone, through the trusted SSO header."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

ADMIN = "it.admin@exempelby.se"
"""The admin every test configuration names in ``[web] admins``."""

USER_HEADER = "X-Remote-User"
"""The header the tests' configuration trusts from 127.0.0.1."""


def client_as(app: Flask, email: str | None = ADMIN) -> FlaskClient:
    """Return a test client whose every request comes from ``email`` (None: nobody logged in)."""
    client = app.test_client()
    if email:
        client.environ_base["HTTP_" + USER_HEADER.upper().replace("-", "_")] = email
    return client
