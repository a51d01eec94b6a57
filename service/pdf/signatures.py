"""The signature check itself, run inside the verification child (:mod:`service.pdf.verify_child`).

Nothing here has limits of its own: the child runs it under CPU, memory and wall-clock limits, and
:func:`service.pdf.verify.verify_pdf` is what callers use.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import replace

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from service.pdf.verify import (
    MAX_SIGNATURES,
    UNREADABLE,
    Verification,
    _invalid,
    _problem,
    load_certificates,
)

# pyHanko logs a traceback for every untrusted certificate; the result says it in Swedish instead.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())


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



def verify_pdf_here(
    data: bytes, *, trusted_certs: Iterable[bytes] = (), max_signatures: int = MAX_SIGNATURES
) -> Verification:
    """Check the first ``max_signatures`` signatures in this process (the child's work; no limits here)."""
    sha = hashlib.sha256(data).hexdigest()
    roots = load_certificates(trusted_certs)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_regular_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return _problem(sha, UNREADABLE, detail=str(exc))
    if not embedded:
        return _invalid(sha, "Dokumentet har ingen signatur.")

    count = len(embedded)
    examined = embedded[: max(1, max_signatures)]
    results = [replace(_verify_one(sig, roots, sha, count=count), examined=len(examined))
               for sig in examined]
    bad = [r for r in results if not r.valid]
    if bad:
        return bad[0]
    if count > len(examined):
        return replace(
            results[-1], valid=False,
            reason=f"Dokumentet har {count} signaturer. Bara de {len(examined)} första kontrollerades, "
            "så det går inte att säga att hela dokumentet är äkta.",
        )
    return results[-1]


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
