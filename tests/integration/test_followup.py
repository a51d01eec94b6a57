"""Actions that come back, on real Redis, rq and SMTP (SQLite and PostgreSQL): reminders, notices, closing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from service.archive.db import ActionRow, MinutesRow, OutgoingMail
from service.bootstrap import Services
from service.config import load_config
from service.steps import followup
from tests.integration.test_pipeline import kinds
from tests.support.configs import write_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.worker import drain

ANNA = "anna.svensson@exempelby.se"
JOHAN = "johan.ek@exempelby.se"
MARIA = "maria.lind@exempelby.se"
TODAY = dt.date.today()
D01 = email.message_from_bytes(corpus_draft("d01-plain-numbered"), policy=email.policy.default)
D01_BODY = D01.get_body(("plain",)).get_content()
GLIDLAKAN = "Åtgärd: Beställa glidlakan till alla bilar. Ansvarig: Johan Ek. Klart: 2026-12-15"
SCHEMA = "Åtgärd: Lägga ut nya körscheman i Time Care. Ansvarig: Maria Lind. Klart: {due}"


def day(offset: int) -> str:
    """Return the ISO date ``offset`` days from today."""
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def draft(
    date: str, *, due: str = "2026-12-15", replace: dict[str, str] | None = None, tag: str = ""
) -> bytes:
    """Return corpus draft d01, authenticated, for the meeting on ``date``, its action due on ``due``."""
    body = D01_BODY.replace("Datum: 2026-11-20", f"Datum: {date}")
    body = body.replace("Klart: 2026-12-15", f"Klart: {due}")
    for old, new in (replace or {}).items():
        assert old in body, old
        body = body.replace(old, new)
    msg = EmailMessage()
    msg["From"] = D01["From"]
    msg["To"] = D01["To"]
    msg["Subject"] = f"Minnesanteckningar APT {date}"
    msg["Date"] = D01["Date"]
    msg["Message-ID"] = f"<followup-{date}-{tag}@mail.exempelby.se>"
    msg.set_content(body)
    return authenticated(msg.as_bytes())


def config_for(tmp_path, redis_server, smtp_sink, database_url, *, committee: bool = False):  # noqa: ANN001, ANN201
    folder = write_config(tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port,
                          database_url=database_url)
    if committee:
        path = folder / "workplaces" / "hemtjanst-norr.toml"
        text = path.read_text(encoding="utf-8")
        roster = 'roster = "hemtjanst-norr.csv"\n'
        text = text.replace(roster, roster + "safety_committee = true\n")
        path.write_text(text, encoding="utf-8")
    return load_config(folder)


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url):  # noqa: ANN001, ANN201
    with Services(config_for(tmp_path, redis_server, smtp_sink, database_url)) as s:
        yield s


def run(services, redis_server, raw: bytes | None = None) -> None:  # noqa: ANN001
    """Take a draft (if any) through the pipeline, then sweep once and drain what that found."""
    if raw is not None:
        services.pipeline.accept(raw, source="test")
        drain(services, redis_server.url)
    services.pipeline.sweep()
    drain(services, redis_server.url)


def body(received) -> str:  # noqa: ANN001
    return received.message().get_body(("plain",)).get_content()


def actions(services) -> list[ActionRow]:  # noqa: ANN001
    with services.db.session() as s:
        return list(s.scalars(select(ActionRow).order_by(ActionRow.id)))


def test_the_owner_gets_one_reminder_across_sweeps_and_a_restart(services, redis_server, smtp_sink, tmp_path,
                                                                  database_url):
    run(services, redis_server, draft(day(0), due=day(3)))
    [row] = actions(services)
    assert (row.what, row.owner, row.owner_email, row.due, row.state) == (
        "Beställa glidlakan till alla bilar.", "Johan Ek", JOHAN, day(3), "open")
    assert row.remind_on == day(0) and row.reminded_at is not None
    [reminder] = kinds(smtp_sink)["reminder"]
    assert reminder.rcpt_tos == (JOHAN,)
    msg = reminder.message()
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Content-Language"] == "sv"
    assert msg["Subject"] == f"Påminnelse: Beställa glidlakan till alla bilar – senast {day(3)}"
    text = body(reminder)
    assert text.startswith("Hej Johan!") and "(om 3 dagar)" in text and "/minutes/" in text
    assert "ÖPPNA ÅTGÄRDER" not in body(kinds(smtp_sink)["receipt"][0])  # nothing earlier to follow up

    for _ in range(3):
        run(services, redis_server)
    services.close()
    with Services(config_for(tmp_path, redis_server, smtp_sink, database_url)) as again:  # a restart
        run(again, redis_server)
        run(again, redis_server)
    assert len(kinds(smtp_sink)["reminder"]) == 1
    assert "notice" not in kinds(smtp_sink)


def test_no_reminder_before_its_day(services, redis_server, smtp_sink):
    run(services, redis_server, draft(day(0), due=day(4)))
    assert "reminder" not in kinds(smtp_sink)
    with services.db.session() as s:  # a day later, it is three days away
        row = s.scalar(select(ActionRow))
        row.due, row.remind_on = day(3), day(0)
    run(services, redis_server)
    assert [r.rcpt_tos for r in kinds(smtp_sink)["reminder"]] == [(JOHAN,)]


def test_an_overdue_action_reaches_the_manager_once(services, redis_server, smtp_sink):
    run(services, redis_server, draft(day(-30), due=day(-1)))
    notices = kinds(smtp_sink)["notice"]
    assert [n.rcpt_tos for n in notices] == [(MARIA,)]
    text = body(notices[0])
    assert notices[0].message()["Subject"].startswith("Försenad åtgärd: Hemtjänst Norr – Beställa glidlakan")
    assert f"skulle ha varit klar {day(-1)}" in text and "Ansvarig: Johan Ek" in text
    assert "reminder" not in kinds(smtp_sink)  # too late to remind: the manager is told instead
    run(services, redis_server)
    run(services, redis_server)
    assert len(kinds(smtp_sink)["notice"]) == 1
    [row] = actions(services)
    assert row.state == "open" and row.overdue_noticed_at is not None


def test_a_later_draft_closes_an_action_and_the_receipt_lists_what_is_still_open(services, redis_server,
                                                                                  smtp_sink):
    first = draft(day(-40), due=day(-5), replace={
        "Klart: " + day(-5): "Klart: " + day(-5) + "\n" + SCHEMA.format(due=day(20))})
    run(services, redis_server, first)
    assert [(a.what, a.owner_email) for a in actions(services)] == [
        ("Beställa glidlakan till alla bilar.", JOHAN), ("Lägga ut nya körscheman i Time Care.", MARIA)]
    smtp_sink.clear()

    second = draft(day(-2), replace={
        "Minnesanteckningarna från oktober gicks igenom och lades till handlingarna.":
            "Glidlakan till alla bilar är beställda, klart.",
        GLIDLAKAN: "",
    })
    run(services, redis_server, second)
    glidlakan, schema = actions(services)
    with services.db.session() as s:
        later = s.scalar(select(MinutesRow).where(MinutesRow.meeting_date == day(-2)))
    assert (glidlakan.state, glidlakan.done_in_minutes_id) == ("done", later.id)
    assert schema.state == "open"
    assert later.minutes["followup"] == {
        "open": [{"what": "Lägga ut nya körscheman i Time Care.", "owner": "Maria Lind", "due": day(20),
                  "meeting_date": day(-40), "overdue": False}],
        "closed": [{"what": "Beställa glidlakan till alla bilar.", "owner": "Johan Ek",
                    "meeting_date": day(-40)}],
    }
    [receipt] = kinds(smtp_sink)["receipt"]
    lines = body(receipt).splitlines()
    closed_at = lines.index("MARKERAS SOM KLARA MED DE HÄR ANTECKNINGARNA")
    assert lines[closed_at + 1] == f"✓ Beställa glidlakan till alla bilar. (Johan Ek, från mötet {day(-40)})"
    open_at = lines.index("ÖPPNA ÅTGÄRDER FRÅN TIDIGARE MÖTEN")
    assert lines[open_at + 1] == (f"- Lägga ut nya körscheman i Time Care. (Maria Lind, senast {day(20)}, "
                                  f"från mötet {day(-40)})")
    # A closed action is neither reminded nor noticed as overdue any more.
    run(services, redis_server)
    assert "notice" not in kinds(smtp_sink) and "reminder" not in kinds(smtp_sink)


def test_recording_twice_or_correcting_records_no_action_twice(services, redis_server, smtp_sink):
    run(services, redis_server, draft(day(-1), due=day(2)))
    [row] = actions(services)
    with services.db.session() as s:
        m = s.get(MinutesRow, row.minutes_id)
        followup.record(services.pipeline.context, s, m)
        followup.record(services.pipeline.context, s, m)
    assert [a.id for a in actions(services)] == [row.id]

    correction = draft(day(-1), due=day(2), tag="fixed",
                       replace={"Inga övriga frågor.": "Inga övriga frågor. Rättad: kaffet."})
    run(services, redis_server, correction)
    with services.db.session() as s:
        versions = s.scalars(select(MinutesRow.id).order_by(MinutesRow.id)).all()
        assert s.scalar(select(func.count()).select_from(ActionRow)) == 1
    [moved] = actions(services)
    assert len(versions) == 2 and moved.id == row.id and moved.minutes_id == versions[1]
    assert moved.state == "open" and moved.reminded_at == row.reminded_at  # not reminded again
    assert len(kinds(smtp_sink)["reminder"]) == 1

    # A correction that moves the due date reminds once more, by the new date.
    run(services, redis_server, draft(day(-1), due=day(1), tag="later"))
    assert [a.id for a in actions(services)] == [row.id]
    reminders = kinds(smtp_sink)["reminder"]
    assert len(reminders) == 2 and day(1) in reminders[1].message()["Subject"]

    # A correction that drops the action replaces it: it is never reminded or listed again.
    dropped = draft(day(-1), due=day(1), tag="dropped", replace={GLIDLAKAN.replace("2026-12-15", day(1)): ""})
    run(services, redis_server, dropped)
    [gone] = actions(services)
    assert gone.state == "replaced"


def test_a_skyddskommitte_is_warned_once_per_version(tmp_path, redis_server, smtp_sink, database_url):
    config = config_for(tmp_path, redis_server, smtp_sink, database_url, committee=True)
    with Services(config) as services:
        run(services, redis_server, draft(day(-150), due=day(-140)))  # Karin Berg, skyddsombud, was there
        notices = kinds(smtp_sink).get("notice", [])
        assert not [n for n in notices if "Skyddskommitté" in n.message()["Subject"]]
        assert "SKYDDSKOMMITTÉ" not in body(kinds(smtp_sink)["receipt"][0])
        smtp_sink.clear()
        absent = {"Karin Berg (skyddsombud), ": "", "Frånvarande: ": "Frånvarande: Karin Berg, "}
        run(services, redis_server, draft(day(-2), due=day(30), replace=absent))
        by_kind = kinds(smtp_sink)
        receipt = body(by_kind["receipt"][0])
        assert "SKYDDSKOMMITTÉ" in receipt and "Inget skyddsombud" in receipt
        assert f"mer än tre månader sedan förra mötet ({day(-150)})" in receipt
        safety = [n for n in by_kind["notice"] if n.message()["Subject"].startswith("Skyddskommitté")]
        assert [n.rcpt_tos for n in safety] == [(MARIA,)]
        assert "Inget skyddsombud" in body(safety[0]) and "AFS 2023:1" in body(safety[0])
        # Sweeps send nothing again; nor does a correction that warns of the same.
        run(services, redis_server)
        fixed = dict(absent, **{"Inga övriga frågor.": "Inga övriga frågor. Rättad."})
        run(services, redis_server, draft(day(-2), due=day(30), replace=fixed, tag="fixed"))
        with services.db.session() as s:
            keys = s.scalars(select(OutgoingMail.key).where(OutgoingMail.key.like("notice:safety:%"))).all()
        assert len(keys) == 1


def test_the_followup_key_is_kept_in_the_minutes_json(services, redis_server, smtp_sink):
    run(services, redis_server, draft(day(-1), due=day(10)))
    with services.db.session() as s:
        [m] = s.scalars(select(MinutesRow)).all()
        assert json.loads(m.data)["followup"] == {"open": [], "closed": []}
        assert "Hemtjänst Norr" in m.data  # not ASCII-escaped
