"""axe-core (WCAG 2.1 A and AA) in headless Chromium finds nothing on any page, per role, in both languages.

Needs Debian's chromium and ``npm ci`` (axe-core in node_modules); ``make test`` provides both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, url_for

from service.web import create_app
from service.web.serve import serve_threaded
from tests.support.axe import AxeMissing, Violation, axe_source, check_open_page, check_page
from tests.support.chromium import Browser, ChromiumMissing
from tests.support.site import ADMIN, EMPLOYEE, MANAGER, SAFETY_REP, Archive, crawl, two_workplaces
from tests.support.web import USER_HEADER


@dataclass
class Site:
    """The archive, its app and where the app is served."""

    archive: Archive
    app: Flask
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    archive = two_workplaces(tmp_path_factory.mktemp("axe") / "config")
    app = create_app(archive.config, archive.services)
    with serve_threaded(app) as url:
        yield Site(archive, app, url)
    archive.services.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        axe_source()
        chromium = Browser(timeout=60)
    except (ChromiumMissing, AxeMissing) as exc:
        pytest.fail(str(exc))
    with chromium:
        yield chromium


def seeds(site: Site) -> list[str]:
    """Return the pages a crawl starts from: the start page, searches, and pages no link leads to."""
    found = ["/", "/verify", "/tillganglighet", "/login/", "/finns-inte-har", f"/minutes/{site.archive.own}"]
    with site.app.test_request_context():
        if "archive.search" in site.app.view_functions:
            found += [url_for("archive.search", q="glidlakan"), url_for("archive.search", q="xyzzyfinnsinte")]
    if site.archive.answer_path:
        found.append(site.archive.answer_path)
    return found


def with_english(path: str) -> str:
    """Return the path asking for the English page."""
    return path + ("&" if "?" in path else "?") + "lang=en"


def axe_over(site: Site, browser: Browser, user: str | None) -> tuple[list[str], list[Violation]]:
    """Run axe over every page ``user`` reaches, in Swedish and then in English."""
    pages = list(crawl(site.app, user, seeds(site)))
    browser.clear_cookies()
    browser.set_headers({USER_HEADER: user} if user else {})
    found: list[Violation] = []
    for path in pages:
        found += check_page(browser, site.url + path, label=path)
    for path in pages:
        found += check_page(browser, site.url + with_english(path), label=with_english(path))
        assert browser.evaluate("document.documentElement.lang") == "en", path
    browser.clear_cookies()
    return pages, found


def report(found: list[Violation]) -> str:
    return "\n".join(str(v) for v in found)


ROLES = {"admin": ADMIN, "employee": EMPLOYEE, "manager": MANAGER, "skyddsombud": SAFETY_REP}


@pytest.mark.parametrize("user", list(ROLES.values()), ids=list(ROLES))
def test_no_page_a_logged_in_person_reaches_breaks_a_wcag_rule(
    site: Site, browser: Browser, user: str
) -> None:
    pages, found = axe_over(site, browser, user)
    assert f"/minutes/{site.archive.own}" in pages and "/tillganglighet" in pages
    if user == ADMIN:
        assert f"/minutes/{site.archive.other}" in pages
        assert any(p.startswith("/outbox") for p in pages), pages
    pages_with = len({v.page for v in found})
    assert not found, f"{len(found)} violations on {pages_with} of {2 * len(pages)} pages:\n{report(found)}"


def test_no_page_without_login_breaks_a_wcag_rule(site: Site, browser: Browser) -> None:
    pages, found = axe_over(site, browser, None)
    assert {"/login/", "/verify", "/tillganglighet", "/finns-inte-har"} <= set(pages), pages
    if site.archive.answer_path:
        assert site.archive.answer_path in pages
    assert not found, report(found)


def test_a_verified_pdf_and_a_refused_file_break_no_wcag_rule(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    from tests.support.web import client_as

    pdf = client_as(site.app).get(f"/minutes/{site.archive.own}.pdf")
    assert pdf.status_code == 200
    good, bad = tmp_path / "signerad.pdf", tmp_path / "inte-pdf.pdf"
    good.write_bytes(pdf.data)
    bad.write_bytes(b"inte en pdf")
    browser.clear_cookies()
    browser.set_headers({USER_HEADER: ADMIN})
    found: list[Violation] = []
    for lang in ("sv", "en"):
        for name, upload in (("ok", good), ("fel", bad)):
            browser.goto(f"{site.url}/verify?lang={lang}")
            browser.set_files("input[type=file]", upload)
            browser.click("main form button[type=submit]")
            assert browser.evaluate("!!document.querySelector('.verdict')"), name
            found += check_open_page(browser, f"/verify ({name}, {lang})")
    browser.clear_cookies()
    assert not found, report(found)
