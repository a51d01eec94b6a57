"""Unit tests of the structuring rules, each on a small snippet."""

from __future__ import annotations

import datetime as dt

import pytest

from service.domain.actions import parse_action
from service.domain.cleaning import clean
from service.domain.dates import find_dates, find_times, resolve_nearest, resolve_on_or_after
from service.domain.document import HINT_BOLD, HINT_HEADING, Line, lines_from_text, table_lines
from service.domain.fields import split_names
from service.domain.headings import FORM_CAPS, FORM_MARKDOWN, FORM_NUMBERED, candidate, find_headings
from service.domain.htmltext import html_to_lines
from service.domain.matching import Matcher, normalise
from service.domain.preamble import read_fields
from service.domain.sections import read_section
from service.domain.tables import expand_tables
from service.domain.workplace import AgendaEntry
from tests.support.rosters import AGENDA as STANDARD_TITLES

ALIASES = {
    "Mötets öppnande": ("Mötet öppnas",),
    "Föregående minnesanteckningar": ("Föregående möte",),
    "Verksamhetsfrågor": ("Information från chef",),
}
"""Aliases a workplace might configure for the first items."""

AGENDA = tuple(AgendaEntry(title, ALIASES.get(title, ())) for title in STANDARD_TITLES)
"""The standard APT agenda, with those aliases."""


def texts(lines: list[Line]) -> list[str]:
    return [ln.text for ln in lines]


# --------------------------------------------------------------------------- cleaning


@pytest.mark.parametrize(
    "marker",
    [
        "-----Ursprungligt meddelande-----",
        "-----Original Message-----",
        "On Fri, 20 Nov 2026 at 16:05, Anna Svensson <anna@x.se> wrote:",
        "Den fre 20 nov. 2026 kl 16:05 skrev Anna Svensson <anna@x.se>:",
    ],
)
def test_quoted_mail_is_cut(marker: str) -> None:
    lines = lines_from_text(f"1. Mötets öppnande\nMaria öppnade.\n\n{marker}\nGammal text\n")
    assert texts(clean(lines).lines) == ["1. Mötets öppnande", "Maria öppnade."]


def test_outlook_header_block_is_cut() -> None:
    lines = lines_from_text("Anteckningar\n\nFrån: Anna\nSkickat: den 3 nov\nTill: apt\nÄmne: x\n\nGammalt")
    cleaned = clean(lines)
    assert texts(cleaned.lines) == ["Anteckningar"]
    assert "Gammalt" in texts(cleaned.quoted)


def test_quote_lines_are_dropped() -> None:
    lines = lines_from_text("Ny text\n> gammal text\n>> äldre\nMer ny text")
    assert texts(clean(lines).lines) == ["Ny text", "Mer ny text"]


@pytest.mark.parametrize(
    "sign_off",
    ["Hälsningar", "Med vänliga hälsningar,", "Vänliga hälsningar", "Mvh", "MVH Anna", "/Anna", "-- "],
)
def test_sign_off_and_everything_after_is_cut(sign_off: str) -> None:
    lines = lines_from_text(f"Nästa möte\n18 december.\n\n{sign_off}\nAnna Svensson\nUndersköterska\n")
    assert texts(clean(lines).lines) == ["Nästa möte", "18 december."]


def test_signature_block_and_lone_name_at_end_are_cut() -> None:
    text = "Nästa möte\n11 december.\n\nMehmet\n\nMehmet Yilmaz\nTel: 010-123 45 67\n"
    assert texts(clean(lines_from_text(text), "Mehmet Yilmaz").lines) == ["Nästa möte", "11 december."]


def test_disclaimer_at_end_is_cut() -> None:
    text = (
        "Nästa möte\nJanuari.\n\nDetta e-postmeddelande kan innehålla konfidentiell information. "
        "Om du inte är avsedd mottagare, radera det."
    )
    assert texts(clean(lines_from_text(text)).lines) == ["Nästa möte", "Januari."]


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    "line, number, title, form",
    [
        ("1. Mötets öppnande", 1, "Mötets öppnande", FORM_NUMBERED),
        ("2) Föregående möte", 2, "Föregående möte", FORM_NUMBERED),
        ("§1 Mötets öppnande", 1, "Mötets öppnande", FORM_NUMBERED),
        ("§ 4 Information enligt MBL 19 §", 4, "Information enligt MBL 19 §", FORM_NUMBERED),
        ("Punkt 3: Verksamhetsfrågor", 3, "Verksamhetsfrågor", FORM_NUMBERED),
        ("## 4. Arbetsmiljö och hälsa", 4, "Arbetsmiljö och hälsa", FORM_MARKDOWN),
        ("ÖVRIGA FRÅGOR", None, "ÖVRIGA FRÅGOR", FORM_CAPS),
    ],
)
def test_heading_forms(line: str, number: int | None, title: str, form: str) -> None:
    c = candidate([Line(""), Line(line), Line("Text.")], 1)
    assert c is not None
    assert (c.number, c.title, c.form) == (number, title, form)


