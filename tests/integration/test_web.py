"""The archive page: list, search, one minutes page, the PDF and the outbox."""

from __future__ import annotations

import json

import pytest

from service.archive.db import Delivery, Inbound, MinutesRow
from service.bootstrap import Services
from service.web import create_app
from tests.support.configs import make_config
from tests.support.minutes import sample_minutes


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
    yield app.test_client()
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
