"""The justering gate on real Redis, rq workers and SMTP, on SQLite and PostgreSQL.

A samverkansgrupp draft waits until every justerare has approved it: nobody else hears of it before;
a comment reaches the note-taker and the minutes wait for a corrected draft, which is justerad anew;
the sweeper reminds and tells the manager; a killed worker or a flushed Redis loses nothing and sends
nothing twice.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import select

from service.archive.db import GateRequest, MinutesRow, OutgoingMail
from service.bootstrap import Services
from service.config import load_config
from service.web import create_app
from tests.integration.test_pipeline import kinds
from tests.support.configs import write_config
from tests.support.drafts import authenticated
from tests.support.web import client_as
from tests.support.worker import drain

WORKPLACE = "samverkan-vof"
THOMAS = "thomas.falk@exempelby.se"
HANNA = "hanna.bjork@exempelby.se"
ALI = "ali.rezaei@exempelby.se"
BIRGITTA = "birgitta.sand@exempelby.se"
EVERYONE = sorted([BIRGITTA, "karin.berg@exempelby.se", THOMAS, HANNA, ALI])
PASSPHRASE = "test-lösen"
MEETING = "2026-05-04"
MINNES = [sys.executable, "-m", "service.cli"]

DRAFT = """Protokoll samverkansgrupp Vård- och omsorgsförvaltningen
Datum: {date}

Närvarande: Birgitta Sand (förvaltningschef), Karin Berg (huvudskyddsombud), Thomas Falk (Kommunal), \
Hanna Björk (Vision), Ali Rezaei (Vårdförbundet)
Sekreterare: Thomas Falk
{justerare}
§ 1 Mötets öppnande
Birgitta öppnade mötet.

§ 2 Val av justerare
{chosen}

§ 3 Föregående protokoll
Lades till handlingarna.

§ 4 Information enligt MBL 19 §
Förvaltningen planerar nya scheman i hemtjänsten från {month}.

§ 5 Arbetsmiljö
Sjukfrånvaron har minskat till 7,2 procent.

§ 6 Budget
Budgetramen presenterades.
Beslut: Förvaltningen återkommer med en risk- och konsekvensanalys.
"""


def draft(*, month: str = "1 april", names: str = "Hanna Björk och Ali Rezaei", tag: str = "1") -> bytes:
    """Return a samverkansgrupp draft from its note-taker, as the trusted MX hands it over."""
    body = DRAFT.format(
        date=MEETING, month=month, justerare=f"Justerare: {names}\n" if names else "",
        chosen=f"{names} valdes att justera protokollet." if names else "Ingen valdes.",
    )
    raw = (
        f"From: Thomas Falk <{THOMAS}>\r\nTo: apt+{WORKPLACE}@exempelby.se\r\n"
        f"Subject: Protokoll samverkansgrupp\r\nMessage-ID: <draft-{tag}@exempelby.se>\r\n"
        "Date: Tue, 05 May 2026 09:00:00 +0200\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body.replace("\n", "\r\n")
    ).encode("utf-8")
    return authenticated(raw)


def reply(to_message, *, sender: str, first_line: str, references: str = "") -> bytes:  # noqa: ANN001
    """Return a reply to a mail Minnes sent, from ``sender``, quoting it below ``first_line``."""
    refs = references or to_message["Message-ID"]
    name = {HANNA: "Hanna Björk", ALI: "Ali Rezaei"}.get(sender, "")
    return (
        f"From: {name} <{sender}>\r\nTo: apt@exempelby.se\r\nSubject: SV: {to_message['Subject']}\r\n"
        f"Message-ID: <reply-{abs(hash((first_line, sender, refs)))}@exempelby.se>\r\n"
        f"In-Reply-To: {to_message['Message-ID']}\r\nReferences: {refs}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{first_line}\r\n\r\nDen 5 maj 2026 skrev Minnes <minnes@exempelby.se>:\r\n> Hej!\r\n"
    ).encode()


def config_folder(tmp_path: Path, redis_server, smtp_sink, database_url, adjusters: str = "",  # noqa: ANN001
                  union: tuple[str, ...] = (THOMAS, HANNA, ALI)) -> Path:
    """Write the configuration; mark the samverkansgrupp's union representatives; add its adjusters."""
    folder = write_config(tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port,
                          database_url=database_url)
    roster = folder / "workplaces" / f"{WORKPLACE}.csv"
    text = roster.read_text(encoding="utf-8")
    for address in union:
        text = text.replace(f"{address},employee", f"{address},union_rep")
    roster.write_text(text, encoding="utf-8")
    if adjusters:
        toml = folder / "workplaces" / f"{WORKPLACE}.toml"
        lines = toml.read_text(encoding="utf-8").split("\n")
        lines.insert(lines.index("") if "" in lines else len(lines), f"adjusters = {adjusters}")
        toml.write_text("\n".join(lines), encoding="utf-8")
    return folder


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url) -> Iterator[Services]:  # noqa: ANN001
    with Services(load_config(config_folder(tmp_path, redis_server, smtp_sink, database_url))) as s:
        yield s


