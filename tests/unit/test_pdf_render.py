"""Rendering structured minutes: PDF/A parts, escaping, the prepared signature field."""

from __future__ import annotations

import io

import pikepdf
import pytest

from service.pdf.pdfa import SIGNATURE_FIELD
from service.pdf.render import render_minutes, swedish_date
from tests.support.minutes import WORKPLACE, long_minutes, sample_minutes


@pytest.fixture(scope="module")
def short_pdf() -> bytes:
    return render_minutes(sample_minutes(), WORKPLACE, archive_url="http://127.0.0.1:8080/protokoll/1")


def test_swedish_date() -> None:
    assert swedish_date("2026-11-20") == "20 november 2026"
    assert swedish_date(None) == "–"
    assert swedish_date("nästa tisdag") == "nästa tisdag"


def test_pdfa_identification_title_and_language(short_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(short_pdf)) as doc:
        xmp = doc.Root.Metadata.read_bytes().decode()
        assert "<pdfaid:part>1</pdfaid:part>" in xmp
        assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
        assert str(doc.Root.Lang) == "sv-SE"
        assert str(doc.docinfo.Title) == "Minnesanteckningar Hemtjänst Norr 2026-11-20"
        assert "Minnesanteckningar Hemtjänst Norr 2026-11-20" in xmp
        intent = doc.Root.OutputIntents[0]
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert len(intent.DestOutputProfile.read_bytes()) > 1000


def test_no_object_streams_and_fonts_embedded(short_pdf: bytes) -> None:
    assert b"/ObjStm" not in short_pdf
    with pikepdf.open(io.BytesIO(short_pdf)) as doc:
        for page in doc.pages:
            for _name, font in page.Resources.Font.items():
                assert font.Subtype == pikepdf.Name.TrueType, font.BaseFont
                assert "/FontFile2" in font.FontDescriptor, font.BaseFont


def test_empty_signature_field_on_last_page(short_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(short_pdf)) as doc:
        fields = doc.Root.AcroForm.Fields
        assert len(fields) == 1
        field = fields[0]
        assert str(field.T) == SIGNATURE_FIELD and field.FT == pikepdf.Name.Sig
        assert "/V" not in field
        assert field.P.objgen == doc.pages[-1].obj.objgen
        x1, y1, x2, y2 = (float(v) for v in field.Rect)
        assert x2 - x1 > 200 and y2 - y1 > 50
        assert int(field.F) == 4


def test_markup_in_draft_is_escaped_not_interpreted() -> None:
    m = sample_minutes()
    m["items"][0]["text"] = "<para>Trasig</b> <font name='Courier'>markup</font> & <img src='/etc/passwd'/>"
    m["attendance"]["present"] = ["<b>Anna</b>"]
    pdf = render_minutes(m, WORKPLACE)
    assert pdf.startswith(b"%PDF-")
    assert b"Courier" not in pdf


def test_many_actions_and_long_texts_break_across_pages() -> None:
    pdf = render_minutes(long_minutes(40), WORKPLACE)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) > 5


def test_missing_optional_parts_render() -> None:
    m = {"meeting": {"date": None}, "items": [], "unplanned": [], "roles": {}, "attendance": {}}
    pdf = render_minutes(m, WORKPLACE)
    assert pdf.startswith(b"%PDF-")


def test_swedish_labels_and_english_for_an_english_workplace() -> None:
    import dataclasses

    from pdfminer.high_level import extract_text

    swedish = " ".join(extract_text(io.BytesIO(render_minutes(sample_minutes(), WORKPLACE))).split())
    for label in ("Minnesanteckningar – Arbetsplatsträff (APT)", "Närvaro och roller",
                  "§ 4 Arbetsmiljö och hälsa", "Punkten behandlades inte.", "Sammanställning av åtgärder",
                  "Elektronisk underskrift", "sida 1 av", "20 november 2026"):
        assert label in swedish, label
    english_pdf = render_minutes(sample_minutes(), dataclasses.replace(WORKPLACE, language="en"))
    with pikepdf.open(io.BytesIO(english_pdf)) as doc:
        assert str(doc.Root.Lang) == "en-GB"
        assert str(doc.docinfo.Title) == "Minutes Hemtjänst Norr 2026-11-20"
    english = " ".join(extract_text(io.BytesIO(english_pdf)).split())
    for label in ("Minutes of the workplace meeting of Hemtjänst Norr on 20 November 2026", "Present",
                  "4. Arbetsmiljö och hälsa", "Not covered.", "Summary of actions", "page 1 of"):
        assert label in english, label
    assert "Närvaro och roller" not in english and "§" not in english


def test_render_signed_pdf_signs_an_english_workplace_with_an_english_stamp(tmp_path) -> None:  # noqa: ANN001
    import dataclasses

    from service import bootstrap
    from service.pdf.verify import verify_pdf
    from tests.support.configs import make_config

    config = make_config(tmp_path / "config")
    try:
        english_wp = dataclasses.replace(WORKPLACE, language="en")
        english = bootstrap.render_signed_pdf(config, sample_minutes(), english_wp)
        swedish = bootstrap.render_signed_pdf(config, sample_minutes(), WORKPLACE)
        trusted = [bootstrap.signer_for(config).certificate_pem]
    finally:
        bootstrap._signers.pop((str(config.settings.signing.pkcs12), config.settings.signing.tsa_url), None)
    for pdf, ours, theirs in ((english, (b"Electronically signed by", b"Time: "), b"Elektroniskt"),
                              (swedish, (b"Elektroniskt signerad av", b"Tidpunkt: "), b"Electronically")):
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            field = next(f for f in doc.Root.AcroForm.Fields if "/V" in f)
            drawing = field.AP.N.read_bytes()
        assert all(label in drawing for label in ours) and theirs not in drawing
        assert verify_pdf(pdf, trusted_certs=trusted).valid


def test_a_correction_says_which_version_it_is_and_which_one_it_replaces() -> None:
    import dataclasses

    from pdfminer.high_level import extract_text

    pdf = render_minutes(sample_minutes(), WORKPLACE, version=2, replaces=(1, "2026-11-21"))
    text = " ".join(extract_text(io.BytesIO(pdf)).split())
    assert "2, ersätter version 1 av den 21 november 2026" in text
    english = render_minutes(sample_minutes(), dataclasses.replace(WORKPLACE, language="en"), version=3,
                             replaces=(2, "2026-11-22"))
    assert "3, replaces version 2 of 22 November 2026" in " ".join(extract_text(io.BytesIO(english)).split())
    first = " ".join(extract_text(io.BytesIO(render_minutes(sample_minutes(), WORKPLACE))).split())
    assert "ersätter" not in first
