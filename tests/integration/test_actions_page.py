"""A workplace's open actions: listed with owner, due date and meeting; marked done by owner or manager."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.archive.audit import AuditEvent
from service.archive.db import ActionRow
from tests.integration.test_search import ANNA, PER, A, Archive
from tests.support.web import client_as

JOHAN = "johan.ek@exempelby.se"
"""An employee of hemtjanst-norr, owner of the other action."""
MARIA = "maria.lind@exempelby.se"
"""The manager of hemtjanst-norr."""


@pytest.fixture
def archive(tmp_path, database_url):  # noqa: ANN001, ANN201
    a = Archive(tmp_path, database_url)
    mid = a.add(A, "2026-09-01", "Åtgärder bestämdes.")
    with a.services.db.session() as s:
        s.add_all([
            ActionRow(workplace_id=A, minutes_id=mid, position=0, meeting_date="2026-09-01",
                      what="Beställ glidlakan", owner="Anna Svensson", owner_email=ANNA, due="2020-01-31"),
            ActionRow(workplace_id=A, minutes_id=mid, position=1, meeting_date="2026-09-01",
                      what="Boka skyddsrond", owner="Johan Ek", owner_email=JOHAN, due="2999-12-31"),
            ActionRow(workplace_id=A, minutes_id=mid, position=2, meeting_date="2026-09-01",
                      what="Redan klar", owner="Johan Ek", owner_email=JOHAN, state="done"),
        ])
    a.minutes_id = mid
    yield a
    a.services.close()


def _ids(archive: Archive) -> dict[str, int]:
    with archive.services.db.session() as s:
        return {a.what: a.id for a in s.scalars(select(ActionRow))}


def _state(archive: Archive, action_id: int) -> str:
    with archive.services.db.session() as s:
        return s.get(ActionRow, action_id).state


def _post_done(archive: Archive, who: str, action_id: int, *, token: bool = True) -> int:
    """POST the done button as ``who``, with a CSRF token of their session (or without one)."""
    client = client_as(archive.app, who)
    data = {}
    if token:
        from flask import session
        from flask_wtf.csrf import generate_csrf

        with archive.app.test_request_context():
            data["csrf_token"] = generate_csrf()
            raw = session["csrf_token"]
        with client.session_transaction() as kept:
            kept["csrf_token"] = raw
    return client.post(f"/workplace/{A}/actions/{action_id}/done", data=data).status_code


def test_open_actions_are_listed_with_owner_due_date_meeting_and_overdue_marked(archive):
    page = archive.get(f"/workplace/{A}/actions", ANNA)
    assert "Beställ glidlakan" in page and "Boka skyddsrond" in page and "Redan klar" not in page
    assert "Anna Svensson" in page and "Johan Ek" in page
    assert page.index("Beställ glidlakan") < page.index("Boka skyddsrond"), "earliest due first"
    assert page.count("försenad") == 1 and "31 januari 2020" in page
    assert f'href="/minutes/{archive.minutes_id}"' in page
    assert page.count('/done"') == 1, "Anna may mark only her own action"
    assert f'href="/workplace/{A}/actions"' in archive.get(f"/workplace/{A}", ANNA)
    assert "overdue" in archive.get(f"/workplace/{A}/actions?lang=en", ANNA)


def test_the_owner_marks_an_action_done_and_it_is_audited(archive):
    ids = _ids(archive)
    assert _post_done(archive, ANNA, ids["Beställ glidlakan"]) == 303
    assert _state(archive, ids["Beställ glidlakan"]) == "done"
    with archive.services.db.session() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "action_done"))
        target = f"action/{ids['Beställ glidlakan']}"
        assert (event.actor, event.target, event.workplace_id) == (ANNA, target, A)
        assert s.get(ActionRow, ids["Beställ glidlakan"]).done_at is not None
    assert "Beställ glidlakan" not in archive.get(f"/workplace/{A}/actions", ANNA)


def test_the_manager_marks_anyones_action_done(archive):
    ids = _ids(archive)
    assert archive.get(f"/workplace/{A}/actions", MARIA).count('/done"') == 2
    assert _post_done(archive, MARIA, ids["Boka skyddsrond"]) == 303
    assert _state(archive, ids["Boka skyddsrond"]) == "done"


def test_anyone_else_gets_404(archive):
    ids = _ids(archive)
    assert _post_done(archive, ANNA, ids["Boka skyddsrond"]) == 404, "not her action, not a manager"
    assert _state(archive, ids["Boka skyddsrond"]) == "open"
    assert client_as(archive.app, PER).get(f"/workplace/{A}/actions").status_code == 404
    assert _post_done(archive, PER, ids["Boka skyddsrond"]) == 404
    assert _post_done(archive, MARIA, ids["Redan klar"]) == 404, "done already"
    assert _state(archive, ids["Boka skyddsrond"]) == "open"


def test_marking_done_needs_the_csrf_token(archive):
    ids = _ids(archive)
    assert _post_done(archive, ANNA, ids["Beställ glidlakan"], token=False) == 400
    assert _state(archive, ids["Beställ glidlakan"]) == "open"
