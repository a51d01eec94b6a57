"""Signatures that outlive their key: PAdES B-LTA with a TSA and a CA's CRL served on loopback."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader

from service.bootstrap import Services, render_signed_pdf
from service.config import load_config
from service.pdf.render import render_minutes
from service.pdf.sign import Signer, SigningError
from service.pdf.verify import verify_pdf
from service.web import create_app
from tests.integration.test_pdf_corpus import ACCEPTED, CASES
from tests.integration.test_pdf_tools import preflight, run, tool
from tests.support.configs import write_config
from tests.support.minutes import WORKPLACE, sample_minutes
from tests.support.pki import PASSPHRASE, PkiServer, ThrowawayCa
from tests.unit.test_pdf_sign import add_page

VERIFY_URL = "http://127.0.0.1:8080/verifiera"
MINNES = [sys.executable, "-m", "service.cli"]


@pytest.fixture(scope="module")
def pki() -> Iterator[PkiServer]:
    with PkiServer() as server:
        yield server


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_minutes(sample_minutes(), WORKPLACE)


def _signer(pki: PkiServer, folder: Path, *, days: float = 365) -> tuple[Signer, bytes]:
    """A signer with a CA-issued key valid ``days`` and the loopback TSA; and its certificate (PEM)."""
    cert = pki.ca.signing_pkcs12(folder / "signing.p12", days=days)
    signer = Signer.load(folder / "signing.p12", PASSPHRASE, tsa_url=pki.tsa_url)
    return signer, cert.public_bytes(serialization.Encoding.PEM)


def _before_document_timestamp(data: bytes) -> bytes:
    """The file as it was before its document time stamp was appended (PAdES B-LT)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    doc_ts = reader.embedded_timestamp_signatures[0]
    hole = doc_ts.sig_object["/ByteRange"][1]
    end = data.rindex(b"%%EOF", 0, hole) + len(b"%%EOF")
    return data[: end + 1] if data[end : end + 1] == b"\n" else data[:end]


@pytest.fixture(scope="module")
def lta(pki: PkiServer, pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, Signer]:
    """An LTA-signed PDF (signing certificate valid two days), its certificate, and the signer."""
    signer, pem = _signer(pki, tmp_path_factory.mktemp("lta"), days=2)
    before = pki.crl_requests
    data = signer.sign(pdf, verify_url=VERIFY_URL)
    assert pki.crl_requests > before  # the validation data came from the CA's distribution point
    return data, pem, signer


def test_lta_pdf_has_signature_time_stamp_dss_with_crl_and_document_time_stamp(lta) -> None:
    data, _pem, _signer = lta
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    (sig,) = reader.embedded_regular_signatures
    (doc_ts,) = reader.embedded_timestamp_signatures
    assert doc_ts.signed_revision > sig.signed_revision
    with pikepdf.open(io.BytesIO(data)) as doc:
        dss = doc.Root.DSS
        assert len(dss.Certs) >= 3  # signer, TSA, root
        assert len(dss.CRLs) >= 1
        assert len(dss.VRI) >= 1
        stamp = next(f for f in doc.Root.AcroForm.Fields if str(f.T) == "Tidsstampel")
        assert str(stamp.V.SubFilter) == "/ETSI.RFC3161"


def test_minnes_verify_result_is_b_lta_with_the_tsa_named(lta) -> None:
    data, pem, _signer = lta
    v = verify_pdf(data, trusted_certs=[pem])
    assert v.valid, v.reason
    assert v.level == "B-LTA" and v.timestamped
    assert v.timestamp_authority == "Prov-TSA Exempelby"
    summary = v.summary()
    assert "Nivå: PAdES B-LTA" in summary and "Tidsstämplar från: Prov-TSA Exempelby" in summary


