"""Unit tests of the privacy check (personnummer and health details), each on a small snippet."""

from __future__ import annotations

import time

import pytest

from service.domain.privacy import (
    HEALTH,
    PERSONNUMMER,
    Finding,
    find_personal_numbers,
    privacy_findings,
    split_sentences,
)

NAMES = ("Sara Holm", "Per Lind", "Inga Berg", "Anna-Karin Nyberg", "Aisha Warsame", "Lina Borg",
         "Maria Lind", "Johan Ek")
ENGLISH = ("Priya Raman", "Lukas Becker", "Mark O'Brien", "Chen Wei", "May Svensson")


def codes(text: str, names: tuple[str, ...] = NAMES, language: str = "sv") -> list[str]:
    return [f.code for f in privacy_findings([(1, text)], names, language)]


# --------------------------------------------------------------------------- personnummer


@pytest.mark.parametrize("text", [
    "19781103-2486", "781103-2486", "7811032486", "197811032486", "781103 2486", "19781103 2486",
    "781103+2486", "781103–2486", "Ebba Lund, 19781103-2486, börjar 1 mars.", "(781103-2486)",
    "pnr: 781103-2486.",
])
def test_personnummer_in_every_common_form(text: str) -> None:
    assert len(find_personal_numbers(text)) == 1


def test_personnummer_is_returned_as_written() -> None:
    found = find_personal_numbers("Ebba Lund, 19781103-2486, och 781103 2486")
    assert found == ["19781103-2486", "781103 2486"]


@pytest.mark.parametrize("text", ["920271-4532", "199202714532", "har samordningsnummer 920271-4532, som"])
def test_samordningsnummer_is_a_personnummer(text: str) -> None:
    assert len(find_personal_numbers(text)) == 1


@pytest.mark.parametrize("text", [
    "781103-2487",  # wrong check digit
    "270118-0457",  # c21: a real date, but the check digit fails (an order number)
    "781303-2486",  # month 13
    "780230-2486",  # 30 February
    "920291-4532",  # samordningsnummer day 31 + 60 in February
    "556677-8899",  # organisationsnummer: month 66
    "010229-1234",  # 29 February 2001
])
def test_a_wrong_date_or_check_digit_is_no_personnummer(text: str) -> None:
    assert find_personal_numbers(text) == []


@pytest.mark.parametrize("text", [
    "12-781103-2486", "781103-2486-5", "1978110324861", "x781103-2486", "781103-24861", "18781103-2486",
    "2027-02-18 1234", "070-123 45 67", "Tel: 010-123 45 67", "OCR 12345678901234567890",
    "Faktura 4711-0023", "kl. 13.00–14.30", "20270218-0457",
])
def test_longer_digit_runs_phone_and_order_numbers_are_no_personnummer(text: str) -> None:
    assert find_personal_numbers(text) == []


def test_leap_day_needs_a_leap_year() -> None:
    assert find_personal_numbers("000229-1235 och 20000229-1235") == ["000229-1235", "20000229-1235"]
    assert find_personal_numbers("19000229-1235") == []


def test_personnummer_finding_has_its_sentence_and_item() -> None:
    text = ("Den nya rekryteringsspecialisten Ebba Lund, 19781103-2486, börjar 1 mars och ska läggas upp "
            "i lönesystemet före dess.\nBeslut: Introduktionen samlas till en heldag.")
    [finding] = privacy_findings([(6, text)], NAMES)
    assert finding.code == PERSONNUMMER and finding.item == 6
    assert finding.excerpt.startswith("Den nya rekryteringsspecialisten")
    assert finding.excerpt.endswith("före dess.")
    assert text[finding.start:finding.end] == finding.excerpt
    assert finding.as_json() == {"code": "personnummer", "item": 6, "excerpt": finding.excerpt}


def test_order_number_near_miss_is_no_finding() -> None:
    text = ("Två avvikelser i januari gällde provrör som levererats med fel etiketter. Reklamationen gäller "
            "beställning 270118-0457 hos leverantören.")
    assert codes(text) == []


# --------------------------------------------------------------------------- health, Swedish


