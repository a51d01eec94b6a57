"""Security headers on every page, and no inline script or style in any template (the CSP forbids them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import load_config
from service.web import TEMPLATES, create_app
from tests.support.configs import write_config
from tests.support.site import ADMIN, EMPLOYEE, Archive, crawl, two_workplaces
from tests.support.web import client_as

SEEDS = ["/", "/verify", "/tillganglighet", "/login/", "/finns-inte-har"]
"""Where the crawls start."""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    found = two_workplaces(tmp_path_factory.mktemp("headers") / "config")
    yield found
    found.services.close()


def check(headers: dict[str, str], path: str, *, https: bool = False) -> None:
    """Fail unless one page's headers protect it."""
    csp = headers.get("Content-Security-Policy", "")
    assert csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, (path, csp)
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, (path, csp)
    assert "script-src" not in csp, (path, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    assert headers.get("Cache-Control") == "no-store", path
    assert ("Strict-Transport-Security" in headers) == https, path


@pytest.mark.parametrize("user", [ADMIN, EMPLOYEE, None], ids=["admin", "employee", "nobody"])
def test_every_page_carries_the_security_headers(archive: Archive, user: str | None) -> None:
    app = create_app(archive.config, archive.services)
    pages = crawl(app, user, SEEDS + ([archive.answer_path] if archive.answer_path else []))
    assert len(pages) >= (10 if user == ADMIN else 4), pages
    client = client_as(app, user)
    for path in pages:
        check(dict(client.get(path).headers), path)
    # The redirect to login, a file and a form's answer carry them too.
    for path in ("/", f"/minutes/{archive.own}.pdf"):
        response = client.get(path)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), path


def test_the_stylesheet_is_served_and_may_be_cached(archive: Archive) -> None:
    response = client_as(create_app(archive.config, archive.services), None).get("/static/minnes.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert ":focus-visible" in response.get_data(as_text=True)
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_hsts_only_when_the_base_url_is_https(tmp_path: Path, archive: Archive) -> None:
    folder = write_config(tmp_path / "config")
    toml = folder / "minnes.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'base_url = "http://127.0.0.1:8080"', 'base_url = "https://minnes.exempelby.se"'), encoding="utf-8")
    app = create_app(load_config(folder), archive.services)
    for user, path in ((None, "/login/"), (None, "/tillganglighet"), (ADMIN, "/")):
        response = client_as(app, user).get(path)
        check(dict(response.headers), path, https=True)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = client_as(create_app(archive.config, archive.services), None).get("/login/")
    assert "Strict-Transport-Security" not in plain.headers


INLINE = re.compile(r"\sstyle\s*=|<style\b|<script\b|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
"""What the CSP would block: inline styles, any script, event handler attributes, javascript: links."""


def test_no_template_has_inline_style_or_script() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) >= 8
    found = [
        f"{t.relative_to(TEMPLATES)}:{n}: {line.strip()[:80]}"
        for t in templates
        for n, line in enumerate(t.read_text(encoding="utf-8").splitlines(), 1)
        if INLINE.search(line)
    ]
    assert not found, "\n".join(found)