def body(received) -> str:  # noqa: ANN001 - tests.support.smtp.Received
    return received.message().get_body(("plain",)).get_content()


def pdf_of(received) -> bytes:  # noqa: ANN001
    [pdf] = [p.get_content() for p in received.message().walk() if p.get_content_type() == "application/pdf"]
    return pdf


def pdf_pages(pdf: bytes) -> list[str]:
    """Return the text of each page of a PDF (pdftotext)."""
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode().split("\f")[:-1]


def approval_requests(sink) -> dict[str, object]:  # noqa: ANN001
    found = collections.defaultdict(list)
    for r in kinds(sink).get("approval-request", []):
        found[r.rcpt_tos[0]].append(r)
    return dict(found)


def link_path(text: str) -> str:
    return re.search(r"http://127\.0\.0\.1:8080(/svar/[A-Za-z0-9_-]{22})", text).group(1)


def press(services: Services, path: str) -> None:
    """Open a request's link and press its button, as a person would."""
    client = client_as(create_app(services.config, services))
    page = client.get(path)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post(path, data={"csrf_token": csrf}).status_code == 200


def held(services: Services) -> list[tuple[str, str]]:
    with services.db.session() as s:
        return [(m.state, m.gate) for m in s.scalars(select(MinutesRow).order_by(MinutesRow.id))]


# --------------------------------------------------------------------------- the gate


def test_nobody_else_hears_of_it_until_both_justerare_approved_then_the_pdf_says_who(
        services, redis_server, smtp_sink):  # noqa: ANN001
    services.pipeline.accept(draft(), source="test")
    drain(services, redis_server.url)
    by_kind = kinds(smtp_sink)
    assert set(by_kind) == {"receipt", "approval-request"}
    [receipt] = by_kind["receipt"]
    assert receipt.rcpt_tos == (THOMAS,)
    text = body(receipt)
    assert "Justerare som tillfrågas: Hanna Björk och Ali Rezaei." in text
    assert "De skickas inte till någon annan förrän alla justerare har godkänt dem." in text
    asked = approval_requests(smtp_sink)
    assert sorted(asked) == [ALI, HANNA] and all(len(v) == 1 for v in asked.values())
    request = asked[HANNA][0].message()
    assert re.fullmatch(r"<minnes-req\.[A-Za-z0-9_-]{22}@exempelby\.se>", request["Message-ID"])
    assert request["Reply-To"] == "apt@exempelby.se" and request["Auto-Submitted"] == "auto-generated"
    assert str(request["To"]) == "Hanna Björk <hanna.bjork@exempelby.se>"
    text = body(asked[HANNA][0])
    assert text.startswith("Hej Hanna!") and "JUSTERAT på första raden" in text and "/svar/" in text
    assert "Information enligt MBL 19 §" in text and "(Thomas Falk)" in text
    pages = pdf_pages(pdf_of(asked[HANNA][0]))
    assert len(pages) >= 2 and all("Utkast – ej justerat" in page for page in pages)
    with services.db.session() as s:
        [m] = s.scalars(select(MinutesRow)).all()
        assert (m.state, m.gate, m.version) == ("held", "justering", -m.inbound_id)
        rows = {r.email: r for r in s.scalars(select(GateRequest))}
        assert set(rows) == {HANNA, ALI} and {r.kind for r in rows.values()} == {"approval"}
        assert rows[HANNA].name == "Hanna Björk" and rows[HANNA].mailed_at is not None
        kept = s.scalars(select(OutgoingMail).where(OutgoingMail.kind == "approval-request")).all()
        token = re.search(r"minnes-req\.([^@]+)@", request["Message-ID"]).group(1)
        assert all(token.encode() not in k.raw and b"/svar/" in k.raw for k in kept)  # redacted once sent

    smtp_sink.clear()
    services.pipeline.accept(reply(request, sender=HANNA, first_line="Justerat"), source="test")
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}  # one of two: nobody hears anything
    assert held(services) == [("held", "justering")]
    with services.db.session() as s:
        hanna = s.scalar(select(GateRequest).where(GateRequest.email == HANNA))
        assert hanna.answer == "confirmed" and hanna.answered_at is not None

    press(services, link_path(body(asked[ALI][0])))  # Ali approves by the link
    drain(services, redis_server.url)
    dist = kinds(smtp_sink).get("distribution", [])
    assert sorted(r.rcpt_tos[0] for r in dist) == EVERYONE
    text = "\n".join(pdf_pages(pdf_of(dist[0])))
    assert re.search(r"Justerat av Hanna Björk och Ali Rezaei den \d{1,2} [a-z]+ \d{4}", text)
    assert "Hanna Björk, justerat den" in text and "Ali Rezaei, justerat den" in text
    assert "Utkast" not in text
    with services.db.session() as s:
        [m] = s.scalars(select(MinutesRow)).all()
        assert m.state == "distributed" and m.version == 1 and m.finished_at is not None
        # Kept with the minutes too, for the mail and the page.
        assert [j["name"] for j in m.minutes["justering"]] == ["Hanna Björk", "Ali Rezaei"]
    mail_text = dist[0].message().get_body(("plain",)).get_content()
    assert "Hanna Björk" in mail_text and "Ali Rezaei" in mail_text

    smtp_sink.clear()  # a second answer changes nothing
    services.pipeline.accept(reply(request, sender=HANNA, first_line="Justerat igen"), source="test")
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}


