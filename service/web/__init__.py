"""The archive page: a Flask app factory with one blueprint per concern."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

from service.archive.files import StorageError
from service.config import Config

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
"""The project's Jinja templates (web pages and mail bodies)."""

STATIC = Path(__file__).resolve().parents[2] / "static"
"""The project's static files (the stylesheet), served under /static."""

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""Largest PDF the verification page accepts."""


def create_app(config: Config, services=None) -> Flask:  # noqa: ANN001 - service.bootstrap.Services
    """Create the archive web app for one configuration."""
    from service.bootstrap import Services

    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES
    # One key for every process that serves the page, so a form made by one is accepted by another.
    app.config["SECRET_KEY"] = config.installation_secret()
    app.extensions["minnes_config"] = config
    app.extensions["minnes_services"] = services or Services(config, queue=False)

    from flask_wtf.csrf import CSRFProtect

    from service.web import access, admin, answers, archive, login, outbox, verify

    csrf = CSRFProtect(app)
    access.register(app)
    app.register_blueprint(login.bp)
    app.register_blueprint(answers.bp)
    app.register_blueprint(archive.bp)
    app.register_blueprint(outbox.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(verify.bp)
    # Verifying changes nothing and must work from a script (curl); it is rate-limited instead.
    csrf.exempt(verify.bp)
    verify.register_rate_limit(app)

    from service.web import filters, i18n

    filters.register(app)
    i18n.register(app)

    from service.web import about, headers

    about.register(app)
    headers.register(app)

    @app.errorhandler(404)
    def not_found(_error: Exception):  # noqa: ANN202
        return render_template("404.html"), 404

    @app.errorhandler(StorageError)
    def unavailable(error: StorageError):  # noqa: ANN202
        """Say that a stored file cannot be read now, and log why for whoever runs Minnes."""
        app.logger.error("lagringen svarade inte: %s", error)
        return render_template("unavailable.html"), 503

    return app
