"""Signing and verifying: the key, the signer's errors, tampering, later revisions, key rotation."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from service.pdf.keys import ensure_signing_key
from service.pdf.render import render_minutes
from service.pdf.sign import CertificateExpiredError, Signer, SigningKeyMissingError, WrongPassphraseError
from service.pdf.verify import verify_pdf
from tests.unit.test_pdf_samples import PASSPHRASE, WORKPLACE, short_minutes, write_key


@pytest.fixture(scope="module")
def keydir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def signer(keydir: Path) -> Signer:
    return Signer.load(write_key(keydir), PASSPHRASE)


@pytest.fixture(scope="module")
def signed(signer: Signer) -> bytes:
    pdf = render_minutes(short_minutes(), WORKPLACE)
    return signer.sign(pdf, verify_url="http://127.0.0.1:8080/verifiera")


def add_page(data: bytes) -> bytes:
    """Append a page to the PDF in a later incremental update."""
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    content = w.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 72 72 200 200 re f"))
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
            pdf_name("/Contents"): content,
            pdf_name("/Resources"): generic.DictionaryObject(),
        }
    )
    w.insert_page(page)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_ensure_signing_key_makes_once(tmp_path: Path) -> None:
    path = tmp_path / "var" / "signing.p12"
    ensure_signing_key(
        path, "hemligt", common_name="Exempelby kommun – Minnes", organisation="Exempelby kommun"
    )
    first = path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    ensure_signing_key(path, "annat", common_name="X", organisation="Y")
    assert path.read_bytes() == first
    s = Signer.load(path, "hemligt")
    assert s.name == "Exempelby kommun – Minnes"
    assert s.certificate_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert s.certificate.public_key().key_size == 3072


def test_missing_key(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyMissingError, match="finns inte"):
        Signer.load(tmp_path / "nej.p12", PASSPHRASE)


def test_wrong_passphrase(keydir: Path, signer: Signer) -> None:
    with pytest.raises(WrongPassphraseError, match="Lösenfrasen"):
        Signer.load(keydir / "signing.p12", "fel")


def test_expired_certificate(tmp_path: Path) -> None:
    with pytest.raises(CertificateExpiredError, match="gick ut"):
        Signer.load(write_key(tmp_path, expired=True), PASSPHRASE)


def test_untouched_pdf_verifies(signed: bytes, signer: Signer) -> None:
    v = verify_pdf(signed, trusted_certs=[signer.certificate_pem])
    assert v.valid, v.reason
    assert v.intact and v.trusted and v.covers_document
    assert v.signer == "Exempelby kommun – Minnes"
    assert v.signed_at is not None
    text = v.summary()
    assert "GILTIG" in text and "Exempelby kommun – Minnes" in text and v.sha256 in text


def test_unknown_certificate_is_refused(signed: bytes, tmp_path: Path) -> None:
    other = Signer.load(write_key(tmp_path, common_name="Någon annan"), PASSPHRASE)
    v = verify_pdf(signed, trusted_certs=[other.certificate_pem])
    assert not v.valid and v.intact and not v.trusted
    assert "certifikat" in v.reason
    assert not verify_pdf(signed).valid


def test_byte_changed_in_signed_range_is_refused(signed: bytes, signer: Signer) -> None:
    at = signed.index(b"Minnesanteckningar Hemtj")
    tampered = signed[:at] + b"X" + signed[at + 1 :]
    v = verify_pdf(tampered, trusted_certs=[signer.certificate_pem])
    assert not v.valid and not v.intact
    assert "ändrats" in v.reason


def test_page_added_later_is_refused(signed: bytes, signer: Signer) -> None:
    v = verify_pdf(add_page(signed), trusted_certs=[signer.certificate_pem])
    assert not v.valid and v.intact and not v.covers_document
    assert "senare revision" in v.reason


def test_unsigned_and_garbage_are_refused() -> None:
    assert "ingen signatur" in verify_pdf(render_minutes(short_minutes(), WORKPLACE)).reason
    assert not verify_pdf(b"inte en pdf").valid


def test_key_rotation_old_pdfs_still_verify(tmp_path: Path, signed: bytes, signer: Signer) -> None:
    new_key = write_key(tmp_path, name="ny.p12", common_name="Exempelby kommun – Minnes 2")
    new = Signer.load(new_key, PASSPHRASE)
    fresh = new.sign(render_minutes(short_minutes(), WORKPLACE))
    trusted = [signer.certificate_pem, new.certificate_pem]
    assert verify_pdf(signed, trusted_certs=trusted).valid
    v = verify_pdf(fresh, trusted_certs=trusted)
    assert v.valid and v.signer == "Exempelby kommun – Minnes 2"
    assert v.certificate_sha256 != verify_pdf(signed, trusted_certs=trusted).certificate_sha256


def test_signing_a_foreign_pdf_without_prepared_field(signer: Signer) -> None:
    import reportlab.pdfgen.canvas as rl

    buf = io.BytesIO()
    c = rl.Canvas(buf)
    c.drawString(72, 720, "Annat dokument")
    c.save()
    v = verify_pdf(signer.sign(buf.getvalue()), trusted_certs=[signer.certificate_pem])
    assert v.valid, v.reason


def test_prepared_field_is_filled_by_the_direct_update(signer: Signer) -> None:
    from service.pdf.prepared import find_prepared_field

    pdf = render_minutes(short_minutes(), WORKPLACE)
    field = find_prepared_field(pdf)
    signed = signer.sign(pdf, verify_url="http://127.0.0.1:8080/verifiera")
    assert signed.startswith(pdf)
    update = signed[len(pdf):]
    assert b"/ETSI.CAdES.detached" in update and b"/Prev %d" % field.startxref in update
    assert b"/SigFlags 3" in update
    v = verify_pdf(signed, trusted_certs=[signer.certificate_pem])
    assert v.valid and v.covers_document, v.reason


def test_signing_time_is_drawn_per_signature(signer: Signer, monkeypatch: pytest.MonkeyPatch) -> None:
    import pikepdf

    from service.pdf import sign as sign_module

    pdf = render_minutes(short_minutes(), WORKPLACE)
    texts = []
    for when in ("2026-11-20 kl. 14:31", "2027-01-02 kl. 09:05"):
        monkeypatch.setattr(sign_module, "local_time", lambda _text, _language="sv", when=when: when)
        signed = signer.sign(pdf, verify_url="http://127.0.0.1:8080/verifiera")
        with pikepdf.open(io.BytesIO(signed)) as doc:
            ap = doc.Root.AcroForm.Fields[0].AP.N
            texts.append(ap.read_bytes())
        assert verify_pdf(signed, trusted_certs=[signer.certificate_pem]).valid
    assert b"2026-11-20 kl. 14:31" in texts[0] and b"2027-01-02 kl. 09:05" in texts[1]



def stamp_text(pdf: bytes, tmp_path: Path) -> str:
    """Return the signed PDF's last page as pdftotext reads it (the visible signature block included)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext saknas (poppler-utils)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdftotext, "-f", "0", "-l", "0", str(path), "-"], capture_output=True, text=True,
                         timeout=60, check=False).stdout
    if not out.strip():
        out = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, timeout=60,
                             check=True).stdout
    return " ".join(out.split())