def test_a_comment_reaches_the_note_taker_and_a_corrected_draft_is_justerad_anew(
        services, redis_server, smtp_sink):  # noqa: ANN001
    services.pipeline.accept(draft(), source="test")
    drain(services, redis_server.url)
    first = {who: v[0].message() for who, v in approval_requests(smtp_sink).items()}
    smtp_sink.clear()
    comment = reply(first[HANNA], sender=HANNA, first_line="Under § 4 ska det stå 1 maj, inte 1 april.")
    services.pipeline.accept(comment, source="test")
    services.pipeline.accept(reply(first[ALI], sender=ALI, first_line="OK"), source="test")
    drain(services, redis_server.url)
    by_kind = kinds(smtp_sink)
    assert set(by_kind) == {"comment"}
    [mail] = by_kind["comment"]
    assert mail.rcpt_tos == (THOMAS,)
    text = body(mail)
    assert "> Under § 4 ska det stå 1 maj, inte 1 april." in text and "Hanna Björk (hanna.bjork@" in text
    assert "skrev Minnes" not in text  # the quoted request is not passed on
    assert "Anteckningarna skickas inte ut." in text
    assert held(services) == [("held", "justering")]

    smtp_sink.clear()
    services.pipeline.accept(draft(month="1 maj", tag="2"), source="test")
    drain(services, redis_server.url)
    assert held(services) == [("replaced", "justering"), ("held", "justering")]
    by_kind = kinds(smtp_sink)
    assert set(by_kind) == {"receipt", "approval-request"}
    second = {r.rcpt_tos[0]: r.message() for r in by_kind["approval-request"]}
    assert sorted(second) == [ALI, HANNA]
    with services.db.session() as s:
        first_id = s.scalar(select(MinutesRow.id).order_by(MinutesRow.id))
        old = s.scalars(select(GateRequest.answer).where(GateRequest.minutes_id == first_id)
                        .order_by(GateRequest.id)).all()
        assert old == ["comment", "confirmed"]  # the answers stay on record

    smtp_sink.clear()
    for who in (HANNA, ALI):
        services.pipeline.accept(reply(second[who], sender=who, first_line="Justerat!"), source="test")
    services.pipeline.accept(reply(first[HANNA], sender=HANNA, first_line="Justerat"), source="test")  # late
    drain(services, redis_server.url)
    dist = kinds(smtp_sink).get("distribution", [])
    assert sorted(r.rcpt_tos[0] for r in dist) == EVERYONE
    text = "\n".join(pdf_pages(pdf_of(dist[0])))
    assert "1 maj" in text and "Justerat av" in text
    with services.db.session() as s:
        states = s.scalars(select(MinutesRow.state).order_by(MinutesRow.id)).all()
        assert states == ["replaced", "distributed"]