@pytest.mark.parametrize("text", [
    "Aisha Warsame är sjukskriven på 50 % till och med vecka 16.",
    "Sara är sjukskriven.",
    "Saras sjukskrivning förlängs till mars.",
    "Sara är heltidssjukskriven sedan 1 mars.",
    "Per är sjuk i dag.",
    "Frånvarande: Per (sjuk), Sara (semester)",
    "Inga Berg är sjukskriven.",
    "Anna-Karin har fått en cancerdiagnos.",
    "Anna-Karins rehabilitering går bra.",
    "Sara berättade om sin sjukdom.",
    "Sara berättade om sjukdomen.",
    "Sara är under behandling för cancer.",
    "Sara får behandling hos fysioterapeut.",
    "Sara ligger på sjukhus efter en olycka.",
    "Sara har utmattningssyndrom.",
    "Sara och Per är sjukskrivna.",
    "Sara har sjukanmält sig.",
    "Sara är nyopererad i knät.",
    "Frånvarande: Sara Holm (sjukskriven), Per Lind (semester)",
    "Vikarien Lisa Nilsson är sjukskriven till påsk.",
    "Henrik tar över lektionerna medan Holm är sjukskriven.",
    "t.ex. Sara är sjukskriven.",
    "Maria bokar rehabmöte med Sara.",
    "Sara Holm slutar på grund av sjukdom.",
])
def test_health_detail_about_a_named_person(text: str) -> None:
    assert codes(text) == [HEALTH]


@pytest.mark.parametrize("text", [
    "Sjukfrånvaron på enheten har minskat.",
    "Lina Borg redovisade sjukfrånvaron för tredje kvartalet, 6,4 procent, vilket är lägre än i fjol.",
    "Maria gick igenom rutinen för rehabilitering.",
    "Maria informerade om sjukskrivning och rehabilitering.",
    "Maria presenterade policy för sjukskrivning.",
    "Maria meddelade att tre medarbetare är sjukskrivna.",
    "Maria sa att en kollega är sjukskriven.",  # anonymous: how minutes should say it
    "Om man är sjuk ska man ringa Maria före kl. 7.",
    "En medarbetare är sjukskriven.",  # nobody named
    "Per vecka är två sjuka.",
    "Inga sjukskrivningar denna månad.",
    "Maria redovisade antalet sjukskrivningar.",
    "Maria har kontakt med sjukhuset om remisserna.",
    "Elevhälsoteamet följer upp två elever i TE2a.",
    "Johanna Rask | Sjuksköterska | Ja",
    "Sara har fått en ny arbetsuppgift.",
    "Maria påminde om att sjukanmälan ska göras före kl. 7.",
    "Vid sjukdom kontaktar man Maria.",
    "Maria gick igenom mallen för rehabiliteringsplan.",
])
def test_general_statements_and_anonymous_references_are_no_finding(text: str) -> None:
    assert codes(text) == []


@pytest.mark.parametrize("text", [
    "Behandling av personuppgifter sköts av Maria.",
    "Maria ansvarar för behandlingen av ärendet.",
    "Ärendet om Saras tjänst är under behandling.",
    "Sara Holms ansökan är under behandling hos Maria.",
    "Budgeten behandlas av kommunstyrelsen i juni, säger Maria.",
    "Sara tog upp missbruk av förtroende i gruppen.",
])
def test_behandling_in_the_sense_of_handling_a_matter_is_no_finding(text: str) -> None:
    assert codes(text) == []


def test_pronoun_right_after_a_named_person_is_a_finding() -> None:
    [finding] = privacy_findings([(7, "Sara var borta i går. Hon är sjukskriven på 25 %.")], NAMES)
    assert finding.code == HEALTH and finding.excerpt == "Hon är sjukskriven på 25 %."


def test_pronoun_without_a_named_person_before_is_no_finding() -> None:
    assert codes("Vi fick ett mejl i går. Hon är sjukskriven.") == []


def test_names_match_case_sensitively() -> None:
    assert codes("Saraband är sjukskriven.") == []
    assert codes("sara är sjukskriven.", names=("Sara Holm",)) == []


def test_ambiguous_first_name_needs_a_full_name_at_sentence_start() -> None:
    assert codes("Inga är sjukskrivna just nu.") == []
    assert codes("Beslut: Inga sjukskrivna får ringas in.") == []
    assert codes("Inga Berg är sjukskriven.") == [HEALTH]


def test_samverkansgrupp_attendance_with_union_names_is_no_finding() -> None:
    names = ("Ingrid Lövgren", "Pernilla Strand", "Mats Edlund", "Kerstin Olofsson", "Lina Borg",
             "Jesper Holmberg")
    text = ("Närvarande för arbetstagarna:\nPernilla Strand, Sveriges Lärare, huvudskyddsombud\n"
            "Mats Edlund, Vision\nKerstin Olofsson, Kommunal\n"
            "Frånvarande:\nJesper Holmberg, Sveriges Lärare\n"
            "Lina Borg redovisade sjukfrånvaron för tredje kvartalet, 6,4 procent.")
    assert privacy_findings([(None, text)], names) == []