def test_lta_stays_valid_with_the_clock_past_the_certificates_expiry(lta) -> None:
    data, pem, signer = lta
    expired = signer.certificate.not_valid_after_utc
    for later in (timedelta(days=1), timedelta(days=400)):
        v = verify_pdf(data, trusted_certs=[pem], at=expired + later)
        assert v.valid, (later, v.reason)
        assert v.level == "B-LTA"


def test_lta_is_refused_once_the_document_time_stamp_itself_has_expired(lta, pki: PkiServer) -> None:
    data, pem, _signer = lta
    v = verify_pdf(data, trusted_certs=[pem], at=pki.tsa_cert.not_valid_after_utc + timedelta(days=1))
    assert not v.valid
    assert "Dokumenttidsstämpelns certifikat" in v.reason


def test_a_revocation_after_signing_leaves_the_signature_valid(pki: PkiServer, pdf: bytes,
                                                               tmp_path: Path) -> None:
    signer, pem = _signer(pki, tmp_path)
    data = signer.sign(pdf)
    pki.ca.revoke(signer.certificate)
    v = verify_pdf(data, trusted_certs=[pem], at=signer.certificate.not_valid_after_utc + timedelta(days=1))
    assert v.valid and v.level == "B-LTA", v.reason


def test_a_revoked_certificate_does_not_sign(pki: PkiServer, pdf: bytes, tmp_path: Path) -> None:
    signer, _pem = _signer(pki, tmp_path)
    pki.ca.revoke(signer.certificate)
    with pytest.raises(SigningError, match="återkallat"):
        signer.sign(pdf)