def test_the_configured_adjusters_are_asked_when_the_draft_names_nobody(
        tmp_path, redis_server, smtp_sink, database_url):  # noqa: ANN001
    folder = config_folder(tmp_path, redis_server, smtp_sink, database_url, adjusters=f'["{HANNA}"]',
                           union=(HANNA,))
    with Services(load_config(folder)) as services:
        services.pipeline.accept(draft(names=""), source="test")
        drain(services, redis_server.url)
        assert sorted(approval_requests(smtp_sink)) == [HANNA]
        text = body(kinds(smtp_sink)["receipt"][0])
        assert "namnger ingen justerare som finns i listan" in text
        assert "Justerare som tillfrågas: Hanna Björk." in text

        smtp_sink.clear()  # Ali is no union representative here: the configured one is asked as well
        services.pipeline.accept(draft(names="Ali Rezaei", tag="2"), source="test")
        drain(services, redis_server.url)
        assert sorted(approval_requests(smtp_sink)) == [ALI, HANNA]
        text = body(kinds(smtp_sink)["receipt"][0])
        assert "minst en facklig företrädare, så även Hanna Björk tillfrågas" in text


# --------------------------------------------------------------------------- the sweeper


def age(services: Services, email: str, days: float) -> None:
    """Make one request look ``days`` old."""
    with services.db.session() as s:
        request = s.scalar(select(GateRequest).where(GateRequest.email == email, GateRequest.answer == ""))
        request.created_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)


def sweep_and_drain(services: Services, redis_url: str, times: int = 3) -> None:
    for _ in range(times):
        services.pipeline.sweep()
        drain(services, redis_url)


def test_reminders_after_two_and_five_days_then_the_manager_once(services, redis_server, smtp_sink):
    services.pipeline.accept(draft(), source="test")
    drain(services, redis_server.url)
    asked = {who: v[0] for who, v in approval_requests(smtp_sink).items()}
    hanna = reply(asked[HANNA].message(), sender=HANNA, first_line="Justerat")
    services.pipeline.accept(hanna, source="test")
    drain(services, redis_server.url)
    smtp_sink.clear()
    sweep_and_drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}  # a fresh request is not reminded

    age(services, ALI, 2.1)
    sweep_and_drain(services, redis_server.url)
    [first] = kinds(smtp_sink)["reminder"]
    assert set(kinds(smtp_sink)) == {"reminder"} and first.rcpt_tos == (ALI,)
    reminder = first.message()
    original = asked[ALI].message()["Message-ID"]
    assert reminder["In-Reply-To"] == original and original in reminder["References"]
    assert reminder["Reply-To"] == "apt@exempelby.se"
    text = body(first)
    assert "Minnes har inte fått något svar från dig än." in text
    assert link_path(text) == link_path(body(asked[ALI]))  # the same link still works
    with services.db.session() as s:
        assert s.scalar(select(GateRequest.reminders).where(GateRequest.email == ALI)) == 1
        [kept] = s.scalars(select(OutgoingMail).where(OutgoingMail.kind == "reminder")).all()
        assert original.encode() not in kept.raw and link_path(text).encode() not in kept.raw  # redacted

    age(services, ALI, 5.1)
    sweep_and_drain(services, redis_server.url)
    assert [r.rcpt_tos for r in kinds(smtp_sink)["reminder"]] == [(ALI,), (ALI,)]

    age(services, ALI, 7.1)
    sweep_and_drain(services, redis_server.url)
    by_kind = kinds(smtp_sink)
    assert len(by_kind["reminder"]) == 2  # the manager is told; Ali is not reminded a third time
    [notice] = by_kind["notice"]
    assert notice.rcpt_tos == (BIRGITTA,)
    assert "Ali Rezaei (ali.rezaei@exempelby.se)" in body(notice) and "Hanna" not in body(notice)
    age(services, ALI, 30)
    sweep_and_drain(services, redis_server.url)
    assert len(kinds(smtp_sink)["notice"]) == 1 and len(kinds(smtp_sink)["reminder"]) == 2
    assert "distribution" not in kinds(smtp_sink)

    # A reply to the reminder answers the request it reminds of.
    answer = reply(reminder, sender=ALI, first_line="Justerat",
                   references=f"{original} {reminder['Message-ID']}")
    services.pipeline.accept(answer, source="test")
    drain(services, redis_server.url)
    assert sorted(r.rcpt_tos[0] for r in kinds(smtp_sink)["distribution"]) == EVERYONE


