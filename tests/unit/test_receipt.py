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


def test_receipt_lists_privacy_findings_for_the_note_taker() -> None:
    out = dict(OUTPUT, privacy=[
        {"code": "health", "item": 2, "excerpt": "Sara är sjukskriven på halvtid efter operationen."},
        {"code": "personnummer", "item": None,
         "excerpt": "Nya kollegan Ali, 19900101-1239, börjar i januari."},
    ])
    _, body = render_receipt(out)
    assert "UPPGIFTER SOM INTE HÖR HEMMA I MINNESANTECKNINGAR" in body
    assert ("- Under punkt 2 finns en hälsouppgift om en namngiven person: "
            "”Sara är sjukskriven på halvtid efter operationen.”") in body
    assert "- Utanför dagordningens punkter finns ett personnummer: ”Nya kollegan Ali, 19900101-1239" in body
    assert "(GDPR art. 9)" in body and "skicka de rättade anteckningarna igen" in body


def test_receipt_without_privacy_key_or_with_an_empty_list_says_nothing_of_it() -> None:
    assert "privacy" not in OUTPUT
    for out in (OUTPUT, dict(OUTPUT, privacy=[]), dict(OUTPUT, privacy=None)):
        _, body = render_receipt(out)
        assert "GDPR" not in body and "HÖR HEMMA" not in body


def test_receipt_shows_every_warning() -> None:
    warnings = [
        {"code": "date_from_header", "message": "Mötesdatumet togs från mejlets datum."},
        {"code": "closing_cut", "message": "Det här klipptes bort i slutet: ”Kram, Anna”."},
        {"code": "attendance_placeholder", "message": "Närvarolistan fanns inte i utkastet (”se bilaga”)."},
        {"code": "action_without_owner", "message": "Åtgärden ”Boka utbildning.” saknar ansvarig."},
    ]
    _, body = render_receipt(dict(OUTPUT, warnings=warnings))
    section = body.split("ATT KONTROLLERA\n", 1)[1]
    for warning in warnings:
        assert f"- {warning['message']}\n" in section
    assert section.index("Mötesdatumet") < section.index("klipptes") < section.index("Närvarolistan")


def test_swedish_receipt_wording_is_unchanged() -> None:
    _, body = render_receipt(OUTPUT, archive_url="http://arkiv/m/1")
    assert body.splitlines()[:4] == [
        "Hej Anna!",
        "",
        "Tack! Minnes har tagit emot minnesanteckningarna från arbetsplatsträffen i Hemtjänst Norr den "
        "2026-11-20 kl. 13:00–14:30.",
        "De skickas nu till alla på arbetsplatsen och till skyddsombudet.",
    ]
    assert "Punkt 3 saknar anteckningar. Stämmer det inte, kontrollera rubrikerna." in body
    assert "ANDRA RUBRIKER (hamnar under Övriga frågor)" in body
    assert body.endswith("/Minnes (automatiskt meddelande – svar läses inte av någon människa)\n")


def test_english_receipt() -> None:
    cut = {"code": "closing_cut", "message": "What was cut at the end: “Cheers, Sara”."}
    out = dict(OUTPUT, warnings=[cut],
               privacy=[{"code": "health", "item": 2, "excerpt": "Lukas is on sick leave."}])
    subject, body = render_receipt(out, archive_url="http://arkiv/m/1", language="en")
    assert subject == "Receipt: minutes Hemtjänst Norr 2026-11-20"
    assert body.startswith("Hello Anna,\n")
    assert ("Thank you! Minnes has received the minutes of the workplace meeting of Hemtjänst Norr on "
            "20 November 2026 at 13:00–14:30.") in body
    assert "Present (2): Maria Lind, Karin Berg" in body and "Absent (1): Sara Holm" in body
    assert "Place: Personalrummet" in body
    assert "✓ 2. Arbetsmiljö och hälsa" in body and "(heading “AM”)" in body
    assert "Decision: Glidlakan köps in." in body
    assert "Action: Beställa glidlakan. (Johan Ek, due 15 December 2026)" in body
    assert "Action: Boka utbildning. (no owner given, no due date)" in body
    assert "– 3. Nästa möte: not covered" in body
    assert "Item 3 has no notes." in body
    assert "OTHER HEADINGS (placed under Any other business)" in body
    assert "- Under item 2 there is a health detail about a named person: “Lukas is on sick leave.”" in body
    assert "GDPR Article 9" in body
    assert "PLEASE CHECK\n- What was cut at the end: “Cheers, Sara”." in body
    assert "The minutes in the archive:\nhttp://arkiv/m/1" in body
    assert "Does anything need correcting?" in body
    for swedish in ("Hej", "Beslut", "Åtgärd:", "Närvarande", "saknar", "senast", "punkt"):
        assert swedish not in body, swedish


def test_english_rejection() -> None:
    out = {"status": "rejected", "error": {"code": "no_minutes_found", "message": "No minutes were found."}}
    subject, body = render_rejection(out, subject="Staff meeting", language="en")
    assert subject == "Could not be accepted: Staff meeting"
    assert body.startswith("Hello,\n")
    assert "Minnes could not accept the message you sent (“Staff meeting”)." in body
    assert "No minutes have been sent out." in body and "No minutes were found." in body
    assert render_rejection(out, language="en")[0] == "The minutes could not be accepted"


def test_receipt_names_the_roles_and_skips_headings_that_only_add_a_number() -> None:
    output = {**OUTPUT, "roles": {"chair": "Maria Lind", "note_taker": "Anna Svensson",
                                  "adjusters": ["Karin Berg"], "safety_reps": []}}
    output["items"] = [{**OUTPUT["items"][0], "heading": "§ 1 Mötets öppnande"}, *OUTPUT["items"][1:]]
    _, body = render_receipt(output)
    assert "Ordförande: Maria Lind" in body and "Antecknare: Anna Svensson" in body
    assert "Justerare: Karin Berg" in body
    assert "§ 1 Mötets öppnande" not in body and "(rubriken ”AM”)" in body
    _, english = render_receipt(output, language="en")
    assert "Chair: Maria Lind" in english and "Approvers: Karin Berg" in english