def test_an_unreachable_crl_stops_signing(pki: PkiServer, pdf: bytes, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing answers there
    ca = ThrowawayCa(crl_url=f"http://127.0.0.1:{port}/ca.crl")
    ca.signing_pkcs12(tmp_path / "signing.p12")
    signer = Signer.load(tmp_path / "signing.p12", PASSPHRASE, tsa_url=pki.tsa_url)
    with pytest.raises(SigningError, match="B-LTA"):
        signer.sign(pdf)


def test_a_page_added_after_the_document_time_stamp_is_refused(lta) -> None:
    data, pem, _signer = lta
    v = verify_pdf(add_page(data), trusted_certs=[pem])
    assert not v.valid


def test_levels_b_b_b_t_and_b_lt(lta, pki: PkiServer, pdf: bytes, tmp_path: Path) -> None:
    data, pem, signer = lta
    lt = verify_pdf(_before_document_timestamp(data), trusted_certs=[pem])
    assert lt.valid and lt.level == "B-LT", lt.reason
    bt = verify_pdf(signer._sign_b_t(pdf, verify_url=None, language="sv"), trusted_certs=[pem])
    assert bt.valid and bt.level == "B-T", bt.reason
    plain = Signer.load(_p12(pki, tmp_path), PASSPHRASE)
    bb = verify_pdf(plain.sign(pdf), trusted_certs=[plain.certificate_pem])
    assert bb.valid and bb.level == "B-B", bb.reason
    assert "Nivå: PAdES B-B (signatur utan tidsstämpel)" in bb.summary()


def _p12(pki: PkiServer, folder: Path) -> Path:
    pki.ca.signing_pkcs12(folder / "plain.p12")
    return folder / "plain.p12"


def test_lta_pdf_passes_pdfsig_qpdf_and_pdfa_1b_preflight(lta, tmp_path: Path) -> None:
    out = tmp_path / "lta.pdf"
    out.write_bytes(lta[0])
    sig = run(tool("pdfsig"), out).stdout
    first = sig.split("Signature #2:")[0]
    assert "Signature is Valid." in first, sig
    assert "Signer Certificate Common Name: Exempelby kommun – Minnes" in first
    assert "Signature Field Name: Tidsstampel" in sig
    assert run(tool("qpdf"), "--check", out).returncode == 0
    report = preflight(out)
    assert "is a valid PDF/A-1b file" in report, report


def _lta_config(pki: PkiServer, folder: Path, *, days: float = 365) -> Path:
    """A configuration folder whose [signing] has a CA-issued key (valid ``days``) and the loopback TSA."""
    config_dir = write_config(folder / "config", database_url=f"sqlite:///{folder}/minnes.db")
    toml = config_dir / "minnes.toml"
    key = folder / "org.p12"
    pki.ca.signing_pkcs12(key, days=days)
    text = toml.read_text(encoding="utf-8")
    start = text.index("[signing]\n")
    end = text.index("\n", start + len("[signing]\n"))
    toml.write_text(text[:start] + f'[signing]\npkcs12 = "{key}"\ntsa_url = "{pki.tsa_url}"' + text[end:],
                    encoding="utf-8")
    return config_dir


def test_minnes_render_and_verify_with_tsa_url(pki: PkiServer, tmp_path: Path) -> None:
    config_dir = _lta_config(pki, tmp_path)
    env = {**os.environ, "MINNES_SIGNING_PASSPHRASE": PASSPHRASE}
    eml = CASES / ACCEPTED[0] / "message.eml"
    out = tmp_path / "signed.pdf"
    render = subprocess.run([*MINNES, "render", "--config", str(config_dir), str(eml), "-o", str(out)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert render.returncode == 0, render.stdout + render.stderr
    verify = subprocess.run([*MINNES, "verify", "--config", str(config_dir), str(out)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Nivå: PAdES B-LTA" in verify.stdout
    assert "Resultat: GILTIG" in verify.stdout


def test_the_verify_page_shows_the_level(pki: PkiServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINNES_SIGNING_PASSPHRASE", PASSPHRASE)
    config = load_config(_lta_config(pki, tmp_path))
    services = Services(config, queue=False)
    try:
        signed = render_signed_pdf(config, sample_minutes(), None, db=services.db)
        app = create_app(config, services)
        app.testing = True
        app.config["VERIFY_RATE_LIMIT"] = None
        page = app.test_client().post(
            "/verify", data={"pdf": (io.BytesIO(signed), "x.pdf")}, content_type="multipart/form-data")
    finally:
        services.close()
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "PAdES B-LTA" in html and "Prov-TSA Exempelby" in html


def test_minnes_verify_after_the_signing_certificate_really_expired(pki: PkiServer, tmp_path: Path) -> None:
    """The clock really moves past the expiry: a key valid for seconds signs, then it expires."""
    env = {**os.environ, "MINNES_SIGNING_PASSPHRASE": PASSPHRASE}
    eml = CASES / ACCEPTED[0] / "message.eml"
    for seconds in (8, 30, 120):  # a longer life only when a loaded machine signed too late
        folder = tmp_path / f"life-{seconds}"
        config_dir = _lta_config(pki, folder, days=seconds / 86400)
        out = folder / "signed.pdf"
        render = subprocess.run([*MINNES, "render", "--config", str(config_dir), str(eml), "-o", str(out)],
                                capture_output=True, text=True, timeout=120, env=env)
        cert = _certificate(folder / "org.p12")
        expiry = cert.not_valid_after_utc
        if render.returncode == 0:
            # signed (time-stamped) while the key was still valid? verified before it expires
            v = verify_pdf(out.read_bytes(), trusted_certs=[cert.public_bytes(serialization.Encoding.PEM)],
                           at=expiry - timedelta(seconds=1))
            if v.valid and v.signed_at is not None and v.signed_at < expiry:
                break
    else:
        pytest.fail(f"could not sign before the key expired: {render.stderr}")
    while datetime.now(UTC) <= expiry + timedelta(seconds=1):
        time.sleep(0.2)
    verify = subprocess.run([*MINNES, "verify", "--config", str(config_dir), str(out)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Nivå: PAdES B-LTA" in verify.stdout and "Resultat: GILTIG" in verify.stdout


def _certificate(p12: Path) -> x509.Certificate:
    cert = pkcs12.load_key_and_certificates(p12.read_bytes(), PASSPHRASE.encode("utf-8"))[1]
    assert cert is not None
    return cert
