"""Structuring rules for drafts as people really write them, each on a small snippet."""

from __future__ import annotations

import datetime as dt

import pytest

from service.domain.actions import parse_action, parse_list_action
from service.domain.attendance import (
    Placeholder,
    Presence,
    attendance_kind,
    placeholder,
    read_people,
    roles_of,
)
from service.domain.closing import cut_closing
from service.domain.dates import find_dates, find_times
from service.domain.decisions import is_prose_decision, sentences
from service.domain.document import Line, lines_from_text, table_lines
from service.domain.htmltext import html_to_lines
from service.domain.matching import Matcher
from service.domain.placement import item_by_words, item_for_ref
from service.domain.preamble import place_of, read_fields
from service.domain.sections import read_section
from service.domain.structure import Draft, structure_draft
from service.domain.tables import expand_tables
from service.domain.workplace import AgendaEntry, Member, Workplace

AGENDA = tuple(
    AgendaEntry(t)
    for t in (
        "Mötets öppnande",
        "Föregående minnesanteckningar",
        "Information från enhetschef",
        "Arbetsmiljö och hälsa",
        "Schema och bemanning",
        "Delegeringar och läkemedel",
        "Övriga frågor",
        "Nästa möte",
    )
)
ROSTER = tuple(
    Member(n, f"{n.split()[0].lower()}@exempelby.se", r)
    for n, r in (
        ("Maria Lind", "manager"),
        ("Karin Berg", "safety_rep"),
        ("Johan Ek", "employee"),
        ("Sara Holm", "employee"),
        ("Anna Svensson", "employee"),
        ("Peter Öst", "union_rep"),
    )
)
WORKPLACE = Workplace("hn", "Hemtjänst Norr", "apt", members=ROSTER, agenda=AGENDA)


def structure(text: str, *, html: bool = False, workplace: Workplace = WORKPLACE) -> dict:
    lines = html_to_lines(text) if html else lines_from_text(text)
    draft = Draft(tuple(lines), subject="APT", sent=dt.date(2026, 11, 20), sender_name="Anna Svensson")
    return structure_draft(draft, workplace)


def item(out: dict, number: int) -> dict:
    return out["items"][number - 1]


# --------------------------------------------------------------------------- attendance


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Närvarande", Presence.PRESENT),
        ("Närvarande för arbetsgivaren", Presence.PRESENT),
        ("Närvarande för arbetstagarna", Presence.PRESENT),
        ("Övriga närvarande", Presence.PRESENT),
        ("Förhinder", Presence.ABSENT),
        ("Anmält förhinder", Presence.ABSENT),
        ("Apologies", Presence.ABSENT),
        ("Attendees", Presence.PRESENT),
        ("Plats", None),
        ("Närvarokoll", None),
    ],
)
def test_attendance_labels_also_qualified(label: str, kind: Presence | None) -> None:
    assert attendance_kind(label) is kind


def test_name_role_and_union_tails_give_the_name_alone() -> None:
    people = read_people("Karolina Widén, HR-chef; Björn Sandell, skyddsombud; Malin Eriksson")
    assert [p.name for p in people] == ["Karolina Widén", "Björn Sandell", "Malin Eriksson"]
    assert "skyddsombud" in people[1].note
    line = read_people("Pernilla Strand, Sveriges Lärare, huvudskyddsombud", one_per_line=True)
    assert [p.name for p in line] == ["Pernilla Strand"] and "safety_rep" in roles_of(line[0].note)
    mixed = read_people("Maria Lind (chef), Karin Berg, Vision, Johan Ek och Peter Öst")
    assert [p.name for p in mixed] == ["Maria Lind", "Karin Berg", "Johan Ek", "Peter Öst"]


def test_roles_from_notes_need_the_role_itself_not_a_profession() -> None:
    assert roles_of("hr-strateg (sekreterare)") == {"note_taker"}
    assert roles_of("medicinsk sekreterare") == set()
    assert roles_of("ordförande") == {"chair"}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("se bilaga", Placeholder.ELSEWHERE),
        ("enligt lista", Placeholder.ELSEWHERE),
        ("se närvarolistan", Placeholder.ELSEWHERE),
        ("alla", Placeholder.EVERYONE),
        ("Hela arbetsgruppen", Placeholder.EVERYONE),
        ("alla utom Johan", Placeholder.EVERYONE),
        ("Maria Lind, Karin Berg", None),
        ("Alla Pugatjova", None),
    ],
)
def test_placeholders_are_never_names(value: str, kind: Placeholder | None) -> None:
    assert placeholder(value) is kind


def test_placeholder_elsewhere_gives_no_names_and_says_so() -> None:
    out = structure("APT 2026-11-19\nNärvarande: se bilaga\n\n1. Mötets öppnande\nMaria öppnade.\n")
    assert out["attendance"]["present"] == []
    assert "attendance_placeholder" in [w["code"] for w in out["warnings"]]


