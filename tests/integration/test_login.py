"""Logging in by a link by email: same answer for every address, single use, expiring, browser-bound."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import pytest
from sqlalchemy import select, update

from service.archive.audit import AuditEvent
from service.archive.claims import MailState
from service.archive.db import OutgoingMail
from service.archive.logins import LoginLink
from service.bootstrap import Services
from service.config import ConfigError, load_config
from service.steps import login as links
from service.web import create_app
from tests.support.configs import write_config
from tests.support.web import ADMIN

KNOWN = "karin.berg@exempelby.se"
"""On the roster of Hemtjänst Norr."""

UNKNOWN = "okand.person@exempelby.se"
"""On no roster, in no readers, no admin."""

ENGLISH = "sam.taylor@exempelby.se"
"""Only on the roster of an English-speaking workplace."""


def magic_config(folder: Path, *, auth: str = "magic_link", listen: str = "127.0.0.1:0", **kwargs: object):
    """Write a test configuration with ``[web] auth`` set (and an English workplace); load it."""
    write_config(folder, **kwargs)
    (folder / "workplaces" / "english-team.toml").write_text(
        'id = "english-team"\nname = "English Team"\nkind = "apt"\norganisation = "Exempelby kommun"\n'
        'roster = "english-team.csv"\nlanguage = "en"\n\n[[agenda]]\ntitle = "Opening"\n',
        encoding="utf-8",
    )
    (folder / "workplaces" / "english-team.csv").write_text(
        f"name,email,role\nSam Taylor,{ENGLISH},employee\nKarin Berg,{KNOWN},employee\n", encoding="utf-8"
    )
    toml = folder / "minnes.toml"
    text = toml.read_text(encoding="utf-8").replace('auth = "header"', f'auth = "{auth}"')
    toml.write_text(text.replace('listen = "127.0.0.1:0"', f'listen = "{listen}"'), encoding="utf-8")
    return load_config(folder)


@pytest.fixture
def site(tmp_path, database_url):  # noqa: ANN201
    config = magic_config(tmp_path / "config", database_url=database_url)
    services = Services(config, queue=False)
    app = create_app(config, services)
    app.testing = True
    yield app, services
    services.close()


def csrf_of(page: str) -> str:
    """Return the CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def ask(client, address: str, next_path: str = ""):  # noqa: ANN001, ANN201
    """Ask for a login link from the login page, as a browser does."""
    page = client.get("/login/" + (f"?next={next_path}" if next_path else "")).get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "email": address}
    nxt = re.search(r'name="next" value="([^"]*)"', page)
    data["next"] = nxt.group(1) if nxt else ""
    return client.post("/login/", data=data)


def send_all(services: Services) -> list[email.message.EmailMessage]:
    """Send every queued mail (the sweeper's work) and return the login-link mails in the outbox folder."""
    with services.db.session() as s:
        ids = list(s.scalars(select(OutgoingMail.id).where(OutgoingMail.state == MailState.PENDING)))
    for mail_id in ids:
        services.pipeline.send_mail(mail_id)
    folder = services.config.settings.delivery.outbox
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if msg["X-Minnes-Kind"] == "login-link":
            found.append(msg)
    return found


def link_in(msg: email.message.EmailMessage) -> str:
    """Return the path of the login link in a mail."""
    body = msg.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:8080(/login/[A-Za-z0-9_-]{43})\b", body).group(1)


