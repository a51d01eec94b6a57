"""Check a signed minutes PDF: signature intact, made with a known key, nothing changed afterwards."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

# pyHanko logs a traceback for every untrusted certificate; the result says it in Swedish instead.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())

LOCAL_ZONE = "Europe/Stockholm"
"""The zone signing times are shown in."""


class CertificateFormatError(ValueError):
    """A trusted certificate is neither PEM nor DER."""


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one PDF."""

    valid: bool
    """True only when every signature is intact, trusted and covers the document (or allowed additions)."""

    signer: str
    """The signer's name from the certificate; empty when there is no signature."""

    signed_at: datetime | None
    """When it was signed: the time-stamp token's time if any, else the time the signer states."""

    reason: str
    """Why it is valid or not, in Swedish."""

    sha256: str
    """SHA-256 of the whole file, hex."""

    intact: bool = False
    """The signed bytes are unchanged."""

    trusted: bool = False
    """The certificate is one of the trusted ones."""

    covers_document: bool = False
    """The signature covers the file, or later revisions only add what signing allows."""

    signatures: int = 0
    """How many signatures the file has."""

    certificate_sha256: str = ""
    """SHA-256 of the signer's certificate (DER), hex; identifies the key used."""

    timestamped: bool = False
    """The signature carries a time-stamp token (PAdES B-T)."""

    minutes: str = ""
    """Which minutes this is, when the caller found the file in the archive (filled by the caller)."""

    def summary(self) -> str:
        """Describe the result in Swedish lines for the command line."""
        lines = [f"Fil (SHA-256): {self.sha256}"]
        if self.signatures:
            lines.append(f"Signerad av: {self.signer or 'okänd'}")
            if self.signed_at is not None:
                source = "tidsstämpel" if self.timestamped else "uppgiven av signeraren"
                lines.append(f"Signerad: {_local(self.signed_at)} ({source})")
        if self.minutes:
            lines.append(f"Protokoll: {self.minutes}")
        verdict = "GILTIG" if self.valid else "INTE GILTIG"
        lines.append(f"Resultat: {verdict} – {self.reason}")
        return "\n".join(lines)


def _local(moment: datetime) -> str:
    """Format a time in Swedish local time."""
    try:
        return moment.astimezone(ZoneInfo(LOCAL_ZONE)).strftime("%Y-%m-%d %H:%M:%S (svensk tid)")
    except ZoneInfoNotFoundError:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def load_certificates(certs: Iterable[bytes]) -> list[asn1_x509.Certificate]:
    """Parse PEM (one or more blocks) or DER certificates."""
    out: list[asn1_x509.Certificate] = []
    for data in certs:
        try:
            if pem.detect(data):
                out += [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
            else:
                out.append(asn1_x509.Certificate.load(data))
        except (ValueError, TypeError) as exc:
            raise CertificateFormatError(f"Ett betrott certifikat kunde inte läsas: {exc}") from exc
    return out


def _common_name(cert: asn1_x509.Certificate) -> str:
    """Return the subject's common name, or the readable subject."""
    native = cert.subject.native
    return str(native.get("common_name") or cert.subject.human_friendly)


def _covers(status: PdfSignatureStatus) -> bool:
    """Tell whether the signature covers the file or only allowed additions follow it."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return False
    level = status.modification_level
    return level is not None and level <= ModificationLevel.LTA_UPDATES and bool(status.docmdp_ok)


def _invalid(sha: str, reason: str, **kw: object) -> Verification:
    """Build a refusal."""
    return Verification(valid=False, signer=str(kw.pop("signer", "")), signed_at=kw.pop("signed_at", None),
                        reason=reason, sha256=sha, **kw)  # type: ignore[arg-type]


def verify_pdf(data: bytes, *, trusted_certs: Iterable[bytes] = ()) -> Verification:
    """Check every signature in the PDF against the trusted certificates, with change analysis."""
    sha = hashlib.sha256(data).hexdigest()
    roots = load_certificates(trusted_certs)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return _invalid(sha, f"Filen kunde inte läsas som PDF ({exc}).")
    if not embedded:
        return _invalid(sha, "Dokumentet har ingen signatur.")

    results: list[Verification] = []
    for sig in embedded:
        results.append(_verify_one(sig, roots, sha, count=len(embedded)))
    bad = [r for r in results if not r.valid]
    return bad[0] if bad else results[-1]


def _verify_one(sig: object, roots: list[asn1_x509.Certificate], sha: str, *, count: int) -> Verification:
    """Validate one embedded signature."""
    signer = ""
    cert_sha = ""
    try:
        cert = sig.signer_cert  # type: ignore[attr-defined]
        signer = _common_name(cert)
        cert_sha = hashlib.sha256(cert.dump()).hexdigest()
    except (AttributeError, ValueError, KeyError):
        pass
    claimed = getattr(sig, "self_reported_timestamp", None)
    common = dict(signer=signer, signatures=count, certificate_sha256=cert_sha)
    # Check the certificate at the time of signing: PDFs signed with earlier, now expired keys still verify.
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=claimed
    )
    try:
        status = validate_pdf_signature(sig, signer_validation_context=context)  # type: ignore[arg-type]
    except (SignatureValidationError, PdfReadError, ValueError, KeyError, TypeError) as exc:
        return _invalid(sha, f"Signaturen kunde inte kontrolleras ({exc}).", signed_at=claimed, **common)

    ts = status.timestamp_validity
    signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
    common.update(
        signed_at=signed_at,
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        covers_document=_covers(status),
        timestamped=ts is not None,
    )
    if not status.intact:
        return _invalid(
            sha, "Dokumentet har ändrats efter signeringen: det signerade innehållet stämmer inte.", **common
        )
    if not status.valid:
        return _invalid(sha, "Signaturen är ogiltig: den matchar inte certifikatets nyckel.", **common)
    if not common["covers_document"]:
        return _invalid(
            sha,
            "Dokumentet har ändrats efter signeringen: en senare revision lägger till mer än "
            "signering tillåter.",
            **common,
        )
    if not status.trusted:
        return _invalid(
            sha,
            "Signaturen är hel men gjord med ett certifikat som inte hör till Minnes "
            "(okänd eller ogiltig utfärdare).",
            **common,
        )
    if ts is not None and not (ts.intact and ts.valid):
        return _invalid(sha, "Tidsstämpeln är ogiltig.", **common)
    return Verification(
        valid=True,
        reason="Signaturen är giltig och dokumentet är oförändrat sedan signeringen.",
        sha256=sha,
        **common,  # type: ignore[arg-type]
    )
