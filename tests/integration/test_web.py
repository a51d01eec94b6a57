"""The archive page: list, search, one minutes page, the PDF and the outbox."""

from __future__ import annotations

import json

import pytest

from service.archive.db import Delivery, Inbound, MinutesRow
from service.bootstrap import Services
from service.web import create_app
from tests.support.configs import make_config
from tests.support.minutes import sample_minutes
from tests.support.web import client_as


def _minutes() -> dict:
    """The sample minutes, with a script in the draft's text and Övriga frågor left empty but for Julbord."""
    minutes = sample_minutes()
    minutes["items"][3]["text"] += " <script>alert(1)</script>"
    other = minutes["items"][7]
    assert other["title"] == "Övriga frågor"
    other.update(heading=None, text="")  # the unplanned Julbord sits under it, so it counts as covered
    minutes["missing"] = [2, 8]
    return minutes


@pytest.fixture
def client(tmp_path, database_url):  # noqa: ANN201
    config = make_config(tmp_path / "config", database_url=database_url)
    services = Services(config, queue=False)
    pdf_key = services.files.put(b"%PDF-1.4 test")
    with services.db.session() as s:
        inbound = Inbound(sha256="a" * 64, size=1, source="test")
        s.add(inbound)
        s.flush()
        m = MinutesRow(
            inbound_id=inbound.id,
            workplace_id="hemtjanst-norr",
            meeting_date="2026-11-20",
            data=json.dumps(_minutes(), ensure_ascii=False),
            search_text="skyddsronden julbord",
            state="distributed",
            pdf_sha256=pdf_key,
        )
        s.add(m)
        s.flush()
        s.add(Delivery(minutes_id=m.id, email="karin.berg@exempelby.se", name="Karin Berg", state="sent"))
    app = create_app(config, services)
    app.testing = True
    yield client_as(app)
    services.close()


def test_index_lists_workplaces_and_minutes(client):
    page = client.get("/").get_data(as_text=True)
    assert "Hemtjänst Norr" in page
    assert "20 november 2026" in page


def test_search_finds_words_of_the_minutes(client):
    assert "20 november 2026" in client.get("/?q=Skyddsronden").get_data(as_text=True)
    assert "20 november 2026" not in client.get("/?q=ingenting-sådant").get_data(as_text=True)


