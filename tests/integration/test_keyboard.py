"""Keyboard only, in headless Chromium: from the start page to a search, the minutes and the PDF.

With ``auth = "header"`` the SSO proxy has logged the person in, so the path starts at "/". Every step
is a key event (Tab, typing, Enter) sent through the browser's input pipeline; nothing is clicked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.web import create_app
from service.web.serve import serve_threaded
from tests.support.chromium import Browser, ChromiumMissing
from tests.support.site import EMPLOYEE, Archive, two_workplaces
from tests.support.web import USER_HEADER

MOST_TABS = 40
"""A page whose target is further than this many Tabs away fails the test."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, str]]:
    archive = two_workplaces(tmp_path_factory.mktemp("keyboard") / "config")
    with serve_threaded(create_app(archive.config, archive.services)) as url:
        yield archive, url
    archive.services.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    try:
        chromium = Browser(timeout=30)
    except ChromiumMissing as exc:
        pytest.fail(str(exc))
    with chromium:
        chromium.set_headers({USER_HEADER: EMPLOYEE})
        yield chromium


def tab_to(browser: Browser, wanted: str) -> dict:
    """Press Tab until the focused element matches the CSS selector ``wanted``; every stop shows focus."""
    for _ in range(MOST_TABS):
        browser.press("Tab")
        focused = browser.focused()
        assert focused.get("visible") and focused.get("outline"), f"no visible focus on {focused}"
        if browser.evaluate(f"document.activeElement.matches({wanted!r})"):
            return focused
    raise AssertionError(f"{wanted} is not reached with {MOST_TABS} Tabs on {browser.url()}")


def test_search_minutes_and_pdf_with_the_keyboard_only(site: tuple[Archive, str], browser: Browser) -> None:
    archive, url = site
    browser.goto(url + "/")

    # The first Tab lands on the skip link, visible and outlined; Enter moves on to the content.
    browser.press("Tab")
    skip = browser.focused()
    assert skip["text"] == "Hoppa till innehållet" and skip["href"] == "#innehall"
    assert skip["visible"] and skip["outline"] and skip["onscreen"], skip
    browser.press("Enter")
    assert browser.evaluate("location.hash") == "#innehall"

    # The next Tab is in the content: the search field. Type a word and press Enter.
    browser.press("Tab")
    field = browser.focused()
    assert field["tag"] == "input" and field["name"] == "q", field
    assert field["visible"] and field["outline"], field
    browser.type_text("glidlakan")
    browser.press_and_wait("Enter")
    assert "q=glidlakan" in browser.url()
    assert "20 november 2026" in browser.text("main")

    # Tab to the hit and open it with Enter.
    hit = tab_to(browser, f"main a[href$='/minutes/{archive.own}']")
    assert "20 november 2026" in hit["text"]
    browser.press_and_wait("Enter")
    assert browser.url().endswith(f"/minutes/{archive.own}")

    # Tab to the PDF link; Enter fetches the signed PDF.
    link = tab_to(browser, "a.pdf-link")
    assert link["href"].endswith(".pdf")
    browser.send("Page.setDownloadBehavior", behavior="deny")
    browser.press("Enter")
    response = browser.wait_response(link["href"])
    assert response["status"] == 200 and response["mimeType"] == "application/pdf", response


def test_the_skip_link_is_hidden_until_focused(site: tuple[Archive, str], browser: Browser) -> None:
    _, url = site
    browser.goto(url + "/tillganglighet?lang=en")
    top = "document.querySelector('a.skip').getBoundingClientRect().bottom"
    assert browser.evaluate(top) <= 0
    browser.press("Tab")
    assert browser.focused()["text"] == "Skip to content"
    assert browser.evaluate(top) > 0