@pytest.mark.parametrize(
    "line",
    [
        "Beslut: Något beslutas.",
        "Närvarande: Maria Lind",
        "Det här är en vanlig mening som slutar med punkt.",
        "1. beställa lakan.",
    ],
)
def test_text_lines_are_not_headings(line: str) -> None:
    assert candidate([Line(""), Line(line), Line("")], 1) is None


def test_hinted_line_is_a_heading() -> None:
    c = candidate([Line("x"), Line("Ekonomi", HINT_BOLD)], 1)
    assert c is not None and c.title == "Ekonomi"


def test_numbered_note_lists_inside_a_section_are_not_headings() -> None:
    lines = lines_from_text(
        "4. Arbetsmiljö och hälsa\nVi gick igenom:\n1. Larmtelefoner\n2. Bilar\n\n"
        "5. Jämställdhet och mångfald\nInget."
    )
    found = [h.candidate.title for h in find_headings(lines, Matcher(AGENDA))]
    assert found == ["Arbetsmiljö och hälsa", "Jämställdhet och mångfald"]


def test_plain_headings_unmatched_become_sections_when_the_draft_uses_plain_headings() -> None:
    lines = lines_from_text(
        "Mötets öppnande\nMaria öppnade.\n\nJulbord\nPå Stadshotellet.\n\nNästa möte\n8 januari."
    )
    found = [(h.candidate.title, h.match is not None) for h in find_headings(lines, Matcher(AGENDA))]
    assert found == [("Mötets öppnande", True), ("Julbord", False), ("Nästa möte", True)]


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "heading, number",
    [
        ("Arbetsmiljö och hälsa", 4),
        ("AM", 4),
        ("Arbetsmiljö", 4),
        ("Arbetsmiljöfrågor", 4),
        ("Arbetsmiljö o hälsa", 4),
        ("Arbetsmiljö & hälsa", 4),
        ("Arbetsmiljo och halsa", 4),
        ("Arbetsmilö och hälsa", 4),
        ("Övrigt", 8),
        ("Föregående möte", 2),
        ("Ekonomi", 6),
        ("Budget", 6),
        ("Mötet öppnas", 1),
        ("Information från chef", 3),
        ("Nästa APT", 9),
        ("Facklig info", 7),
    ],
)
def test_heading_matches_agenda_item(heading: str, number: int) -> None:
    m = Matcher(AGENDA).match(heading)
    assert m is not None and m.index + 1 == number


def test_unrelated_heading_matches_nothing() -> None:
    assert Matcher(AGENDA).match("Julbord") is None
    assert Matcher(AGENDA).match("Friskvård") is None


def test_typo_is_a_loose_match_and_exact_is_not() -> None:
    assert Matcher(AGENDA).match("Arbetsmilö och hälsa").loose
    assert not Matcher(AGENDA).match("Arbetsmiljö och hälsa").loose


def test_number_breaks_a_tie_only() -> None:
    agenda = (AgendaEntry("Information"), AgendaEntry("Information"))
    assert Matcher(agenda).match("Information", 2).index == 1
    # A renumbered heading still goes to its title.
    assert Matcher(AGENDA).match("Nästa möte", 7).index == 8


def test_normalise_reads_o_and_ampersand_as_och() -> None:
    assert normalise("4. Ekonomi o budget") == normalise("Ekonomi & budget") == "ekonomi och budget"


# --------------------------------------------------------------------------- dates


def test_dates_in_all_forms() -> None:
    found = find_dates("2026-11-20, 20 november 2026, 3 dec, 20/11, 1.12.2026")
    assert [(f.day, f.month, f.year) for f in found] == [
        (20, 11, 2026),
        (20, 11, 2026),
        (3, 12, None),
        (20, 11, None),
        (1, 12, 2026),
    ]


def test_missing_year_of_meeting_is_nearest_to_the_mail() -> None:
    (found,) = find_dates("30/12")
    assert resolve_nearest(found, dt.date(2027, 1, 4)) == dt.date(2026, 12, 30)


