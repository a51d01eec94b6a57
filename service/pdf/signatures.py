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
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from service.pdf.verify import (
    LEVEL_B,
    LEVEL_LT,
    LEVEL_LTA,
    LEVEL_T,
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
    data: bytes, *, trusted_certs: Iterable[bytes] = (), max_signatures: int = MAX_SIGNATURES,
    at: datetime | None = None,
) -> Verification:
    """Check the first ``max_signatures`` signatures in this process (the child's work; no limits here).

    ``at`` is the time of the check (default now): the newest document time stamp must hold then.
    """
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
    when = {"at": at} if at is not None else {}
    results = [replace(_verify_one(sig, roots, sha, count=count, **when), examined=len(examined))
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


def _verify_one(sig: object, roots: list[asn1_x509.Certificate], sha: str, *, count: int,
                at: datetime | None = None) -> Verification:
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
    level = signature_level(sig, timestamped=ts is not None)
    common["level"] = level
    if level == LEVEL_LTA:
        refusal, authority = _check_long_term(sig, at)
        common["timestamp_authority"] = authority
        if refusal:
            return _invalid(sha, refusal, **common)
        return Verification(
            valid=True,
            reason="Signaturen är giltig och dokumentet är oförändrat sedan signeringen. Tidsstämplarna "
            "och den inbäddade valideringsdatan visar att certifikatet gällde när det signerades.",
            sha256=sha,
            **common,  # type: ignore[arg-type]
        )
    return Verification(
        valid=True,
        reason="Signaturen är giltig och dokumentet är oförändrat sedan signeringen.",
        sha256=sha,
        **common,  # type: ignore[arg-type]
    )


def signature_level(sig: object, *, timestamped: bool) -> str:
    """The PAdES baseline level of a signature: B-B, B-T, B-LT or B-LTA (per what the file carries).

    B-LT needs the signer's certificate in the document security store (DSS) after the signature;
    B-LTA also a document time stamp in a later revision.
    """
    if not timestamped:
        return LEVEL_B
    reader = sig.reader  # type: ignore[attr-defined]
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        signer = sig.signer_cert.dump()  # type: ignore[attr-defined]
        if not any(c.dump() == signer for c in dss.load_certs()):
            return LEVEL_T
    except (NoDSSFoundError, PdfReadError, ValueError, KeyError, TypeError, AttributeError):
        return LEVEL_T  # no DSS, or one that cannot be read: the validation data is not there
    later = [t for t in reader.embedded_timestamp_signatures if t.signed_revision > sig.signed_revision]  # type: ignore[attr-defined]
    return LEVEL_LTA if later else LEVEL_LT


def chain_tops(certs: Iterable[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    """The certificates no other one in the list issued: the roots of the chains at hand."""
    pool = list(certs)
    tops: list[asn1_x509.Certificate] = []
    for cert in pool:
        issued_by_other = any(o.subject == cert.issuer and o.dump() != cert.dump() for o in pool)
        if not issued_by_other and all(t.dump() != cert.dump() for t in tops):
            tops.append(cert)
    return tops


def signed_data_certs(signed_data: object) -> list[asn1_x509.Certificate]:
    """The X.509 certificates a CMS SignedData carries."""
    choices = signed_data["certificates"] or []  # type: ignore[index]
    return [c.chosen for c in choices if c.name == "certificate"]


def _token_time(signed_data: object) -> datetime:
    """The time in a time-stamp token."""
    return signed_data["encap_content_info"]["content"].parsed["gen_time"].native  # type: ignore[index]


def _check_long_term(sig: object, at: datetime | None) -> tuple[str, str]:
    """Check a B-LTA signature as an archive would, years later; return (refusal or "", TSA's name).

    The newest document time stamp must hold at ``at`` (now): its chain and validity period, since no
    revocation answer can be fresh without fetching (which an uploaded file must not make us do). Each
    older one, and the signature's own time stamp, is checked at the time of the stamp above it, and
    the signer's certificate at the time of its signature time stamp, with the certificates and
    revocation answers the DSS keeps. The signer's certificate is already pinned (trusted) by the
    caller; here its chain to the CA that issued it, and that it was not revoked, are checked. The TSA
    is named, not pinned.
    """
    reader = sig.reader  # type: ignore[attr-defined]
    dss = DocumentSecurityStore.read_dss(reader)  # readable: signature_level read it
    anchors = chain_tops(dss.load_certs())

    def context(moment: datetime | None, mode: str) -> object:
        kwargs = {"trust_roots": anchors, "allow_fetching": False, "revocation_mode": mode, "moment": moment,
                  "retroactive_revinfo": True}
        if mode == "soft-fail":  # now: the DSS's answers are from back then, and nothing is fetched
            return ValidationContext(other_certs=list(dss.load_certs()), **kwargs)
        return dss.as_validation_context(kwargs)

    stamps = sorted((t for t in reader.embedded_timestamp_signatures
                     if t.signed_revision > sig.signed_revision),  # type: ignore[attr-defined]
                    key=lambda t: t.signed_revision, reverse=True)
    if len(stamps) > MAX_SIGNATURES:
        return (f"Dokumentet har {len(stamps)} dokumenttidsstämplar; högst {MAX_SIGNATURES} kontrolleras, "
                "så det går inte att säga att det är äkta.", "")
    moment, mode, authority = at, "soft-fail", ""
    for stamp in stamps:
        try:
            status = validate_pdf_timestamp(stamp, validation_context=context(moment, mode))  # type: ignore[arg-type]
        except (SignatureValidationError, PdfReadError, ValueError, KeyError, TypeError) as exc:
            return f"Dokumenttidsstämpeln kunde inte kontrolleras ({exc}).", authority
        authority = authority or _common_name(status.signing_cert)
        if not (status.intact and status.valid):
            return "Dokumenttidsstämpeln är ogiltig: den stämmer inte med dokumentet.", authority
        if not status.trusted:
            return ("Dokumenttidsstämpelns certifikat gick inte att kontrollera vid "
                    f"{_when(moment)} med den inbäddade valideringsdatan.", authority)
        moment, mode = status.timestamp, "hard-fail"
    tokens = list(extract_tst_data_iter(sig.signer_info, signed=False))  # type: ignore[attr-defined]
    if not tokens:
        return "Signaturen saknar signaturtidsstämpel.", authority
    signed_at = _token_time(tokens[0])
    try:
        status = validate_pdf_signature(
            sig,  # type: ignore[arg-type]
            signer_validation_context=context(signed_at, "hard-fail"),
            ts_validation_context=context(moment, "hard-fail"),
        )
    except (SignatureValidationError, PdfReadError, ValueError, KeyError, TypeError) as exc:
        return f"Signaturen kunde inte kontrolleras med den inbäddade valideringsdatan ({exc}).", authority
    ts = status.timestamp_validity
    if ts is None or not (ts.intact and ts.valid and ts.trusted):
        return ("Signaturtidsstämpeln gick inte att kontrollera med den inbäddade valideringsdatan "
                f"vid {_when(moment)}.", authority)
    if not (status.intact and status.valid and status.trusted):
        return ("Signeringscertifikatet gick inte att kontrollera vid signeringen med den inbäddade "
                "valideringsdatan (kedjan till utfärdaren eller spärrlistan saknas, eller så var "
                f"det återkallat): {status.trust_problem_indic or 'okänt fel'}.", authority)
    return "", authority


def _when(moment: datetime | None) -> str:
    """A moment for a refusal, or "nu"."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "nu"
