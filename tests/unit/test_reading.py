"""Unit tests of reading raw mail: charsets, broken headers, automatic mail, attachments with limits."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import docx
import pytest

from service.domain.document import HINT_HEADING
from service.mail.attachments import UnreadableAttachment, attachment_lines
from service.mail.decoding import decode_bytes
from service.mail.reading import Attachment, MalformedMessage, read_message


def raw_mail(body: bytes, charset: str | None, headers: str = "") -> bytes:
    ctype = f'text/plain; charset="{charset}"' if charset else "text/plain"
    head = (
        f"From: Anna Svensson <anna.svensson@exempelby.se>\nTo: apt@exempelby.se\nSubject: APT\n"
        f"Date: Fri, 20 Nov 2026 16:05:00 +0100\nMessage-ID: <1@x>\n{headers}"
        f"Content-Type: {ctype}\nContent-Transfer-Encoding: 8bit\nMIME-Version: 1.0\n\n"
    )
    return head.encode("ascii") + body


@pytest.mark.parametrize(
    "body, charset",
    [
        ("Närvarande: Åsa Öberg".encode("iso-8859-1"), "iso-8859-1"),
        ("Närvarande: Åsa Öberg".encode(), "iso-8859-1"),  # utf-8 mislabelled as latin-1
        ("Närvarande: Åsa Öberg".encode("cp1252"), None),  # no charset: utf-8 fails, windows-1252 reads it
        ("Närvarande: Åsa Öberg".encode(), "x-unknown"),  # unknown charset: utf-8
    ],
)
def test_charsets_never_lose_swedish_letters(body: bytes, charset: str | None) -> None:
    msg = read_message(raw_mail(body, charset))
    assert msg.text_plain == "Närvarande: Åsa Öberg"


def test_decode_bytes_order() -> None:
    assert decode_bytes("–å".encode("cp1252"), None) == "–å"
    assert decode_bytes(b"\xe5", "utf-8") == "å"


def test_headers_are_decoded() -> None:
    raw = raw_mail(b"x", "utf-8", "X-Test: 1\n").replace(
        b"Subject: APT", b"Subject: =?utf-8?q?Fr=C3=A5n_APT?="
    )
    msg = read_message(raw)
    assert msg.subject == "Från APT"
    assert (msg.from_name, msg.from_email) == ("Anna Svensson", "anna.svensson@exempelby.se")
    assert msg.message_id == "<1@x>"
    assert msg.date is not None and msg.date.date().isoformat() == "2026-11-20"
    assert msg.recipients == ("apt@exempelby.se",)


def test_from_header_encoded_whole_is_recovered() -> None:
    raw = raw_mail(b"x", "utf-8").replace(
        b"From: Anna Svensson <anna.svensson@exempelby.se>",
        b"From: =?utf-8?q?Peter_=C3=96st_<peter.ost@exempelby.se>?=",
    )
    msg = read_message(raw)
    assert (msg.from_name, msg.from_email) == ("Peter Öst", "peter.ost@exempelby.se")


def test_raw_latin1_from_header_is_recovered() -> None:
    raw = raw_mail(b"x", "utf-8").replace(b"Anna Svensson", "Åsa Öberg".encode("latin-1"))
    assert read_message(raw).from_name == "Åsa Öberg"


@pytest.mark.parametrize(
    "extra, automatic",
    [
        ("", False),
        ("Auto-Submitted: no\n", False),
        ("Auto-Submitted: auto-replied\n", True),
        ("Precedence: bulk\n", True),
        ("Precedence: list\n", True),
    ],
)
def test_automatic_headers(extra: str, automatic: bool) -> None:
    assert read_message(raw_mail(b"x", "utf-8", extra)).automatic is automatic


@pytest.mark.parametrize("subject", ["Autosvar: APT", "Frånvaro", "Out of Office: APT", "Automatic reply: x"])
def test_auto_reply_subjects(subject: str) -> None:
    raw = raw_mail(b"x", "utf-8").replace(b"Subject: APT", f"Subject: {subject}".encode())
    assert read_message(raw).automatic


def test_authentication_results_are_kept() -> None:
    msg = read_message(raw_mail(b"x", "utf-8", "Authentication-Results: mx.exempelby.se; dmarc=pass\n"))
    assert msg.authentication_results == ("mx.exempelby.se; dmarc=pass",)


@pytest.mark.parametrize("raw", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_empty_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedMessage):
        read_message(raw)


def test_multipart_bodies_and_attachment_bytes() -> None:
    m = EmailMessage()
    m["From"] = "anna@x.se"
    m["Subject"] = "APT"
    m.set_content("Se bifogad fil.")
    m.add_alternative("<p>Se bifogad fil.</p>", subtype="html")
    m.add_attachment(b"# APT\n", maintype="text", subtype="markdown", filename="apt.md")
    msg = read_message(m.as_bytes())
    assert msg.text_plain.strip() == "Se bifogad fil."
    assert "<p>" in msg.text_html
    assert [(a.filename, a.data) for a in msg.attachments] == [("apt.md", b"# APT\n")]


# --------------------------------------------------------------------------- attachments


def docx_bytes() -> bytes:
    d = docx.Document()
    d.add_heading("Minnesanteckningar APT", level=1)
    d.add_paragraph("Närvarande: Maria Lind")
    d.add_heading("1. Mötets öppnande", level=2)
    d.add_paragraph("Maria öppnade.")
    t = d.add_table(rows=2, cols=3)
    for cell, text in zip(
        t.rows[0].cells + t.rows[1].cells,
        ["Åtgärd", "Ansvarig", "Klart", "Köpa lakan", "Johan Ek", "2026-12-15"],
        strict=True,
    ):
        cell.text = text
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_heading_styles_paragraphs_and_action_table() -> None:
    lines = attachment_lines(Attachment("apt.docx", "application/octet-stream", docx_bytes()))
    assert lines[0].text == "Minnesanteckningar APT" and lines[0].hint == HINT_HEADING
    assert lines[2].text == "1. Mötets öppnande" and lines[2].hint == HINT_HEADING
    rows = [ln.cells for ln in lines if ln.cells]
    assert rows == [("Åtgärd", "Ansvarig", "Klart"), ("Köpa lakan", "Johan Ek", "2026-12-15")]


def odt_bytes() -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        '<text:h text:outline-level="1">1. Mötets öppnande</text:h><text:p>Maria<text:s/>öppnade.</text:p>'
        "<text:list><text:list-item><text:p>Punkt ett</text:p></text:list-item></text:list>"
        "</office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    return out.getvalue()


def test_odt_headings_and_lists() -> None:
    lines = attachment_lines(Attachment("apt.odt", "", odt_bytes()))
    assert [(ln.text, ln.hint) for ln in lines] == [
        ("1. Mötets öppnande", HINT_HEADING),
        ("Maria öppnade.", ""),
        ("- Punkt ett", ""),
    ]


def test_zip_bomb_is_refused_without_unpacking() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * 5_000_000)
    with pytest.raises(UnreadableAttachment):
        attachment_lines(Attachment("bomb.docx", "", out.getvalue()))


def test_broken_docx_is_unreadable() -> None:
    with pytest.raises(UnreadableAttachment):
        attachment_lines(Attachment("trasig.docx", "", b"PK\x03\x04 inte en zip"))


def test_txt_attachment_charset_fallback() -> None:
    lines = attachment_lines(Attachment("apt.txt", "text/plain", "Övrigt".encode("cp1252")))
    assert lines[0].text == "Övrigt"


# --------------------------------------------------------------------------- format=flowed


FLOWED_BODY = "Närvarande: Stefan Wikström, Milan Kovač, \nHassan Abdi\n\nBeslut: Stoppklossar \nanvänds.\n"
"""A Thunderbird-style body: two soft breaks, each ending in a space."""


@pytest.mark.parametrize(
    "params",
    ['; format="flowed"', "; format=flowed", "; Format=Flowed", '; FORMAT = "FLOWED"'],
)
def test_format_flowed_is_unwrapped_however_the_parameter_is_written(params: str) -> None:
    raw = raw_mail(FLOWED_BODY.encode(), "utf-8")
    raw = raw.replace(b'charset="utf-8"', f'charset="utf-8"{params}'.encode())
    assert read_message(raw).text_plain == (
        "Närvarande: Stefan Wikström, Milan Kovač, Hassan Abdi\n\nBeslut: Stoppklossar används.\n"
    )


def test_without_format_flowed_trailing_spaces_are_not_soft_breaks() -> None:
    assert read_message(raw_mail(FLOWED_BODY.encode(), "utf-8")).text_plain == FLOWED_BODY


@pytest.mark.parametrize(
    "delsp, joined",
    [('; delsp="yes"', "gruppbostader.pdf"), ("; DelSp=Yes", "gruppbostader.pdf"),
     ("; delsp=no", "gruppbos tader.pdf"), ("", "gruppbos tader.pdf")],
)
def test_delsp_after_quoted_printable(delsp: str, joined: str) -> None:
    body = b"Rutinen finns p=C3=A5 =20\r\nhttps://x.se/gruppbos=20\r\ntader.pdf och ska l=C3=A4sas.\r\n"
    params = f'charset="utf-8"; format="flowed"{delsp}'
    raw = raw_mail(body, "utf-8").replace(b'charset="utf-8"', params.encode())
    raw = raw.replace(b"Content-Transfer-Encoding: 8bit", b"Content-Transfer-Encoding: quoted-printable")
    text = read_message(raw).text_plain
    assert text.splitlines()[0].startswith("Rutinen finns på ")
    assert f"https://x.se/{joined} och ska läsas." in text


def test_flowed_is_applied_per_part_also_to_a_forwarded_message() -> None:
    inner = EmailMessage()
    inner["From"] = "robin@x.se"
    inner["Subject"] = "APT"
    inner.set_content("Närvarande: Stefan Wikström, \nHassan Abdi\n")
    inner.set_param("format", "flowed")
    outer = EmailMessage()
    outer["From"] = "anna@x.se"
    outer["Subject"] = "Fwd: APT"
    outer.set_content("Se nedan, \nvidarebefordrat.\n")
    outer.add_attachment(inner)
    msg = read_message(outer.as_bytes())
    assert msg.text_plain == "Se nedan, \nvidarebefordrat.\n"
    assert msg.forwarded_plain == "Närvarande: Stefan Wikström, Hassan Abdi\n"