def test_missing_year_of_due_date_is_on_or_after_the_meeting() -> None:
    (found,) = find_dates("15 januari")
    assert resolve_on_or_after(found, dt.date(2026, 11, 20)) == dt.date(2027, 1, 15)


def test_times() -> None:
    assert find_times("2026-11-20, kl. 13.00-14.30") == ("13:00", "14:30")
    assert find_times("kl 13–15") == ("13:00", "15:00")
    assert find_times("klockan 9") == ("09:00", None)


# --------------------------------------------------------------------------- fields


def test_attendance_with_notes_and_following_lines() -> None:
    lines = lines_from_text("Närvarande:\n- Maria Lind (chef)\n- Karin Berg\nFrånvarande: -\nPlats: Rum 2")
    pre = read_fields(lines, range(len(lines)))
    assert pre.present == ["Maria Lind", "Karin Berg"]
    assert pre.absent == []
    assert pre.place == "Rum 2"
    assert ("Maria Lind", "chef") in pre.notes


def test_split_names() -> None:
    assert split_names("Maria Lind (chef), Karin Berg och Johan Ek.") == [
        "Maria Lind",
        "Karin Berg",
        "Johan Ek",
    ]


def test_roles() -> None:
    lines = lines_from_text("Ordförande: Maria Lind\nSekreterare: Anna Svensson\nJusterare: Karin Berg")
    pre = read_fields(lines, range(len(lines)))
    assert (pre.chair, pre.note_taker, pre.adjusters) == ("Maria Lind", "Anna Svensson", ["Karin Berg"])


@pytest.mark.parametrize(
    "line, decision",
    [
        ("Beslut: Lakan köps in.", "Lakan köps in."),
        ("- Beslut: Lakan köps in.", "Lakan köps in."),
        ("Beslutades att lakan köps in.", "Lakan köps in."),
        ("Mötet beslutade att lakan köps in.", "Lakan köps in."),
        ("Beslut att lakan köps in.", "Lakan köps in."),
    ],
)
def test_decisions(line: str, decision: str) -> None:
    body = read_section(lines_from_text(f"Text före.\n{line}"))
    assert body.decisions == [decision]
    assert body.text == "Text före."


@pytest.mark.parametrize(
    "text, owner, due",
    [
        ("Beställa lakan. Ansvarig: Johan Ek. Klart: 2026-12-15", "Johan Ek", "2026-12-15"),
        ("Beställa lakan (ansvarig: Johan Ek, klart senast 15/12)", "Johan Ek", "15/12"),
        ("Beställa lakan. Ansvarig: Alla. Deadline: 1 mars", "Alla", "1 mars"),
        ("Beställa lakan.", None, None),
    ],
)
def test_actions(text: str, owner: str | None, due: str | None) -> None:
    action = parse_action(text)
    assert action.what.startswith("Beställa lakan")
    assert (action.owner, action.due_text) == (owner, due)


def test_action_fields_on_following_lines() -> None:
    body = read_section(lines_from_text("Åtgärd: Beställa lakan\nAnsvarig: Johan Ek\nKlart: 2026-12-15"))
    assert [(a.what, a.owner, a.due_text) for a in body.actions] == [
        ("Beställa lakan.", "Johan Ek", "2026-12-15")
    ]


def test_action_table() -> None:
    rows = [["Åtgärd", "Ansvarig", "Klart"], ["Beställa lakan", "Johan Ek", "2026-12-15"]]
    lines = expand_tables(table_lines(rows))
    body = read_section(lines)
    assert [(a.what, a.owner, a.due_text) for a in body.actions] == [
        ("Beställa lakan.", "Johan Ek", "2026-12-15")
    ]


# --------------------------------------------------------------------------- html


def test_outlook_html_bold_paragraphs_and_entities() -> None:
    html = (
        "<p class=MsoNormal><b>1. M&ouml;tets &ouml;ppnande<o:p></o:p></b></p>"
        "<p class=MsoNormal>Per &ouml;ppnade.<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<p><b>Närvarande:</b> Per Holm</p>"
    )
    lines = html_to_lines(html)
    assert lines[0] == Line("1. Mötets öppnande", HINT_BOLD)
    assert lines[1] == Line("Per öppnade.")
    assert lines[2].blank
    assert lines[3] == Line("Närvarande: Per Holm")


