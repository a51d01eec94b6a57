"""Full-text search of the archive on SQLite FTS5 and PostgreSQL tsvector: word forms, access, caps, pages."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from service.archive import search
from service.archive.audit import AuditEvent
from service.archive.db import Inbound, MinutesRow
from service.bootstrap import Services
from service.steps.gates import PASSED
from service.steps.process import search_text
from service.web import create_app
from tests.support.configs import make_config
from tests.support.web import client_as

A, B = "hemtjanst-norr", "ekbackens-skola"
ANNA = "anna.svensson@exempelby.se"
"""Reads hemtjanst-norr only."""
PER = "per.holm@exempelby.se"
"""Reads ekbackens-skola only."""


def _data(wp: str, date: str, text: str) -> dict:
    return {"meeting": {"workplace": wp, "date": date}, "items": [
        {"number": 1, "title": "Arbetsmiljö", "heading": "1. Arbetsmiljö", "text": text, "decisions": [],
         "actions": []}], "unplanned": [], "missing": [], "warnings": [],
        "attendance": {"present": [], "absent": []}}


class Archive:
    """A scratch archive the tests fill with minutes."""

    def __init__(self, tmp_path, database_url) -> None:  # noqa: ANN001
        self.config = make_config(tmp_path / "config", database_url=database_url)
        self.services = Services(self.config, queue=False)
        self.app = create_app(self.config, self.services)
        self.app.testing = True
        self.next = 1

    def add(self, wp: str, date: str, text: str, *, state: str = "distributed", version: int = 1,
            index: bool = True) -> int:
        """Store one minutes version (indexed as the pipeline does when it is shown); return its id."""
        with self.services.db.session() as s:
            inbound = Inbound(sha256=f"{self.next:064x}", size=1, source="test")
            self.next += 1
            s.add(inbound)
            s.flush()
            data = _data(wp, date, text)
            m = MinutesRow(inbound_id=inbound.id, workplace_id=wp, meeting_date=date, version=version,
                           data=json.dumps(data, ensure_ascii=False), search_text=search_text(data),
                           state=state)
            s.add(m)
            s.flush()
            if index and state in {str(p) for p in PASSED} and version > 0:
                search.index(s, m)
            return m.id

    def bulk(self, count: int, wp: str, text: str) -> None:
        """Store ``count`` shown versions at once (without the index), one meeting a day from 2020."""
        import datetime as dt

        inb, mins = [], []
        with self.services.db.engine.begin() as conn:
            start = max(conn.execute(select(func.coalesce(func.max(Inbound.id), 0))).scalar(), 100_000) + 1
            for n in range(count):
                i = start + n
                day = (dt.date(2020, 1, 1) + dt.timedelta(days=n)).isoformat()
                data = _data(wp, day, f"{text} möte {n}")
                inb.append({"id": i, "sha256": f"b{i:063x}", "message_id": "", "size": 1, "source": "t",
                            "source_ref": "", "state": "accepted", "attempts": 0, "claimed_by": "",
                            "workplace_id": wp, "sender_email": "", "subject": "", "error_code": "",
                            "error_message": "", "minutes_id": i})
                mins.append({"id": i, "inbound_id": i, "workplace_id": wp, "meeting_date": day, "version": 1,
                             "data": json.dumps(data, ensure_ascii=False), "search_text": search_text(data),
                             "state": "distributed", "pdf_sha256": "", "certificate_sha256": "",
                             "report_sent": True})
            conn.execute(Inbound.__table__.insert(), inb)
            conn.execute(MinutesRow.__table__.insert(), mins)

    def get(self, path: str, who: str | None = None) -> str:
        """Return the page as someone (the admin by default)."""
        resp = client_as(self.app, who) if who else client_as(self.app)
        page = resp.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return page.get_data(as_text=True)


@pytest.fixture
def archive(tmp_path, database_url):  # noqa: ANN001, ANN201
    a = Archive(tmp_path, database_url)
    yield a
    a.services.close()


def _hits(page: str) -> list[str]:
    return re.findall(r'<li>\s*<h3><a href="/minutes/(\d+)"', page)


def test_swedish_word_forms_match_and_the_snippet_marks_the_hit(archive):
    found = archive.add(A, "2026-10-01", "Skyddsrond genomfördes i oktober. Inga <b>brister</b> hittades.")
    archive.add(A, "2026-10-08", "Julbordet planeras.")
    page = archive.get("/search?q=skyddsronden")
    assert _hits(page) == [str(found)]
    assert "<mark>Skyddsrond</mark> genomfördes" in page
    assert "&lt;b&gt;brister&lt;/b&gt;" in page and "<b>brister" not in page
    assert "1 träff" in page
    assert _hits(archive.get("/search?q=Skyddsronderna")) == [str(found)]
    assert _hits(archive.get("/?q=skyddsronden")) == [str(found)], "the index page searches as well"


def test_a_reader_of_one_workplace_never_finds_another_workplaces_minutes(archive):
    a = archive.add(A, "2026-10-01", "Skyddsrond på hemtjänsten.")
    b = archive.add(B, "2026-10-02", "Skyddsrond på skolan.")
    assert set(_hits(archive.get("/search?q=skyddsrond"))) == {str(a), str(b)}
    assert _hits(archive.get("/search?q=skyddsrond", ANNA)) == [str(a)]
    assert _hits(archive.get("/search?q=skolan", ANNA)) == []
    assert _hits(archive.get("/search?q=skyddsrond", PER)) == [str(b)]
    assert client_as(archive.app, ANNA).get(f"/search?q=skyddsrond&workplace={B}").status_code == 404


def test_held_and_unshown_versions_are_never_found(archive):
    archive.add(A, "2026-10-01", "Hemligord i ett stoppat utkast.", state="held", version=-3)
    archive.add(A, "2026-10-02", "Hemligord i ett stoppat utkast.", state="stopped", version=-4)
    archive.add(A, "2026-10-03", "Hemligord som ersattes.", state="replaced", version=-5)
    shown = archive.add(A, "2026-10-04", "Ett vanligt ord.")
    assert search.reindex(archive.services.db) == 1
    assert _hits(archive.get("/search?q=hemligord")) == []
    assert _hits(archive.get("/search?q=vanligt")) == [str(shown)]
    with archive.services.db.session() as s:
        s.get(MinutesRow, shown).state = "stopped"
        assert search.drop(s, [shown]) == 1
    assert _hits(archive.get("/search?q=vanligt")) == [], "a version no longer shown drops out"


def test_both_versions_of_a_corrected_meeting_are_found(archive):
    first = archive.add(A, "2026-10-01", "Skyddsrond bokad.", version=1)
    second = archive.add(A, "2026-10-01", "Skyddsrond bokad och genomförd.", version=2)
    page = archive.get("/search?q=skyddsrond")
    assert set(_hits(page)) == {str(first), str(second)}
    assert "ersatt av version 2" in page


def test_over_a_thousand_hits_are_capped_and_listed_newest_first(archive):
    archive.bulk(1005, A, "Budget för året.")
    archive.add(A, "2026-01-01", "Budget, en sällsynt skyddsrond.")
    assert search.reindex(archive.services.db) == 1006
    page = archive.get("/search?q=budget")
    assert "över 1 000 träffar" in page
    assert "1 januari 2026" in page.split("<ol")[1][:400], "newest first"
    assert "over 1,000 hits" in archive.get("/search?q=budget&lang=en")
    assert "1 träff" in archive.get("/search?q=skyddsrond")


def test_repeated_searches_keep_ranked_and_newest_first_orders(archive):
    """Asked again and again (past the point where statements are prepared), the orders hold."""
    archive.bulk(1005, A, "Budget för året.")
    weak = archive.add(A, "2026-02-01", "Skyddsrond. " + "Annat att ta upp på mötet. " * 30)
    strong = archive.add(A, "2025-02-01", "Skyddsrond, skyddsrond och åter skyddsrond.")
    search.reindex(archive.services.db)
    ranked = _hits(archive.get("/search?q=skyddsrond"))
    assert sorted(ranked) == sorted([str(strong), str(weak)])
    for _ in range(8):
        first, second = archive.get("/search?q=budget"), archive.get("/search?q=budget&page=2")
        newest = [int(i) for i in _hits(first) + _hits(second)]
        assert len(newest) == 40 and newest == sorted(newest, reverse=True), "newest first over the cap"
        assert _hits(archive.get("/search?q=skyddsrond")) == ranked, "ranked, the same every time"


def test_hits_come_a_page_at_a_time(archive):
    archive.bulk(25, A, "Julbord på fredag.")
    search.reindex(archive.services.db)
    first = archive.get("/search?q=julbord")
    assert len(_hits(first)) == 20 and "25 träffar" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first and "Sida 1 av 2" in first
    second = archive.get("/search?q=julbord&page=2")
    assert len(_hits(second)) == 5 and 'rel="prev"' in second and 'rel="next"' not in second
    assert set(_hits(first)).isdisjoint(_hits(second))


def test_the_lists_come_a_page_at_a_time(archive):
    archive.bulk(45, A, "Möte.")
    first = archive.get(f"/workplace/{A}")
    assert first.count('href="/minutes/') == 20 and 'rel="next"' in first
    third = archive.get(f"/workplace/{A}?page=3")
    assert third.count('href="/minutes/') == 5 and 'rel="prev"' in third and 'rel="next"' not in third
    index = archive.get("/?page=2")
    assert index.count('href="/minutes/') == 20 and 'aria-current="page"' in index


def test_filters_by_workplace_and_year(archive):
    a25 = archive.add(A, "2025-05-01", "Skyddsrond i maj.")
    a26 = archive.add(A, "2026-05-01", "Skyddsrond i maj.")
    b26 = archive.add(B, "2026-05-02", "Skyddsrond i maj.")
    assert set(_hits(archive.get("/search?q=skyddsrond&year=2026"))) == {str(a26), str(b26)}
    assert set(_hits(archive.get(f"/search?q=skyddsrond&workplace={A}"))) == {str(a25), str(a26)}
    assert _hits(archive.get(f"/search?q=skyddsrond&workplace={A}&year=2025")) == [str(a25)]
    assert _hits(archive.get("/search?q=skyddsrond&year=2024")) == []


def test_reindex_is_idempotent_and_catches_minutes_stored_without_the_index(archive):
    archive.add(A, "2026-10-01", "Skyddsrond ett.")
    archive.add(A, "2026-10-02", "Skyddsrond två.", index=False)
    seen = []
    assert search.reindex(archive.services.db, lambda done, total: seen.append((done, total))) == 2
    assert seen[-1] == (2, 2)
    before = _hits(archive.get("/search?q=skyddsrond"))
    assert search.reindex(archive.services.db) == 2
    assert _hits(archive.get("/search?q=skyddsrond")) == before and len(before) == 2
    late = archive.add(A, "2026-10-03", "Skyddsrond tre.", index=False)
    assert str(late) in _hits(archive.get("/search?q=skyddsrond")), "a search indexes what came in since"
    with archive.services.db.session() as s:
        row = s.get(MinutesRow, late)
        search.index(s, row)  # a second time adds nothing
        assert s.scalar(select(func.count()).select_from(search.entries)) == 3


def test_a_minutes_page_and_its_pdf_are_audited(archive):
    mid = archive.add(A, "2026-10-01", "Skyddsrond.")
    with archive.services.db.session() as s:
        s.get(MinutesRow, mid).pdf_sha256 = archive.services.files.put(b"%PDF-1.4 test")
    archive.get(f"/minutes/{mid}", ANNA)
    assert client_as(archive.app, ANNA).get(f"/minutes/{mid}.pdf").status_code == 200
    with archive.services.db.session() as s:
        events = [(e.actor, e.action, e.target) for e in s.scalars(select(AuditEvent))]
    assert (ANNA, "view", f"minutes/{mid}") in events
    assert (ANNA, "download", f"minutes/{mid}.pdf") in events


def test_the_search_form_is_on_the_first_page_in_both_languages(archive):
    page = archive.get("/")
    form = r'<form[^>]*action="/search"[^>]*>.*?<label for="search-q">.*?type="search" name="q"'
    assert re.search(form, page, re.S)
    assert "Search the minutes" in archive.get("/?lang=en")


def _postgres_only(archive) -> None:  # noqa: ANN001
    if archive.services.db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's GIN index and planner statistics")


def test_a_reindex_leaves_no_pending_gin_entries_and_analyzes_both_tables(archive):
    _postgres_only(archive)
    archive.bulk(300, A, " ".join(f"ord{n}" for n in range(60)))
    assert search.reindex(archive.services.db) == 300
    with archive.services.db.engine.begin() as conn:
        pending = conn.exec_driver_sql("SELECT gin_clean_pending_list('ix_minutes_search_vector')").scalar()
        analyzed = dict(conn.exec_driver_sql(
            "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables"
            " WHERE relname IN ('minutes', 'minutes_search')").all())
    assert pending == 0, "every search would read the pending list through"
    assert analyzed == {"minutes": True, "minutes_search": True}


def test_versions_indexed_one_at_a_time_keep_the_pending_list_small(archive):
    _postgres_only(archive)
    for n in range(120):  # some 9,000 index entries: about 40 pending pages at PostgreSQL's default 4 MB
        archive.add(A, f"2026-01-{1 + n % 28:02d}", " ".join(f"ord{n}x{k}" for k in range(75)), version=1 + n)
    with archive.services.db.engine.begin() as conn:
        pending = conn.exec_driver_sql("SELECT gin_clean_pending_list('ix_minutes_search_vector')").scalar()
    assert pending <= 8, "at most 64 kB (8 pages) wait for the index"
    assert _hits(archive.get("/search?q=ord7x3")), "and they are found"


def test_a_search_catches_up_past_versions_that_are_not_shown(archive):
    archive.add(A, "2026-10-01", "Skyddsrond ett.")
    late = archive.add(A, "2026-10-02", "Skyddsrond två.", index=False)
    archive.add(A, "2026-10-03", "Skyddsrond i ett stoppat utkast.", state="held", version=-2)
    assert str(late) in _hits(archive.get("/search?q=skyddsrond"))
    with archive.services.db.session() as s:
        assert search.catch_up(s) == 0, "nothing shown is left to index"
        assert s.scalar(select(func.count()).select_from(search.entries)) == 2


@pytest.mark.parametrize("count", [1, 3, search.FEW_WORKPLACES + 2])
def test_only_the_workplaces_asked_for_are_searched_however_many(archive, count):
    wps = [f"enhet-{n:02d}" for n in range(search.FEW_WORKPLACES + 3)]
    ids = {wp: [archive.add(wp, f"{year}-05-01", f"Skyddsrond på {wp}.") for year in (2025, 2026)]
           for wp in wps}
    asked = wps[:count]
    with archive.services.db.session() as s:
        found = search.find(s, "skyddsronden", workplaces=asked)
        late = search.find(s, "skyddsrond", workplaces=asked, year=2026)
        early = search.find(s, "skyddsrond", workplaces=asked, year=2024)
    assert sorted(found.ids) == sorted(i for wp in asked for i in ids[wp]) and found.counted == 2 * count
    assert sorted(late.ids) == sorted(ids[wp][1] for wp in asked)
    assert early.ids == [] and early.counted == 0


def test_a_reader_of_one_workplace_gets_the_newest_first_beyond_the_cap(archive):
    archive.bulk(1005, A, "Budget för året.")
    other = archive.add(B, "2030-01-01", "Budget på skolan.")
    search.reindex(archive.services.db)
    page = archive.get("/search?q=budget", ANNA)
    assert "över 1 000 träffar" in page and str(other) not in _hits(page)
    newest = [int(i) for i in _hits(page) + _hits(archive.get("/search?q=budget&page=2", ANNA))]
    assert len(newest) == 40 and newest == sorted(newest, reverse=True)