def assert_pdfsig_valid(pdf: bytes, tmp_path: Path) -> None:
    """Check with poppler's pdfsig that the signature is valid and covers the whole document."""
    pdfsig = shutil.which("pdfsig")
    if pdfsig is None:
        pytest.skip("pdfsig saknas (poppler-utils)")
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert "Signature is Valid." in result.stdout, result.stdout + result.stderr
    assert "Total document signed" in result.stdout, result.stdout


def appearance(pdf: bytes) -> bytes:
    """Return the decoded drawing of the filled signature field, nested form XObjects included."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        field = next(f for f in doc.Root.AcroForm.Fields if "/V" in f)
        out, todo = [], [field.AP.N]
        while todo:
            xobj = todo.pop()
            out.append(xobj.read_bytes())
            resources = xobj.get("/Resources")
            if resources is not None and "/XObject" in resources:
                todo.extend(resources.XObject.values())
        return b"\n".join(out)


def test_english_workplace_gets_an_english_stamp_and_swedish_stays_swedish(
    signer: Signer, tmp_path: Path
) -> None:
    english_wp = dataclasses.replace(WORKPLACE, language="en")
    url = "http://127.0.0.1:8080/verifiera"
    english = signer.sign(render_minutes(short_minutes(), english_wp), verify_url=url, language="en")
    swedish = signer.sign(render_minutes(short_minutes(), WORKPLACE), verify_url=url)
    english_again = signer.sign(render_minutes(short_minutes(), english_wp), verify_url=url, language="en")

    for pdf in (english, english_again):
        drawing = appearance(pdf)
        assert b"Electronically signed by" in drawing and b"Time: " in drawing
        assert b"Elektroniskt" not in drawing and b"Tidpunkt" not in drawing and b" kl. " not in drawing
        text = stamp_text(pdf, tmp_path)
        assert "Electronically signed by" in text and "Check authenticity: " + url in text, text
        assert "Elektroniskt signerad av" not in text and "Kontrollera äktheten" not in text
        v = verify_pdf(pdf, trusted_certs=[signer.certificate_pem])
        assert v.valid and v.covers_document, v.reason
        assert_pdfsig_valid(pdf, tmp_path)

    drawing = appearance(swedish)
    assert b"Elektroniskt signerad av" in drawing and b"Tidpunkt: " in drawing and b" kl. " in drawing
    assert b"Electronically" not in drawing
    text = stamp_text(swedish, tmp_path)
    assert "Elektroniskt signerad av" in text and "Kontrollera äktheten: " + url in text, text
    assert "Electronically signed by" not in text
    assert verify_pdf(swedish, trusted_certs=[signer.certificate_pem]).valid
    assert_pdfsig_valid(swedish, tmp_path)


def test_english_signing_time_is_drawn_in_english(signer: Signer, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.pdf import sign as sign_module
    from service.pdf import stamp

    seen: list[str] = []

    def spy(text: str, language: str = "sv") -> str:
        seen.append(language)
        return stamp.local_time(text, language)

    monkeypatch.setattr(sign_module, "local_time", spy)
    english_wp = dataclasses.replace(WORKPLACE, language="en")
    signed = signer.sign(render_minutes(short_minutes(), english_wp), language="en")
    assert seen == ["en"]
    drawing = appearance(signed)
    month = next(m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                             "September", "October", "November", "December") if m.encode() in drawing)
    assert month and b"Time: " in drawing
    assert b"The signature can be checked with" in drawing


def test_field_left_to_pdfsigner_gets_an_english_stamp(signer: Signer) -> None:
    import pikepdf

    from service.pdf.prepared import NotPreparedError, find_prepared_field

    def not_ours(workplace: object) -> bytes:
        """Render minutes whose AcroForm has an entry the direct update would not copy."""
        with pikepdf.open(io.BytesIO(render_minutes(short_minutes(), workplace))) as doc:
            doc.Root.AcroForm.DA = pikepdf.String("/Helv 0 Tf 0 g")
            out = io.BytesIO()
            doc.save(out)
            return out.getvalue()

    english_pdf = not_ours(dataclasses.replace(WORKPLACE, language="en"))
    with pytest.raises(NotPreparedError):
        find_prepared_field(english_pdf)
    english = signer.sign(english_pdf, verify_url="http://127.0.0.1:8080/verify", language="en")
    swedish = signer.sign(not_ours(WORKPLACE), verify_url="http://127.0.0.1:8080/verify")
    assert b"Electronically signed by" in appearance(english) and b"Time: " in appearance(english)
    assert b"Elektroniskt" not in appearance(english)
    assert b"Elektroniskt signerad av" in appearance(swedish)
    for pdf in (english, swedish):
        v = verify_pdf(pdf, trusted_certs=[signer.certificate_pem])
        assert v.valid and v.covers_document, v.reason


def test_stamp_cache_keeps_languages_apart_at_equal_time_lengths(
    signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.pdf import sign as sign_module
    from service.pdf.prepared import TemplateCache

    times = {"sv": "2027-03-10 kl. 14:31", "en": "10 March 2027, 14:31"}
    assert len(times["sv"]) == len(times["en"])  # the same time length: only the language tells them apart
    cache = TemplateCache()
    sv = cache.get(340, 70, signer="S", when=times["sv"], verify_url=None)
    en = cache.get(340, 70, signer="S", when=times["en"], verify_url=None, language="en")
    assert b"Elektroniskt" in sv.content_before and b"Electronically" in en.content_before
    assert cache.get(340, 70, signer="S", when=times["sv"], verify_url=None, language="sv") is sv

    monkeypatch.setattr(sign_module, "local_time", lambda _text, language="sv": times[language])
    english_wp = dataclasses.replace(WORKPLACE, language="en")
    for language in ("sv", "en", "sv", "en"):
        workplace = english_wp if language == "en" else WORKPLACE
        signed = signer.sign(render_minutes(short_minutes(), workplace), language=language)
        drawing = appearance(signed)
        assert times[language].encode() in drawing
        assert (b"Electronically signed by" in drawing) == (language == "en")
        assert (b"Elektroniskt signerad av" in drawing) == (language == "sv")
        assert verify_pdf(signed, trusted_certs=[signer.certificate_pem]).valid