def test_html_headings_lists_tables_and_quotes() -> None:
    html = (
        "<h2>Ekonomi</h2><ul><li>Prognos noll</li></ul>"
        "<table><tr><th>Åtgärd</th><th>Ansvarig</th><th>Klart</th></tr>"
        "<tr><td>Beställa lakan</td><td>Johan Ek</td><td>2026-12-15</td></tr></table>"
        "<blockquote>gammalt</blockquote><style>p {}</style>"
    )
    lines = [ln for ln in expand_tables(html_to_lines(html)) if not ln.blank]
    assert lines[0] == Line("Ekonomi", HINT_HEADING)
    assert lines[1].text == "- Prognos noll"
    assert lines[2].action is not None
    assert (lines[2].action.what, lines[2].action.owner, lines[2].action.due_text) == (
        "Beställa lakan", "Johan Ek", "2026-12-15")
    assert len(lines) == 3


def test_gmail_divs_and_br() -> None:
    lines = html_to_lines("<div>Hej!</div><div><br></div><div><b>AM</b></div><div>Text</div>")
    assert texts(lines) == ["Hej!", "", "AM", "Text"]
    assert lines[2].hint == HINT_BOLD


def test_markdown_bold_line() -> None:
    assert lines_from_text("**Ekonomi**")[0] == Line("Ekonomi", HINT_BOLD)
    assert lines_from_text("**Närvarande:** Maria")[0] == Line("Närvarande: Maria")


# --------------------------------------------------------------------------- more heading shapes


def test_inline_label_headings() -> None:
    lines = lines_from_text("Mötet öppnas: Maria öppnade.\nAM: Två tillbud.\nBeslut: Larm.\nJulbord: Ja.")
    found = [
        (h.candidate.line, h.candidate.inline, h.match.index + 1)
        for h in find_headings(lines, Matcher(AGENDA))
    ]
    assert found == [("Mötet öppnas", "Maria öppnade.", 1), ("AM", "Två tillbud.", 4)]


def test_inline_labels_inside_numbered_sections_stay_notes() -> None:
    lines = lines_from_text("1. Mötets öppnande\nEkonomi: diskuterades kort.\n\n4. Arbetsmiljö\nTillbud.")
    found = [h.candidate.title for h in find_headings(lines, Matcher(AGENDA))]
    assert found == ["Mötets öppnande", "Arbetsmiljö"]


def test_standalone_headings_between_blank_lines() -> None:
    text = (
        "Mötets öppnande\n\nMaria öppnade.\n\nJulbord\n\nPå Stadshotellet.\n\n"
        "Inget nytt\n\nNästa möte\n\n8 jan."
    )
    found = [
        (h.candidate.title, h.match is not None)
        for h in find_headings(lines_from_text(text), Matcher(AGENDA))
    ]
    assert found == [("Mötets öppnande", True), ("Julbord", False), ("Nästa möte", True)]


def test_action_with_name_and_date_in_parentheses() -> None:
    action = parse_action("Köpa larm (Johan, 1/12)")
    assert (action.what, action.owner, action.due_text) == ("Köpa larm.", "Johan", "1/12")
    assert parse_action("Köpa larm (modell X)").owner is None


def test_forwarded_draft_is_found_below_the_forward_marker() -> None:
    from service.domain.structure import Draft, structure_draft
    from service.domain.workplace import Workplace

    text = (
        "Se nedan.\n\n---------- Forwarded message ---------\nFrån: Anna <a@x.se>\nDate: 20 nov\n"
        "Subject: APT\n\n1. Mötets öppnande\nMaria öppnade.\n"
    )
    wp = Workplace("w", "W", "apt", agenda=AGENDA)
    out = structure_draft(Draft(tuple(lines_from_text(text))), wp)
    assert out["items"][0]["text"] == "Maria öppnade."


def test_health_details_about_a_named_person_are_warned() -> None:
    from service.domain.structure import Draft, structure_draft
    from service.domain.workplace import Workplace

    text = "1. Mötets öppnande\nOk.\n\n4. Arbetsmiljö och hälsa\nSjukfrånvaron minskar. Johan är sjukskriven."
    wp = Workplace("w", "W", "apt", members=(), agenda=AGENDA)
    draft = Draft(tuple(lines_from_text("Närvarande: Johan Ek\n\n" + text)))
    codes = [w["code"] for w in structure_draft(draft, wp)["warnings"]]
    assert codes.count("health_details") == 1
    clean_draft = Draft(
        tuple(lines_from_text("Närvarande: Johan Ek\n\n1. Mötets öppnande\nSjukfrånvaron minskar."))
    )
    assert "health_details" not in [w["code"] for w in structure_draft(clean_draft, wp)["warnings"]]