def actions(services: Services) -> list[tuple[str, str]]:
    with services.db.session() as s:
        return [(e.actor, e.action) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_known_and_unknown_addresses_get_the_same_page_and_only_the_known_a_mail(site):
    app, services = site
    known = ask(app.test_client(), KNOWN)
    unknown = ask(app.test_client(), UNKNOWN)
    assert known.status_code == unknown.status_code == 200
    scrub = re.compile(r'value="[^"]+"')
    assert scrub.sub("", known.get_data(as_text=True)) == scrub.sub("", unknown.get_data(as_text=True))
    assert "Om adressen finns hos oss har vi skickat en länk" in known.get_data(as_text=True)
    assert "minnes_login=" in known.headers["Set-Cookie"] and "minnes_login=" in unknown.headers["Set-Cookie"]
    cookie = known.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/login" in cookie
    mails = send_all(services)
    assert [m["To"] for m in mails] == [KNOWN]
    msg = mails[0]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "Din inloggningslänk till Minnes", "one of Karin's workplaces is Swedish"
    token = link_in(msg).rsplit("/", 1)[1]
    with services.db.session() as s:
        stored = s.scalar(select(LoginLink))
        assert stored.token_hash == links.digest(token) and token not in stored.token_hash
        assert stored.expires_at - stored.created_at == dt.timedelta(minutes=15)
    requested = [a for a in actions(services) if a[1] == "login_requested"]
    assert requested == [(KNOWN, "login_requested"), (UNKNOWN, "login_requested")]
    with services.db.session() as s:
        details = list(s.scalars(select(AuditEvent.detail)))
    assert not any(token in d for d in details)


def test_english_only_people_get_the_mail_in_english(site):
    app, services = site
    ask(app.test_client(), ENGLISH)
    (msg,) = send_all(services)
    assert msg["Subject"] == "Your login link for Minnes"
    assert msg["Content-Language"] == "en"


def test_link_logs_in_once_from_the_asking_browser_and_lands_on_the_deep_link(site):
    app, services = site
    browser = app.test_client()
    first = browser.get("/minutes/1")
    assert first.status_code == 302 and "/login/?next=/minutes/1" in first.headers["Location"]
    ask(browser, KNOWN, "/minutes/1")
    path = link_in(send_all(services)[0])
    shown = browser.get(path)
    assert shown.status_code == 200 and 'type="submit"' in shown.get_data(as_text=True)
    assert browser.get("/").status_code == 302, "opening the link logs nobody in"
    done = browser.post(path, data={"csrf_token": csrf_of(shown.get_data(as_text=True))})
    assert done.status_code == 302 and done.headers["Location"] == "/minutes/1"
    assert browser.get("/").status_code == 200
    fresh = csrf_of(browser.get("/login/").get_data(as_text=True))  # logging in began a new session
    again = browser.post(path, data={"csrf_token": fresh})
    assert again.status_code == 410 and "Länken fungerar inte längre" in again.get_data(as_text=True)
    assert (KNOWN, "login") in actions(services) and (KNOWN, "login_failed") in actions(services)
    browser.post("/login/logout", data={"csrf_token": csrf_of(browser.get("/login/").get_data(as_text=True))})
    assert browser.get("/").status_code == 302
    assert actions(services)[-1] == (KNOWN, "logout")


def test_another_browser_cannot_use_the_link(site):
    app, services = site
    ask(app.test_client(), KNOWN)
    path = link_in(send_all(services)[0])
    other = app.test_client()
    shown = other.get(path)
    assert shown.status_code == 400 and "annan webbläsare" in shown.get_data(as_text=True)
    csrf = csrf_of(other.get("/login/").get_data(as_text=True))
    assert other.post(path, data={"csrf_token": csrf}).status_code == 400
    other.set_cookie("minnes_login", links.new_secret(), path="/login")
    assert other.post(path, data={"csrf_token": csrf}).status_code == 400
    assert other.get("/").status_code == 302
    assert actions(services)[-1] == (KNOWN, "login_failed")


def test_expired_link_fails(site):
    app, services = site
    browser = app.test_client()
    ask(browser, KNOWN)
    path = link_in(send_all(services)[0])
    with services.db.session() as s:
        s.execute(update(LoginLink).values(expires_at=dt.datetime(2020, 1, 1)))
    csrf = csrf_of(browser.get("/login/").get_data(as_text=True))
    resp = browser.post(path, data={"csrf_token": csrf})
    assert resp.status_code == 410 and "begär en ny" in resp.get_data(as_text=True)
    assert browser.get("/").status_code == 302


def test_post_without_csrf_is_refused(site):
    app, services = site
    browser = app.test_client()
    browser.get("/login/")
    assert browser.post("/login/", data={"email": KNOWN}).status_code == 400
    ask(browser, KNOWN)
    path = link_in(send_all(services)[0])
    browser.get(path)
    assert browser.post(path).status_code == 400
    assert browser.get("/").status_code == 302
    with services.db.session() as s:
        assert s.scalar(select(LoginLink.used_at)) is None


def test_unknown_token_and_next_that_leaves_the_site(site):
    app, services = site
    browser = app.test_client()
    assert browser.get("/login/" + "A" * 43).status_code == 400
    ask(browser, KNOWN, "//evil.example/x")
    path = link_in(send_all(services)[0])
    csrf = csrf_of(browser.get(path).get_data(as_text=True))
    assert browser.post(path, data={"csrf_token": csrf}).headers["Location"] == "/"


def test_demo_link_binds_to_the_first_browser(site):
    app, services = site
    url = links.demo_login_link(services, ADMIN)
    path = url.removeprefix("http://127.0.0.1:8080")
    first, second = app.test_client(), app.test_client()
    shown = first.get(path)
    assert shown.status_code == 200 and "minnes_login=" in shown.headers["Set-Cookie"]
    assert second.get(path).status_code == 400, "bound to the first browser"
    assert first.post(path, data={"csrf_token": csrf_of(shown.get_data(as_text=True))}).status_code == 302
    assert first.get("/outbox/").status_code == 200
    with pytest.raises(ValueError):
        links.demo_login_link(services, UNKNOWN)


def test_rate_limit_per_address_answers_the_same_page_and_sends_nothing(site):
    app, services = site
    app.config["LOGIN_RATE_LIMIT_ADDRESS"] = "2 per 15 minutes"
    browser = app.test_client()
    assert [ask(browser, KNOWN).status_code for _ in range(3)] == [200, 200, 429]
    limited = ask(browser, KNOWN.upper())
    assert limited.status_code == 429 and "Om adressen finns hos oss" in limited.get_data(as_text=True)
    assert ask(browser, "anna.svensson@exempelby.se").status_code == 200
    assert len(send_all(services)) == 3


def test_rate_limit_per_client(site):
    app, services = site
    app.config["LOGIN_RATE_LIMIT_CLIENT"] = "2 per hour"
    browser = app.test_client()
    codes = [ask(browser, f"person{i}@exempelby.se").status_code for i in range(3)]
    assert codes == [200, 200, 429]
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert ask(elsewhere, KNOWN).status_code == 200


def test_rate_limit_lives_in_redis_when_configured(tmp_path, redis_server):
    config = magic_config(tmp_path / "config", redis_url=redis_server.url)
    services = Services(config, queue=False)
    try:
        for _round in range(2):  # two apps, as two gunicorn workers: they share the count
            app = create_app(config, services)
            app.config["LOGIN_RATE_LIMIT_ADDRESS"] = "3 per 15 minutes"
            codes = [ask(app.test_client(), KNOWN).status_code for _ in range(2)]
        assert codes == [200, 429]
        assert app.extensions["minnes_limiter"]._storage_uri.startswith("redis://")
    finally:
        services.close()


def test_header_auth_trusts_only_the_proxy_and_audits_once(tmp_path):
    config = magic_config(tmp_path / "config", auth="header")
    services = Services(config, queue=False)
    app = create_app(config, services)
    try:
        proxy = app.test_client()
        proxy.environ_base["HTTP_X_REMOTE_USER"] = KNOWN
        assert proxy.get("/").status_code == 200
        assert proxy.get("/").status_code == 200
        outsider = app.test_client()
        outsider.environ_base.update(HTTP_X_REMOTE_USER=KNOWN, REMOTE_ADDR="10.1.2.3")
        resp = outsider.get("/")
        assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
        page = outsider.get("/login/").get_data(as_text=True)
        assert "gemensamma inloggning" in page and 'name="email"' not in page
        assert actions(services) == [(KNOWN, "login")]
    finally:
        services.close()


def test_auth_none_redirects_login_and_is_refused_off_loopback(tmp_path):
    config = magic_config(tmp_path / "config", auth="none")
    services = Services(config, queue=False)
    try:
        app = create_app(config, services)
        resp = app.test_client().get("/login/")
        assert resp.status_code == 302 and resp.headers["Location"] == "/"
        assert app.test_client().get("/").status_code == 200
    finally:
        services.close()
    with pytest.raises(ConfigError, match="127.0.0.1"):
        magic_config(tmp_path / "other", auth="none", listen="0.0.0.0:8080")