def test_minutes_page_shows_items_decisions_actions_and_escapes_draft_text(client):
    page = client.get("/minutes/1").get_data(as_text=True)
    assert "Arbetsmiljö och hälsa" in page
    assert "En riskbedömning av förflyttningar görs innan nya brukare tas emot." in page
    assert "Johan Ek" in page and "2026-12-15" in page
    assert "Julbord" in page
    assert page.index("§ 8 Övriga frågor") < page.index("Julbord"), "unplanned under Övriga frågor"
    assert page.count("Punkten behandlades inte.") == 1, "only Föregående minnesanteckningar was not covered"
    assert "Sammanställning av åtgärder" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_pdf_is_served_and_unknown_minutes_are_404(client):
    resp = client.get("/minutes/1.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert client.get("/minutes/99").status_code == 404
    assert client.get("/workplace/finns-inte").status_code == 404


def test_workplace_page_and_outbox(client):
    assert "Ladda ner" in client.get("/workplace/hemtjanst-norr").get_data(as_text=True)
    assert "Utkorgen är tom" in client.get("/outbox/").get_data(as_text=True)
    assert client.get("/outbox/..%2Fminnes.toml").status_code == 404


def test_verify_page_refuses_what_is_not_a_pdf(client):
    import io

    resp = client.post(
        "/verify", data={"pdf": (io.BytesIO(b"hej"), "x.pdf")}, content_type="multipart/form-data"
    )
    assert "ingen PDF" in resp.get_data(as_text=True)


def test_pages_switch_to_english_and_back(client):
    page = client.get("/minutes/1?lang=en").get_data(as_text=True)
    assert "Attendance and roles" in page and "20 November 2026" in page
    assert "Attendance and roles" in client.get("/minutes/1").get_data(as_text=True), "the choice is kept"
    assert "Närvaro och roller" in client.get("/minutes/1?lang=sv").get_data(as_text=True)


def test_minutes_page_summarises_who_was_reached(client):
    page = client.get("/minutes/1").get_data(as_text=True)
    assert "Alla 1 mottagare har fått minnesanteckningarna." in page


def test_verify_page_refuses_a_file_above_the_size_limit(client):
    import io

    client.application.config["MAX_CONTENT_LENGTH"] = 1000
    resp = client.post(
        "/verify",
        data={"pdf": (io.BytesIO(b"%PDF" + b"x" * 5000), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413 and "Filen är för stor." in resp.get_data(as_text=True)


def test_unknown_page_is_a_swedish_404(client):
    resp = client.get("/finns/inte")
    assert resp.status_code == 404 and "Sidan finns inte" in resp.get_data(as_text=True)


def _corrected_archive(services: Services) -> dict[str, int]:
    """Store a meeting sent out twice (version 2 corrects 1) and three versions that never went out."""
    import copy
    import datetime as dt

    from service.domain.changes import compare

    first = _minutes()
    second = copy.deepcopy(first)
    second["items"][3]["decisions"].append("Lyftselar köps in till alla bilar.")
    second["items"][3]["actions"][0]["owner"] = "Karin Berg"
    second["attendance"]["absent"] = []
    second["attendance"]["present"].append("Sara Holm")
    second["justering"] = [
        {"name": "Karin Berg", "email": "karin.berg@exempelby.se", "at": "2026-11-21T09:30:00"}
    ]
    second["followup"] = {
        "open": [{"what": "Byta lås i förrådet.", "owner": "Johan Ek", "due": "2026-10-30",
                  "meeting_date": "2026-10-15", "overdue": True}],
        "closed": [{"what": "Köpa kaffebryggare.", "owner": "Anna Svensson", "meeting_date": "2026-10-15"}],
    }
    pdf_key = services.files.put(b"%PDF-1.4 corrected")
    ids: dict[str, int] = {}
    with services.db.session() as s:
        def add(name: str, data: dict, **values: object) -> MinutesRow:
            inbound = Inbound(sha256=name[0] * 63 + "b", size=1, source="test")
            s.add(inbound)
            s.flush()
            row = MinutesRow(inbound_id=inbound.id, workplace_id="hemtjanst-norr", meeting_date="2026-12-04",
                             data=json.dumps(data, ensure_ascii=False), pdf_sha256=pdf_key, **values)
            s.add(row)
            s.flush()
            ids[name] = row.id
            return row

        old = add("old", first, version=1, state="distributed", search_text="skyddsronden lyftselar-nej",
                  signed_at=dt.datetime(2026, 12, 4, 15, 0))
        add("new", second, version=2, state="distributed", search_text="skyddsronden lyftselar",
            replaces_id=old.id, changes=json.dumps(compare(first, second), ensure_ascii=False),
            signed_at=dt.datetime(2026, 12, 5, 9, 0))
        add("held", second, version=-7, state="held", gate="review", search_text="hemlighetsmakeri")
        add("stopped", second, version=-8, state="stopped", search_text="hemlighetsmakeri")
        add("replaced", second, version=-9, state="replaced", search_text="hemlighetsmakeri")
    return ids


@pytest.fixture
def corrected(tmp_path, database_url):  # noqa: ANN001, ANN201
    config = make_config(tmp_path / "config", database_url=database_url)
    services = Services(config, queue=False)
    ids = _corrected_archive(services)
    app = create_app(config, services)
    app.testing = True
    yield client_as(app), ids
    services.close()


def test_a_corrected_meeting_is_listed_once_as_its_current_version(corrected):
    client, ids = corrected
    for path in ("/", "/workplace/hemtjanst-norr"):
        page = client.get(path).get_data(as_text=True)
        assert page.count("4 december 2026") == 1, path
        assert f'href="/minutes/{ids["new"]}"' in page and f'href="/minutes/{ids["old"]}"' not in page
        assert "rättad version 2" in page
    # A word only the first version had finds it, marked as replaced.
    hit = client.get("/?q=lyftselar-nej").get_data(as_text=True)
    assert f'href="/minutes/{ids["old"]}"' in hit and "ersatt av version 2" in hit


def test_versions_that_never_went_out_are_nowhere_for_staff(corrected):
    client, ids = corrected
    for name in ("held", "stopped", "replaced"):
        assert client.get(f"/minutes/{ids[name]}").status_code == 404
        assert client.get(f"/minutes/{ids[name]}.pdf").status_code == 404
    assert "Inga träffar." in client.get("/?q=hemlighetsmakeri").get_data(as_text=True)
    for path in ("/", "/workplace/hemtjanst-norr", f"/minutes/{ids['new']}", f"/minutes/{ids['old']}"):
        page = client.get(path).get_data(as_text=True)
        for name in ("held", "stopped", "replaced"):
            assert f"/minutes/{ids[name]}" not in page, (path, name)
        assert "version -" not in page.casefold()


def test_the_corrected_version_shows_its_changes_item_by_item_and_both_versions(corrected):
    client, ids = corrected
    page = client.get(f"/minutes/{ids['new']}").get_data(as_text=True)
    assert "Ändringar mot version 1" in page
    assert '<a href="#punkt-4">§ 4 Arbetsmiljö och hälsa</a>' in page
    assert "nytt beslut: ”Lyftselar köps in till alla bilar.”" in page
    assert "ansvarig Johan Ek → Karin Berg" in page
    assert "Sara Holm var närvarande (stod som frånvarande)" in page
    versions = page[page.index('id="versions-heading"'):]
    versions = versions[:versions.index("</section>")]
    assert '<strong aria-current="page">Version 2</strong>' in versions
    assert f'<a href="/minutes/{ids["old"]}">Version 1</a>' in versions
    assert versions.index("Version 2") < versions.index("Version 1")
    assert versions.count("gällande") == 1 and versions.count("ersatt") == 1
    assert "äldre version" not in page
    # Who justerade, and the actions of earlier meetings.
    assert "Justerat av" in page and "Karin Berg <span class=\"muted small\">(21 november 2026 10:30)" in page
    assert "Öppna åtgärder från tidigare möten" in page and "Byta lås i förrådet." in page
    assert "försenad" in page and "15 oktober 2026" in page
    assert "Klara åtgärder från tidigare möten" in page and "Köpa kaffebryggare." in page


def test_the_first_version_says_it_was_replaced_and_links_the_current(corrected):
    client, ids = corrected
    page = client.get(f"/minutes/{ids['old']}").get_data(as_text=True)
    assert "Det här är en äldre version av minnesanteckningarna." in page
    assert f'<a href="/minutes/{ids["new"]}">Gällande version är version 2</a>' in page
    assert "Ändringar mot" not in page and "Justerat av" not in page
    assert "Öppna åtgärder från tidigare möten" not in page


def test_the_changes_in_english(corrected):
    client, ids = corrected
    page = client.get(f"/minutes/{ids['new']}?lang=en").get_data(as_text=True)
    assert "Changes from version 1" in page and "4. Arbetsmiljö och hälsa" in page
    assert "new decision: “Lyftselar köps in till alla bilar.”" in page
    assert "Versions" in page and "current" in page and "Approved by" in page
    assert "Open actions from earlier meetings" in page and "overdue" in page
    old = client.get(f"/minutes/{ids['old']}?lang=en").get_data(as_text=True)
    assert "This is an earlier version of the minutes." in old


def test_who_justerade_is_read_from_the_approvals_when_the_minutes_do_not_hold_it(corrected):
    import datetime as dt

    from service.archive.db import GateRequest

    client, ids = corrected
    services = client.application.extensions["minnes_services"]
    with services.db.session() as s:
        s.add(GateRequest(kind="approval", minutes_id=ids["old"], email="maria.lind@exempelby.se",
                          name="Maria Lind", reply_hash="r" * 64, link_hash="l" * 64,
                          expires_at=dt.datetime(2026, 12, 20), answered_at=dt.datetime(2026, 12, 4, 14, 5),
                          answer="confirmed"))
    page = client.get(f"/minutes/{ids['old']}").get_data(as_text=True)
    assert '<dd class="justering">Maria Lind <span class="muted small">(4 december 2026 15:05)' in page
