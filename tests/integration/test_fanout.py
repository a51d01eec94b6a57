"""The fan-out keeps its promises: each mail on record before the next goes; others' claims left alone."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from service.archive.db import Delivery, MinutesRow
from service.bootstrap import Services
from service.config import load_config
from service.mail.transport import SmtpTransport, WireMessage
from tests.support.configs import write_config
from tests.support.drafts import authenticated
from tests.support.rosters import draft, write_workplace
from tests.support.smtp import SmtpSink


def _prepared(folder: Path, port: int, database_url: str, size: int) -> tuple[Services, int]:
    config_dir = write_config(folder, smtp_port=port, database_url=database_url)
    roster = write_workplace(config_dir, size)
    services = Services(load_config(config_dir), queue=False)
    inbound = services.pipeline.accept(authenticated(draft(roster, tag=str(time.time_ns()))), source="test")
    services.pipeline.process(inbound.id)
    with services.db.session() as s:
        minutes_id = s.scalar(select(MinutesRow.id).where(MinutesRow.inbound_id == inbound.id))
    services.pipeline.sign(minutes_id)
    return services, minutes_id


class _Spy:
    """A transport around the real one that runs a check just before each message is ended (sent)."""

    def __init__(self, inner: SmtpTransport, before) -> None:  # noqa: ANN001 - callable
        self.inner = inner
        self.before = before

    @contextlib.contextmanager
    def session(self) -> Iterator[_Spy]:
        with self.inner.session() as session:
            self._session = session
            yield self

    def send(self, msg, recipient: str, **kwargs):  # noqa: ANN001, ANN201
        gate = kwargs.get("before_end")

        def checked() -> None:
            if gate is not None:
                gate()
            self.before(msg, recipient)

        return self._session.send(msg, recipient, **{**kwargs, "before_end": checked})


def _states(services: Services, minutes_id: int) -> dict[str, tuple[str, str]]:
    with services.db.session() as s:
        rows = s.execute(
            select(Delivery.email, Delivery.state, Delivery.claimed_by).where(
                Delivery.minutes_id == minutes_id
            )
        )
        return {email: (state, by) for email, state, by in rows}


def test_each_mail_is_on_record_as_sent_before_the_next_is_ended(
    tmp_path: Path, smtp_sink: SmtpSink, database_url: str
) -> None:
    services, minutes_id = _prepared(tmp_path / "config", smtp_sink.port, database_url, 25)
    handed: list[str] = []

    def before(msg: WireMessage, recipient: str) -> None:
        states = _states(services, minutes_id)  # what another connection sees: committed state only
        assert all(states[email][0] == "sent" for email in handed), "ended before the last was recorded"
        assert states[recipient][0] == "sending", "a mail went without its claim committed"
        assert isinstance(msg, WireMessage) and recipient.encode() in msg.data.split(b"\r\n\r\n", 1)[0]
        handed.append(recipient)

    try:
        services.pipeline._transport = _Spy(services.pipeline.transport(), before)
        assert services.pipeline.distribute(minutes_id) == 25
        assert sorted(handed) == sorted(smtp_sink.recipients())
        assert len(set(handed)) == 25
        assert {state for state, _ in _states(services, minutes_id).values()} == {"sent"}
    finally:
        services.close()


def test_a_delivery_claimed_by_another_worker_midway_is_left_to_it(
    tmp_path: Path, smtp_sink: SmtpSink, database_url: str
) -> None:
    services, minutes_id = _prepared(tmp_path / "config", smtp_sink.port, database_url, 10)
    with services.db.session() as s:
        query = select(Delivery.id).where(Delivery.minutes_id == minutes_id).order_by(Delivery.id)
        ids = list(s.scalars(query))
    taken = ids[3:6]  # the first three are claimed when the first mail goes; these are claimed after

    def before(msg: WireMessage, recipient: str) -> None:
        with services.db.session() as s:
            s.execute(
                update(Delivery)
                .where(Delivery.id.in_(taken), Delivery.state == "pending")
                .values(state="sending", claimed_by="annan-dator:1")
            )

    try:
        services.pipeline._transport = _Spy(services.pipeline.transport(), before)
        assert services.pipeline.distribute(minutes_id) == 7
        states = _states(services, minutes_id)
        with services.db.session() as s:
            taken_emails = set(s.scalars(select(Delivery.email).where(Delivery.id.in_(taken))))
        assert {email for email, (state, _) in states.items() if state == "sending"} == taken_emails
        assert all(states[e][1] == "annan-dator:1" for e in taken_emails)
        assert not taken_emails & set(smtp_sink.recipients())
        assert len(smtp_sink.recipients()) == 7
    finally:
        services.close()


def test_the_answer_survives_a_failing_meanwhile(smtp_sink: SmtpSink) -> None:
    from service.config import SmtpSettings

    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none"))
    raw = b"From: a@exempelby.se\r\nTo: b@exempelby.se\r\nSubject: x\r\n\r\nhej\r\n"
    msg = WireMessage(raw, "a@exempelby.se")
    calls: list[int] = []

    def meanwhile() -> None:
        calls.append(1)
        raise RuntimeError("trasigt")

    with transport.session() as session:
        first = session.send(msg, "b@exempelby.se", meanwhile=meanwhile)
        second = session.send(msg, "c@exempelby.se")
    assert first.sent and second.sent and calls == [1]
    assert sorted(smtp_sink.recipients()) == ["b@exempelby.se", "c@exempelby.se"]


def test_a_failing_before_end_leaves_the_message_unsent(smtp_sink: SmtpSink) -> None:
    from service.config import SmtpSettings

    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none"))
    raw = b"From: a@exempelby.se\r\nTo: b@exempelby.se\r\nSubject: x\r\n\r\nhej\r\n"
    msg = WireMessage(raw, "a@exempelby.se")

    def before_end() -> None:
        raise RuntimeError("databasen svarar inte")

    with transport.session() as session:
        with pytest.raises(RuntimeError):
            session.send(msg, "b@exempelby.se", before_end=before_end)
        assert session.send(msg, "c@exempelby.se").sent
    assert smtp_sink.recipients() == ["c@exempelby.se"]
