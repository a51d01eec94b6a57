"""The login link in a real headless Chromium: ask, read the mail from the outbox, open, press, land."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.bootstrap import Services
from service.steps.login import demo_login_link
from service.web import create_app
from tests.integration.test_login import KNOWN, UNKNOWN, link_in, magic_config, send_all
from tests.support.axe import AxeMissing, axe_source, check_open_page, check_page
from tests.support.chromium import Browser, ChromiumMissing, chromium_path
from tests.support.site import publish, served
from tests.support.web import ADMIN


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        chromium_path()
        axe_source()
    except (ChromiumMissing, AxeMissing) as exc:
        pytest.skip(str(exc))
    with Browser() as b:
        yield b


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, Services, int]]:  # noqa: ANN001
    config = magic_config(tmp_path / "config")
    with Services(config, queue=False) as services:
        minutes_id = publish(services, "d01-plain-numbered")
        app = create_app(config, services)
        with served(app) as url:
            yield url, services, minutes_id


def test_magic_link_from_request_to_the_deep_link(browser, site):
    url, services, minutes_id = site
    browser.clear_cookies()
    deep = f"/minutes/{minutes_id}"
    browser.goto(url + deep)
    assert "/login/" in browser.url() and "Logga in" in browser.text("h1")
    shown = check_open_page(browser, "login")
    browser.evaluate("document.querySelector('form.login input[name=csrf_token]').remove()")
    browser.fill("#login-email", KNOWN)
    browser.click("form.login button")
    assert "CSRF" in browser.text(), "a POST without its CSRF token is refused"
    assert send_all(services) == []
    browser.goto(url + deep)

    browser.fill("#login-email", KNOWN)
    browser.click("form.login button")
    shown += check_open_page(browser, "login sent")
    assert "Om adressen finns hos oss har vi skickat en länk" in browser.text()
    browser.goto(url + "/login/")
    browser.fill("#login-email", UNKNOWN)
    browser.click("form.login button")
    assert "Om adressen finns hos oss har vi skickat en länk" in browser.text()

    mails = send_all(services)
    assert [m["To"] for m in mails] == [KNOWN], "only the known address gets a mail"
    link = url + link_in(mails[0])

    browser.goto(link)
    assert browser.texts("form.login button") == ["Logga in"]
    shown += check_open_page(browser, "login link")
    browser.goto(url + "/")
    assert "/login/" in browser.url(), "opening the link logged nobody in"

    browser.goto(link)
    browser.click("form.login button")
    assert browser.url() == url + deep
    assert "Hemtjänst Norr" in browser.text("main")

    browser.goto(link)
    assert "Länken fungerar inte längre" in browser.text("h1"), "a second use fails"
    shown += check_open_page(browser, "login failed")
    assert not shown, "\n".join(map(str, shown))

    browser.clear_cookies()
    browser.goto(url + "/")
    assert "/login/" in browser.url()


def test_demo_link_logs_the_admin_in_and_admin_pages_pass_axe(browser, site):
    url, services, minutes_id = site
    browser.clear_cookies()
    link = demo_login_link(services, ADMIN).replace("http://127.0.0.1:8080", url)
    browser.goto(link)
    browser.click("form.login button")
    assert browser.url() == url + "/"
    found = []
    for path in ("/outbox/", "/audit", f"/outbox/deliveries/{minutes_id}", "/audit?lang=en"):
        found += check_page(browser, url + path, label=path)
    assert not found, "\n".join(map(str, found))
    assert "Audit log" in browser.text("h1")