def test_everyone_is_the_roster_except_the_absent() -> None:
    out = structure("APT 2026-11-19\nNärvarande: alla utom Johan Ek\n\n1. Mötets öppnande\nMaria öppnade.\n")
    assert "Johan Ek" not in out["attendance"]["present"] and "Maria Lind" in out["attendance"]["present"]
    assert out["attendance"]["absent"] == ["Johan Ek"]


def test_one_column_per_label_table() -> None:
    rows = [["Närvarande", "Frånvarande"], ["Maria Lind", "Johan Ek"], ["Karin Berg", ""]]
    pre = read_fields(expand_tables(table_lines(rows)), range(6))
    assert pre.present == ["Maria Lind", "Karin Berg"] and pre.absent == ["Johan Ek"]


def test_name_column_with_marks_and_roles() -> None:
    rows = [
        ["Namn", "Roll", "Närvarande"],
        ["Maria Lind", "Chef", "Ja"],
        ["Karin Berg", "Skyddsombud", "X"],
        ["Johan Ek", "Undersköterska", "Nej"],
        ["Sara Holm", "", ""],
    ]
    lines = expand_tables(table_lines(rows))
    pre = read_fields(lines, range(len(lines)))
    assert pre.present == ["Maria Lind", "Karin Berg"] and pre.absent == ["Johan Ek", "Sara Holm"]
    assert ("Karin Berg", "skyddsombud") in pre.notes


def test_tab_separated_rows_are_a_table() -> None:
    text = "Namn\tNärvarande\tFrånvarande\nMaria Lind\tX\nJohan Ek\t\tX\n"
    lines = expand_tables(lines_from_text(text))
    pre = read_fields(lines, range(len(lines)))
    assert pre.present == ["Maria Lind"] and pre.absent == ["Johan Ek"]


# --------------------------------------------------------------------------- where and when


def test_place_and_time_in_one_field() -> None:
    pre = read_fields([Line("Plats och tid: Tallen, tisdag 2/11 kl. 13–14.30")], range(1))
    assert pre.place == "Tallen" and pre.date_texts
    assert place_of("Sammanträdesrum Björken, torsdag 12/11 kl. 14.00–15.30") == "Sammanträdesrum Björken"


def test_place_in_the_opening_sentence_and_english_dates() -> None:
    out = structure(
        "APT hölls onsdagen den 18 november kl. 6.30–7.30 i lokalen Kajen.\n\n"
        "1. Mötets öppnande\nMaria öppnade.\n"
    )
    assert out["meeting"]["location"] == "Kajen" and out["meeting"]["start"] == "06:30"
    assert out["meeting"]["date"] == "2026-11-18"
    assert [(d.day, d.month, d.year) for d in find_dates("Thursday 14 October 2027, Oct 15")] == [
        (14, 10, 2027),
        (15, 10, None),
    ]


# --------------------------------------------------------------------------- closing lines


@pytest.mark.parametrize(
    "closing",
    [
        ["Skickat från min iPhone"],
        ["Hämta Outlook för Android"],
        ["Sent from my iPhone"],
        ["Ha en fin vecka!", "Malin"],
        ["Tack för idag och god jul!", "Leila"],
        ["Vid anteckningarna", "Lotta Engman", "Medicinsk sekreterare, Vårdcentralen Ekdalen"],
        ["Antecknat av Sanna Öhman"],
    ],
)
def test_closing_lines_are_cut(closing: list[str]) -> None:
    body = [Line("8. Nästa möte"), Line("10 februari kl. 13.30.")] + [Line(t) for t in closing]
    cut, _ = cut_closing(body, ("Lotta Engman", "Sanna Öhman"), set())
    assert cut == 2


def test_signature_block_names_the_note_taker_chair_and_justerare() -> None:
    body = [
        Line("Text."),
        Line("Vid protokollet"),
        Line("Anna-Karin Nyberg"),
        Line(""),
        Line("Justeras"),
        Line("Ingrid Lövgren, ordförande Mats Edlund, arbetstagarsidan"),
    ]
    cut, signed = cut_closing(body, ("Ingrid Lövgren", "Mats Edlund", "Anna-Karin Nyberg"), set())
    assert cut == 1 and signed.note_taker == "Anna-Karin Nyberg"
    assert signed.chair == "Ingrid Lövgren" and signed.adjusters == ["Mats Edlund"]


def test_justering_section_is_the_signature_block_and_the_receipt_says_what_was_cut() -> None:
    out = structure(
        "APT 2026-11-19\nNärvarande: Maria Lind\n\n1. Mötets öppnande\nMaria öppnade.\n\n"
        "Justering\nOrdförande: ____________ Maria Lind\nJusterare: ____________ Karin Berg\n"
    )
    assert out["unplanned"] == [] and out["roles"]["chair"] == "Maria Lind"
    assert out["roles"]["adjusters"] == ["Karin Berg"]
    cut = [w for w in out["warnings"] if w["code"] == "closing_cut"]
    assert len(cut) == 1 and "Justering" in cut[0]["message"]