def test_no_reminders_while_the_minutes_wait_for_a_correction(services, redis_server, smtp_sink):
    services.pipeline.accept(draft(), source="test")
    drain(services, redis_server.url)
    asked = {who: v[0].message() for who, v in approval_requests(smtp_sink).items()}
    services.pipeline.accept(reply(asked[HANNA], sender=HANNA, first_line="Nej, § 4 är fel."), source="test")
    drain(services, redis_server.url)
    assert len(kinds(smtp_sink)["comment"]) == 1
    smtp_sink.clear()
    age(services, ALI, 8)
    sweep_and_drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}


# --------------------------------------------------------------------------- killed and flushed


def start(folder: Path, logs: Path, *command: str) -> subprocess.Popen:
    """Start `minnes COMMAND --config FOLDER` in its own process group."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINNES_")}
    env.update(MINNES_SIGNING_PASSPHRASE=PASSPHRASE, MINNES_LOG_LEVEL="WARNING")
    log = (logs / f"{command[0]}-{time.monotonic_ns()}.log").open("wb")
    proc = subprocess.Popen([*MINNES, *command, "--config", str(folder)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return proc


def wait_for(condition: Callable[[], bool], timeout: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            output = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs.glob("*.log"))
            pytest.fail(f"{what} within {timeout} s\n{output}")
        time.sleep(0.05)


def settled(services: Services, count: int) -> bool:
    """Tell whether ``count`` outgoing mails are recorded as sent."""
    with services.db.session() as s:
        return len(s.scalars(select(OutgoingMail.id).where(OutgoingMail.state == "sent")).all()) >= count


def test_a_killed_worker_and_a_flushed_redis_lose_nothing_while_minutes_wait(
        tmp_path, redis_server, smtp_sink, database_url, monkeypatch):  # noqa: ANN001
    monkeypatch.setenv("MINNES_SIGNING_PASSPHRASE", PASSPHRASE)
    folder = config_folder(tmp_path, redis_server, smtp_sink, database_url)
    logs = tmp_path / "logs"
    logs.mkdir()
    children: list[subprocess.Popen] = []
    try:
        with Services(load_config(folder)) as services:
            worker = start(folder, logs, "worker")
            children.append(worker)
            services.pipeline.accept(draft(), source="test")
            wait_for(lambda: settled(services, 3), 60, "receipt and two requests sent", logs)
            # Killed while the minutes wait at the gate (after its mails settled: a mail cut off after the
            # final dot goes again, with the same Message-ID, which is the one exception README names).
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)

            asked = {r.rcpt_tos[0]: r.message() for r in kinds(smtp_sink)["approval-request"]}
            services.pipeline.accept(reply(asked[HANNA], sender=HANNA, first_line="Justerat"), source="test")
            Redis.from_url(redis_server.url).flushall()  # and Redis forgets the reply's job
            for _ in range(5):  # sweepers again and again: each piece of work once
                services.pipeline.sweep()
                services.pipeline.sweep()
                drain(services, redis_server.url)
            with services.db.session() as s:
                answers = dict(s.execute(select(GateRequest.email, GateRequest.answer)).all())
            assert answers == {HANNA: "confirmed", ALI: ""}
            assert held(services) == [("held", "justering")]
            assert "distribution" not in kinds(smtp_sink)

            worker = start(folder, logs, "worker")  # restarted
            sweeper = start(folder, logs, "sweep")
            children += [worker, sweeper]
            services.pipeline.accept(reply(asked[ALI], sender=ALI, first_line="justerat!"), source="test")
            reached = lambda: sorted(r.rcpt_tos[0] for r in kinds(smtp_sink).get("distribution", []))  # noqa: E731
            wait_for(lambda: reached() == EVERYONE, 90, "everyone reached", logs)
            time.sleep(1.5)  # anything sent twice would arrive now
            sent = collections.Counter((r.message()["X-Minnes-Kind"], r.rcpt_tos[0])
                                       for r in smtp_sink.received)
            assert all(n == 1 for n in sent.values()), sent
            assert sorted(who for kind, who in sent if kind == "approval-request") == [ALI, HANNA]
            assert [who for kind, who in sent if kind == "receipt"] == [THOMAS]
    finally:
        for proc in children:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in children:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
