"""Unit tests of the receipt and rejection texts."""

from __future__ import annotations

from service.domain.receipt import render_receipt, render_rejection

OUTPUT = {
    "status": "accepted",
    "error": None,
    "meeting": {
        "workplace": "norr",
        "workplace_name": "Hemtjänst Norr",
        "kind": "apt",
        "date": "2026-11-20",
        "start": "13:00",
        "end": "14:30",
        "location": "Personalrummet",
    },
    "sender": {"name": "Anna Svensson", "email": "anna@x.se"},
    "roles": {"chair": None, "note_taker": "Anna Svensson", "adjusters": [], "safety_reps": []},
    "attendance": {"present": ["Maria Lind", "Karin Berg"], "absent": ["Sara Holm"]},
    "items": [
        {
            "number": 1,
            "title": "Mötets öppnande",
            "heading": "Mötet öppnas",
            "text": "Maria öppnade.",
            "decisions": [],
            "actions": [],
        },
        {
            "number": 2,
            "title": "Arbetsmiljö och hälsa",
            "heading": "AM",
            "text": "Skyddsrond. " * 40,
            "decisions": ["Glidlakan köps in."],
            "actions": [
                {"what": "Beställa glidlakan.", "owner": "Johan Ek", "due": "2026-12-15"},
                {"what": "Boka utbildning.", "owner": None, "due": None},
            ],
        },
        {"number": 3, "title": "Nästa möte", "heading": None, "text": "", "decisions": [], "actions": []},
    ],
    "unplanned": [{"heading": "Julbord", "text": "Stadshotellet.", "decisions": [], "actions": []}],
    "missing": [3],
    "warnings": [{"code": "action_without_owner", "message": "Åtgärden ”Boka utbildning.” saknar ansvarig."}],
}


def test_receipt_says_what_was_understood() -> None:
    subject, body = render_receipt(OUTPUT, archive_url="http://arkiv/m/1")
    assert subject == "Kvitto: minnesanteckningar Hemtjänst Norr 2026-11-20"
    assert body.startswith("Hej Anna!")
    assert "kl. 13:00–14:30" in body
    assert "Närvarande (2): Maria Lind, Karin Berg" in body
    assert "✓ 2. Arbetsmiljö och hälsa" in body and "(rubriken ”AM”)" in body
    assert "Beslut: Glidlakan köps in." in body
    assert "Åtgärd: Beställa glidlakan. (Johan Ek, senast 2026-12-15)" in body
    assert "Åtgärd: Boka utbildning. (ansvarig saknas, datum saknas)" in body
    assert "– 3. Nästa möte: inga anteckningar" in body
    assert "Julbord" in body and "saknar ansvarig" in body
    assert "http://arkiv/m/1" in body and "rättade" in body


def test_receipt_is_readable_on_a_phone() -> None:
    _, body = render_receipt(OUTPUT)
    long_lines = [ln for ln in body.splitlines() if len(ln) > 200]
    assert not long_lines
    assert "Skyddsrond. Skyddsrond." in body and "…" in body  # long notes are quoted, not copied


def test_rejection_explains() -> None:
    out = {
        "status": "rejected",
        "error": {"code": "no_minutes_found", "message": "Inga anteckningar hittades."},
    }
    subject, body = render_rejection(out, subject="APT")
    assert subject == "Kunde inte tas emot: APT"
    assert "Inga anteckningar hittades." in body and "(”APT”)" in body