def test_a_last_line_of_minutes_is_not_cut_as_a_name() -> None:
    body = [Line("8. Nästa möte"), Line("Onsdag 20 januari kl. 6.30.")]
    assert cut_closing(body, ("Maria Lind",), set())[0] == 2


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    ("label", "number"),
    [
        ("Föreg. anteckn.", 2),
        ("Info från chefen", 3),
        ("Arb.miljö", 4),
        ("Arbetsmiljön", 4),
        ("Schemat", 5),
        ("Läkemedel/delegering", 6),
        ("Övr", 7),
        ("Nästa", 8),
    ],
)
def test_abbreviated_and_loose_labels_match(label: str, number: int) -> None:
    found = Matcher(AGENDA).match(label, label=True)
    assert found is not None and found.index + 1 == number


def test_inline_headings_and_sub_points() -> None:
    out = structure(
        "APT 19/11\nNärvarande: Maria Lind\n\nÖppnande: Maria hälsade välkommen.\n"
        "Arb.miljö: Halt vid entrén.\nBeslut: Sand beställs.\nÖvr: Julfika 17/12.\n"
    )
    assert "Halt vid entrén" in item(out, 4)["text"] and item(out, 4)["decisions"] == ["Sand beställs."]
    assert "Julfika" in item(out, 7)["text"]
    sub = structure(
        "APT 19/11\n\n4. Arbetsmiljö och hälsa\nAllmänt.\n4a) Skyddsrond\nKarin gick runt.\n"
        "\n5. Schema och bemanning\nKlart.\n"
    )
    assert "Karin gick runt" in item(sub, 4)["text"] and sub["unplanned"] == []


# --------------------------------------------------------------------------- decisions and actions


@pytest.mark.parametrize(
    ("sentence", "deciding"),
    [
        ("Vi bestämde att införa telefonfria förmiddagar.", True),
        ("Gruppen enades om att ta fram underlag.", True),
        ("Chefen beslutade att utbildningen ska vara gjord.", True),
        ("Beslutet blev att fikat delas i två omgångar.", True),
        ("Det bestämdes att alla kvitterar samma dag.", True),
        ("We decided to move the planning day.", True),
        ("Vi pratade om att ordna en utflykt.", False),
        ("Förvaltningen har beslutat om anställningsstopp.", False),
        ("Vi pratade om en utflykt, men inget bestämdes.", False),
    ],
)
def test_prose_decisions(sentence: str, deciding: bool) -> None:
    assert is_prose_decision(sentence) is deciding


def test_sentences_keep_abbreviations_and_times_whole() -> None:
    assert sentences("Vi ses kl. 13 i rum 4. T.ex. i Tallen.") == [
        "Vi ses kl. 13 i rum 4.",
        "T.ex. i Tallen.",
    ]


def test_beslut_block_of_att_lines_and_prose_in_notes() -> None:
    body = read_section(
        [
            Line("Beslut"),
            Line("att införa nya scheman"),
            Line("att se över bilarna"),
            Line(""),
            Line("Vi pratade om bilar. Vi kom överens om att tvätta dem."),
        ]
    )
    assert body.decisions == ["Införa nya scheman", "Se över bilarna", "Vi kom överens om att tvätta dem."]
    assert body.text == "Vi pratade om bilar."


def test_action_lists_with_owner_first() -> None:
    body = read_section(
        [
            Line("Att göra till nästa gång:"),
            Line("- Karin Berg: boka skyddsrond (klart 14/1)"),
            Line("- Johan: ring leverantören"),
        ]
    )
    assert [(a.what, a.owner, a.due_text) for a in body.actions] == [
        ("Boka skyddsrond.", "Karin Berg", "14/1"),
        ("Ring leverantören.", "Johan", None),
    ]
    assert parse_list_action("Beställa lakan (Johan, 15/12)") is not None
    assert parse_action("Köpa glidlakan – ansvarig Johan, klart 15/12").owner == "Johan"


def test_trailing_action_table_goes_to_the_items_its_punkt_names() -> None:
    text = (
        "APT 2026-11-19\n\n4. Arbetsmiljö och hälsa\nSkärbrädorna är slitna.\n\n5. Schema och bemanning\n"
        "Julschemat är klart.\n\nÅtgärdslista\nPunkt\tVad\tVem\tNär\n"
        "Arbetsmiljö\tBeställa skärbrädor\tJohan Ek\t2026-12-05\n5\tSkicka ut julschemat\tMaria Lind\t1/12\n"
    )
    out = structure(text)
    assert [a["what"] for a in item(out, 4)["actions"]] == ["Beställa skärbrädor."]
    assert item(out, 5)["actions"][0]["due"] == "2026-12-01" and out["unplanned"] == []


