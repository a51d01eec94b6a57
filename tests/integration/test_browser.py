"""The archive page in a real headless Chromium, used as a member of staff would use it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.bootstrap import Services
from service.web import create_app
from service.web.serve import serve_threaded
from tests.support.chromium import PHONE, Browser, ChromiumMissing
from tests.support.configs import make_config
from tests.support.site import ADMIN, publish
from tests.support.web import USER_HEADER

SHOTS = os.environ.get("MINNES_SCREENSHOTS", "")
"""A folder to keep the screenshots in, for looking at the pages; a temporary one when unset."""


@dataclass
class Site:
    """The web app over an archive of real signed minutes, served on loopback."""

    url: str
    services: Services
    plain: int
    """Minutes id of d01 (plain numbered draft, 20 november 2026)."""
    unplanned: int
    """Minutes id of d06 (items out of order, unplanned sections, 13 november 2026)."""
    corrected: int
    """Minutes id of d06's correction (version 2: a decision added under Julbord)."""


CORRECTION = (
    (b"Ansvarig: Erik Nord.", b"Ansvarig: Karin Berg."),
    (b"decembe=\r\nr.\r\n", b"decembe=\r\nr.\r\nBeslut: Enheten bjuder p=C3=A5 gl=C3=B6gg.\r\n"),
)
"""A correction of d06: the action gets another owner, and Julbord a decision (quoted-printable)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    config = make_config(tmp_path_factory.mktemp("browser") / "config")
    services = Services(config, queue=False)
    plain = publish(services, "d01-plain-numbered")
    unplanned = publish(services, "d06-order-and-unplanned")
    corrected = publish(services, "d06-order-and-unplanned", CORRECTION)
    app = create_app(config, services)
    try:
        with serve_threaded(app) as url:
            yield Site(url, services, plain, unplanned, corrected)
    finally:
        services.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        chromium = Browser()
    except ChromiumMissing as exc:
        pytest.fail(str(exc))
    with chromium:
        # The SSO proxy's header, trusted from 127.0.0.1: the admin sees every page, the outbox too.
        chromium.set_headers({USER_HEADER: ADMIN})
        yield chromium


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_person_finds_reads_downloads_and_verifies_the_minutes(
    site: Site, browser: Browser, tmp_path: Path, shots: Path
) -> None:
    # The archive lists the workplace and the meeting date; the newest meeting comes first.
    browser.goto(site.url + "/")
    listing = browser.text("table.minutes-list")
    assert "Hemtjänst Norr" in listing
    assert listing.index("20 november 2026") < listing.index("13 november 2026")
    browser.screenshot(shots / "index-desktop.png")

    # The minutes read like minutes: title block, attendance, items in order, decisions, actions.
    browser.click_link("20 november 2026")
    assert browser.url().endswith(f"/minutes/{site.plain}")
    assert "minnesanteckningar – arbetsplatsträff" in browser.text(".eyebrow").casefold()
    title = browser.text("dl.title-block")
    assert "20 november 2026" in title and "13:00" in title
    attendance = browser.text("section.attendance")
    assert "Maria Lind" in attendance and "Sara Holm" in attendance and "Karin Berg" in attendance
    headings = browser.texts("section.item h2")
    assert headings[0].startswith("§ 1") and "§ 4 Arbetsmiljö och hälsa" in headings
    numbers = [int(h.split()[1]) for h in headings if h.startswith("§")]
    assert numbers == sorted(numbers)
    assert "riskbedömning av förflyttningar" in browser.text("#punkt-4 .decisions")
    action = browser.text("#punkt-4 table.actions")
    assert "glidlakan" in action and "Johan Ek" in action and "15 december 2026" in action
    assert "glidlakan" in browser.text("section.all-actions")
    assert "Alla 10 mottagare har fått minnesanteckningarna." in browser.text(".deliveries")
    browser.screenshot(shots / "minutes-desktop.png")

    # The PDF link serves the signed PDF.
    href = str(browser.evaluate("document.querySelector('a.pdf-link').href"))
    status, ctype, body = browser.fetch(href)
    assert status == 200 and ctype.startswith("application/pdf") and body.startswith(b"%PDF")
    assert b"/ByteRange" in body
    pdf = tmp_path / "minnesanteckningar.pdf"
    pdf.write_bytes(body)

    # Search finds the minutes by a word of the notes, and says so when nothing matches.
    browser.goto(site.url + "/")
    browser.fill("input[name=q]", "glidlakan")
    browser.click("form.search button")
    assert "q=glidlakan" in browser.url()
    hits = browser.text("ol.hits")
    assert "20 november 2026" in hits and "13 november 2026" not in hits
    browser.fill("input[name=q]", "finns-inte-någonstans")
    browser.click("form.search button")
    assert "Inga träffar." in browser.text("main")

    # The verification page accepts the downloaded PDF and names the minutes.
    browser.goto(site.url + "/verify")
    browser.set_files("input[type=file]", pdf)
    browser.click("main form button[type=submit]")
    verdict = browser.text(".verdict")
    assert "Äkta och oförändrad" in verdict, verdict
    assert "20 november 2026" in browser.text(".verdict a.minutes-link")
    browser.screenshot(shots / "verify-desktop.png")
    browser.click(".verdict a.minutes-link")
    assert browser.url().endswith(f"/minutes/{site.plain}")

    # A copy changed after signing is refused.
    tampered = bytearray(body)
    at = body.index(b"glidlakan") if b"glidlakan" in body else len(body) // 3
    tampered[at] ^= 0x01
    changed = tmp_path / "ändrad.pdf"
    changed.write_bytes(bytes(tampered))
    browser.goto(site.url + "/verify")
    browser.set_files("input[type=file]", changed)
    browser.click("main form button[type=submit]")
    assert "Inte giltig" in browser.text(".verdict")


def test_unplanned_sections_sit_under_ovriga_fragor_and_uncovered_items_are_marked(
    site: Site, browser: Browser
) -> None:
    browser.goto(f"{site.url}/minutes/{site.unplanned}")
    other = next(h for h in browser.texts("section.item h2") if "Övriga frågor" in h)
    number = other.split()[1]
    unplanned = browser.texts(f"#punkt-{number} .unplanned h3")
    assert "Julbord" in unplanned and "Friskvård" in unplanned
    assert "Punkten behandlades inte." in browser.text("#punkt-2")


def test_a_corrected_version_shows_what_changed_and_leads_between_the_versions(
    site: Site, browser: Browser, shots: Path
) -> None:
    # The archive lists the meeting once, as its corrected version.
    browser.goto(site.url + "/")
    listing = browser.text("table.minutes-list")
    assert listing.count("13 november 2026") == 1 and "rättad version 2" in listing
    browser.click_link("13 november 2026")
    assert browser.url().endswith(f"/minutes/{site.corrected}")
    changes = browser.text("section.changes")
    assert "Ändringar mot version 1" in changes
    assert "Övriga frågor: Julbord" in changes and "nytt beslut: ”Enheten bjuder på glögg.”" in changes
    assert "ansvarig Erik Nord → Karin Berg" in changes
    assert "Enheten bjuder på glögg." in browser.text("article.doc")
    versions = browser.texts("ul.versions-list li")
    assert len(versions) == 2 and "Version 2" in versions[0] and "gällande" in versions[0]
    assert "ersatt" in versions[1]
    browser.screenshot(shots / "minutes-corrected-desktop.png")

    # The item a change names is a link to it; the older version says it was replaced.
    link = "[...document.querySelectorAll('section.changes h3 a')].find(a => a.textContent.includes('§ 4'))"
    assert browser.evaluate(f"{link}.getAttribute('href')") == "#punkt-4"
    assert "Karin Berg" in browser.text("#punkt-4 table.actions")
    browser.click_link("Version 1")
    assert browser.url().endswith(f"/minutes/{site.unplanned}")
    assert "Det här är en äldre version" in browser.text("p.older-version")
    assert not browser.evaluate("!!document.querySelector('section.changes')")
    browser.click_link("Gällande version är version 2")
    assert browser.url().endswith(f"/minutes/{site.corrected}")


def test_pages_fit_a_phone(site: Site, browser: Browser, shots: Path) -> None:
    browser.viewport(*PHONE)
    try:
        for name, path in (
            ("index", "/"),
            ("minutes", f"/minutes/{site.plain}"),
            ("minutes-unplanned", f"/minutes/{site.unplanned}"),
            ("minutes-corrected", f"/minutes/{site.corrected}"),
            ("workplace", "/workplace/hemtjanst-norr"),
            ("verify", "/verify"),
            ("outbox", "/outbox/"),
        ):
            browser.goto(site.url + path)
            assert not browser.overflows_horizontally(), f"{path} is wider than a phone"
            browser.screenshot(shots / f"{name}-phone.png")
    finally:
        browser.viewport(1280, 900)


def test_the_language_switches_to_english_and_back(site: Site, browser: Browser) -> None:
    browser.goto(f"{site.url}/minutes/{site.plain}")
    browser.click("a.lang")
    assert "Attendance and roles" in browser.text("main")
    assert "20 November 2026" in browser.text("dl.title-block")
    browser.click("a.lang")
    assert "Närvaro och roller" in browser.text("main")


def test_the_stylesheet_applies_under_the_csp_and_the_layout_names_who_is_logged_in(
    site: Site, browser: Browser
) -> None:
    browser.goto(site.url + "/")
    header = "getComputedStyle(document.querySelector('header.site')).backgroundColor"
    assert browser.evaluate(header) == "rgb(31, 78, 95)"
    assert ADMIN in browser.text("header.site .who")
    assert browser.evaluate("!!document.querySelector('header.site form.logout button')")
    browser.click("footer.site a[href='/tillganglighet']")
    assert "Tillgänglighetsredogörelse" in browser.text("h1")
    assert "Digg" in browser.text("main")