# --------------------------------------------------------------------------- health, English


@pytest.mark.parametrize("text", [
    "Lukas is on sick leave until March.",
    "Lukas is off sick.",
    "Lukas was ill last week.",
    "Lukas's sick leave is extended.",
    "Lukas has been diagnosed with diabetes.",
    "Lukas had surgery on Monday.",
    "Lukas is receiving treatment for his back.",
    "Lukas is in hospital.",
    "Lukas told us about his depression.",
    "Chen is on medical leave.",
    "Lukas still works from home. He is on sick leave.",
])
def test_english_health_detail_about_a_named_person(text: str) -> None:
    assert codes(text, ENGLISH, "en") == [HEALTH]


@pytest.mark.parametrize("text", [
    "Priya presented the sick leave policy.",
    "Priya reported that sick leave has fallen in Q1.",
    "If anyone is ill, call Priya.",
    "Priya explained the treatment of personal data.",
    "Priya talked about illness prevention.",
    "The rehabilitation process was presented by Priya.",
    "Mark will present the accessibility audit at the next meeting.",
    "In May the new platform goes live and Lukas will test it.",
    "Lukas reported that several people find the office too noisy.",
])
def test_english_general_statements_are_no_finding(text: str) -> None:
    assert codes(text, ENGLISH, "en") == []


# --------------------------------------------------------------------------- sentences and sections


def test_sentences_keep_abbreviations_times_and_dates_together() -> None:
    text = ("Vi pratade bl.a. om Sara. Se t.ex. Maria! Kl. 13 börjar vi, ca. 20 personer. "
            "Studiedag 2/11. Alla ska delta.\n- punkt ett\n* punkt två\nen rad som bryts\nmitt i. Nästa")
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Vi pratade bl.a. om Sara.", "Se t.ex. Maria!", "Kl. 13 börjar vi, ca. 20 personer.",
        "Studiedag 2/11.", "Alla ska delta.", "punkt ett", "punkt två\nen rad som bryts\nmitt i.", "Nästa",
    ]


def test_name_and_health_word_in_different_sentences_are_no_finding() -> None:
    assert codes("Sara öppnade mötet. Sjukskrivningen på enheten följs upp.") == []
    assert codes("Ansvarig: Sara Holm | Rutin för rehabilitering") == []


def test_wrapped_line_is_one_sentence() -> None:
    assert codes("Henrik tar över efter Sara som är\nsjukskriven till vecka 16.") == [HEALTH]


def test_one_finding_per_sentence_in_order_and_deduplicated() -> None:
    sections = [
        (None, "Frånvarande: Sara Holm (sjukskriven)"),
        (4, "Sara Holm, 781103-2486, är sjukskriven. Johan är sjuk."),
        (5, "Johan är sjuk."),
        (None, "Inga övriga frågor."),
    ]
    found = privacy_findings(sections, NAMES)
    assert [(f.code, f.item) for f in found] == [(HEALTH, None), (PERSONNUMMER, 4), (HEALTH, 4)]
    assert all(isinstance(f, Finding) for f in found)


def test_long_sentence_is_cut_around_the_finding() -> None:
    text = "Mötet " + "och " * 200 + "Ebba, 19781103-2486, " + "och " * 200 + "slut."
    [finding] = privacy_findings([(1, text)], NAMES)
    assert len(finding.excerpt) <= 210 and "19781103-2486" in finding.excerpt
    assert finding.excerpt.startswith("…") and finding.excerpt.endswith("…")


def test_unknown_language_uses_both_vocabularies() -> None:
    assert codes("Lukas is off sick.", ENGLISH, "de") == [HEALTH]
    assert codes("Sara är sjukskriven.", NAMES, "en") == [HEALTH]


@pytest.mark.parametrize("garbage", [
    "a" * 2_000_000, "1" * 2_000_000, "a." * 1_000_000, "t.ex. " * 300_000, "a\n" * 1_000_000,
    "Sara sjuk " * 200_000, "19781103-" * 200_000,
])
def test_garbage_is_handled_in_linear_time(garbage: str) -> None:
    started = time.perf_counter()
    privacy_findings([(None, garbage)], NAMES)
    assert time.perf_counter() - started < 10