def test_placing_by_words_and_refs() -> None:
    matcher = Matcher(AGENDA)
    assert item_for_ref("Punkt 4", matcher) == 3 and item_for_ref("Läkemedel", matcher) == 5
    texts = ["", "", "", "Rättningen av de nationella proven tar tid.", "Sal T5 byggs om vecka 9."]
    assert item_by_words("Föreslå en fördelning av rättningstiden för nationella prov", texts) == 3
    assert item_by_words("Flytta lektionerna i T5 vecka 9", texts) == 4
    assert item_by_words("Köpa kaffe", texts) is None


# --------------------------------------------------------------------------- minutes as one table


def test_minutes_written_as_one_table() -> None:
    html = (
        "<p>APT 19 november 2026</p><table><tr><th>Punkt</th><th>Diskussion</th><th>Beslut</th>"
        "<th>Ansvarig</th><th>Klart</th></tr>"
        "<tr><td>1. Mötets öppnande</td><td>Maria öppnade.</td><td></td><td></td><td></td></tr>"
        "<tr><td>4. Arbetsmiljö och hälsa</td><td>Halt. Johan ringer fastighet.</td><td></td>"
        "<td>Johan Ek</td><td>2026-11-27</td></tr>"
        "<tr><td>5. Schema och bemanning</td><td>Julschemat.</td><td>Schemat gäller från 1/12.</td>"
        "<td></td><td></td></tr><tr><td>7. Övriga frågor</td><td></td><td></td><td></td><td></td></tr>"
        "</table>"
    )
    out = structure(html, html=True)
    assert item(out, 4)["actions"] == [
        {"what": "Johan ringer fastighet.", "owner": "Johan Ek", "due": "2026-11-27"}
    ]
    assert item(out, 5)["decisions"] == ["Schemat gäller från 1/12."]
    assert 7 in out["missing"] and out["unplanned"] == []


# --------------------------------------------------------------------------- English workplaces


def test_english_draft_is_read_and_warned_in_english() -> None:
    english = Workplace(
        "ds",
        "Digital Services",
        "apt",
        members=ROSTER,
        language="en",
        agenda=tuple(
            AgendaEntry(t)
            for t in ("Opening of the meeting", "Work environment and health", "Any other business")
        ),
    )
    out = structure(
        "Staff meeting, Thursday 14 October 2027\nPresent: Maria Lind (chair), Karin Berg\n"
        "Apologies: Johan Ek\n\nOpening\nMaria opened.\n\nWork environment\n"
        "Decision: New chairs are bought.\nAction: Order chairs. Owner: Karin Berg. Due: Oct 29\n\n"
        "AOB\nNone.\n\nKind regards,\nAnna\n",
        workplace=english,
    )
    assert out["meeting"]["date"] == "2027-10-14" and out["roles"]["chair"] == "Maria Lind"
    assert out["attendance"] == {"present": ["Maria Lind", "Karin Berg"], "absent": ["Johan Ek"]}
    assert item(out, 2)["actions"] == [{"what": "Order chairs.", "owner": "Karin Berg", "due": "2027-10-29"}]
    assert item(out, 3)["text"] == "None." and out["unplanned"] == []
    assert all(w["message"].isascii() or "“" in w["message"] for w in out["warnings"])
    assert "left out at the end" in next(w["message"] for w in out["warnings"] if w["code"] == "closing_cut")


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("10am-11.30am", ("10:00", "11:30")),
        ("at 2pm", ("14:00", None)),
        ("11 am to 1 pm", ("11:00", "13:00")),
        ("kl. 13–14.30", ("13:00", "14:30")),
        ("Boka 5 platser", (None, None)),
    ],
)
def test_times_also_with_am_and_pm(text: str, times: tuple[str | None, str | None]) -> None:
    assert find_times(text) == times


def test_html_numbered_list_of_bold_headings() -> None:
    html = (
        "<p>APT 18/11</p><p><b>Deltagare:</b> Maria Lind, Johan Ek</p><ol>"
        "<li><b>Mötets öppnande</b><br>Maria öppnade.</li>"
        "<li><b>Arbetsmiljö och hälsa</b><ul><li>Halt.</li><li>Vi beslutade att sanda.</li></ul></li></ol>"
    )
    lines = [ln for ln in html_to_lines(html) if ln.text]
    assert (lines[2].text, lines[2].hint) == ("1. Mötets öppnande", "bold")
    assert lines[5].text == "- Halt."
    out = structure(html, html=True)
    assert item(out, 4)["decisions"] == ["Sanda."] and item(out, 1)["text"] == "Maria öppnade."
