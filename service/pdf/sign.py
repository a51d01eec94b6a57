"""Sign minutes PDFs with the organisation's key: PAdES B-B, or B-LTA with a time-stamping service.

With ``[signing] tsa_url`` the signature carries a time-stamp token (B-T); the certificates and the
revocation answers (CRL or OCSP, fetched from the addresses in the certificates) go into the document's
security store (DSS, B-LT); a document time stamp over all of it comes last (B-LTA).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.registry import SimpleCertificateStore

from service.domain.wording import DEFAULT_LANGUAGE
from service.pdf.pdfa import SIGNATURE_FIELD
from service.pdf.prepared import NotPreparedError, TemplateCache, find_prepared_field, write_signed
from service.pdf.signatures import chain_tops, signed_data_certs
from service.pdf.stamp import TIMESTAMP_FORMAT, MinnesStampStyle, local_time

log = logging.getLogger(__name__)

SIGNATURE_REASON = "Minnesanteckningar fastställda och distribuerade av Minnes"
"""Reason recorded in the signature dictionary."""

BYTES_RESERVED = 12_288
"""Space for the CMS signature without a time-stamp token (avoids a dry-run signature per PDF)."""

BYTES_RESERVED_TSA = 24_576
"""Space for the CMS signature with a time-stamp token."""

BYTES_RESERVED_DOC_TS = 16_384
"""Space for the document time stamp (a time-stamp token and the TSA's certificates)."""

DOC_TIMESTAMP_FIELD = "Tidsstampel"
"""Name of the (invisible) field of the document time stamp."""

_VALIDATION_ERRORS = (
    cv_errors.PathError, cv_errors.ValidationError, cv_errors.CRLValidationError,
    cv_errors.OCSPValidationError, PyHankoSigningError, timestamps.TimestampRequestError, PdfError,
    OSError, ValueError,
)
"""What gathering the validation data or the document time stamp may raise."""


class SigningError(RuntimeError):
    """A PDF could not be signed."""


class SigningKeyMissingError(SigningError):
    """The PKCS#12 file is not there."""


class WrongPassphraseError(SigningError):
    """The passphrase does not open the PKCS#12 file (or the file is damaged)."""


class CertificateExpiredError(SigningError):
    """The signing certificate is no longer (or not yet) valid."""


class _CachedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, keeping the parsed RSA key instead of re-reading it for every signature."""

    def __init__(self, *, private_key: RSAPrivateKey, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Sign with the cached key (RSA PKCS#1 v1.5); other mechanisms go through pyHanko."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo == "rsassa_pkcs1v15" and digest_algorithm == "sha256":
            return self._private_key.sign(data, PKCS1v15(), hashes.SHA256())
        return super().sign_raw(data, digest_algorithm)

    def sign_attributes(self, data: bytes) -> bytes:
        """RSA PKCS#1 v1.5 with SHA-256 over DER-encoded signed attributes."""
        return self._private_key.sign(data, PKCS1v15(), hashes.SHA256())


@dataclass(frozen=True)
class _CmsTemplate:
    """pyHanko's PAdES B-B CMS for this key, cut where the document digest and the signature go.

    The signed attributes (content type, message digest, signing-certificate-v2) do not depend on the
    time in PAdES, so for each document only the digest changes; the rest is pyHanko's own output.
    """

    attrs_before: bytes
    """Signed attributes ([0] IMPLICIT) up to the message digest."""

    attrs_after: bytes
    """Signed attributes after the message digest."""

    head: bytes
    """The CMS up to the signed attributes."""

    middle: bytes
    """Between the signed attributes and the signature value."""

    tail: bytes
    """After the signature value."""

    signature_length: int
    """Length of an RSA signature with this key."""

    def assemble(self, digest: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        """The DER CMS for a document digest, signing the attributes with ``sign``."""
        attrs = self.attrs_before + digest + self.attrs_after
        signature = sign(b"\x31" + attrs[1:])
        if len(signature) != self.signature_length:  # pragma: no cover - RSA output has fixed length
            raise SigningError("Oväntad signaturlängd.")
        return self.head + attrs + self.middle + signature + self.tail


def _cms_template(signer: signers.SimpleSigner, sign: Callable[[bytes], bytes]) -> _CmsTemplate:
    """Let pyHanko build a B-B CMS once and cut it into a template; check that it reassembles exactly."""
    probe = hashlib.sha256(b"Minnes CMS template probe").digest()
    content_info = asyncio.run(signer.async_sign(probe, "sha256", use_pades=True))
    der = content_info.dump()
    signer_info = content_info["content"]["signer_infos"][0]
    attrs = signer_info["signed_attrs"].dump()
    signature = signer_info["signature"].native
    if der.count(attrs) != 1 or attrs.count(probe) != 1 or der.count(signature) != 1:
        raise SigningError("Kunde inte förbereda CMS-mallen.")
    a_at = der.index(attrs)
    s_at = der.index(signature)
    d_at = attrs.index(probe)
    template = _CmsTemplate(
        attrs_before=attrs[:d_at], attrs_after=attrs[d_at + len(probe) :], head=der[:a_at],
        middle=der[a_at + len(attrs) : s_at], tail=der[s_at + len(signature) :],
        signature_length=len(signature),
    )
    if template.assemble(probe, sign) != der:
        raise SigningError("CMS-mallen stämmer inte med pyHankos signatur.")
    return template


def _common_name(cert: x509.Certificate) -> str:
    """Return the certificate subject's common name (or the whole subject)."""
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


class Signer:
    """The organisation's signing key, loaded once per process."""

    def __init__(self, signer: signers.SimpleSigner, certificate: x509.Certificate, *, tsa_url: str = "",
                 signer_name: str = "") -> None:
        self._signer = signer
        self._certificate = certificate
        self._chain = list(signer.cert_registry or [])
        self._timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
        self.name = signer_name or _common_name(certificate)
        self._stamps = TemplateCache()
        self._cms: _CmsTemplate | None = None
        if isinstance(signer, _CachedKeySigner):
            self._cms = _cms_template(signer, signer.sign_attributes)

    @classmethod
    def load(cls, pkcs12_path: Path, passphrase: str, *, tsa_url: str = "", signer_name: str = "",
             now: datetime | None = None) -> Signer:
        """Open the PKCS#12 file and check that its certificate is valid now."""
        path = Path(pkcs12_path)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise SigningKeyMissingError(
                f"Signeringsnyckeln {path} finns inte. Kontrollera [signing] pkcs12 i minnes.toml "
                "(vid första start skapar Minnes en självsignerad nyckel där)."
            ) from exc
        except OSError as exc:
            raise SigningKeyMissingError(f"Signeringsnyckeln {path} kan inte läsas: {exc}") from exc
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase.encode("utf-8") or None)
        except ValueError as exc:
            raise WrongPassphraseError(
                f"Lösenfrasen öppnar inte signeringsnyckeln {path} (fel lösenfras eller skadad fil). "
                "Kontrollera miljövariabeln i [signing] passphrase_env."
            ) from exc
        if key is None or cert is None:
            raise SigningKeyMissingError(f"Filen {path} innehåller ingen nyckel med certifikat.")
        if not isinstance(key, RSAPrivateKey):
            raise SigningError(f"Signeringsnyckeln i {path} är inte en RSA-nyckel; Minnes stöder bara RSA.")
        moment = now or datetime.now(UTC)
        if moment > cert.not_valid_after_utc:
            raise CertificateExpiredError(
                f"Signeringscertifikatet i {path} gick ut {cert.not_valid_after_utc:%Y-%m-%d}. "
                "Skaffa en ny nyckel; äldre PDF:er går fortfarande att kontrollera."
            )
        if moment < cert.not_valid_before_utc:
            raise CertificateExpiredError(
                f"Signeringscertifikatet i {path} gäller först från {cert.not_valid_before_utc:%Y-%m-%d}."
            )
        der_key = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        others = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra or []]
        simple = _CachedKeySigner(
            private_key=key,
            signing_cert=asn1_cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=SimpleCertificateStore.from_certs([asn1_cert, *others]),
        )
        return cls(simple, cert, tsa_url=tsa_url, signer_name=signer_name)

    @property
    def certificate_pem(self) -> bytes:
        """The signing certificate as PEM, for the archive's list of trusted certificates."""
        return self._certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def certificate(self) -> x509.Certificate:
        """The signing certificate."""
        return self._certificate

    def sign(self, pdf: bytes, *, verify_url: str | None = None, language: str = DEFAULT_LANGUAGE) -> bytes:
        """Sign the PDF (PAdES), filling the prepared signature field with a block in the language.

        With a time-stamping service the result is PAdES B-LTA (see :meth:`_add_long_term_data`).
        """
        signed = self._sign_b_t(pdf, verify_url=verify_url, language=language)
        if self._timestamper is None:
            return signed
        return self._add_long_term_data(signed)

    def _sign_b_t(self, pdf: bytes, *, verify_url: str | None, language: str) -> bytes:
        """Sign: B-B, or B-T with a time-stamping service."""
        try:
            field = find_prepared_field(pdf)
        except NotPreparedError as exc:
            log.debug("signing through pyHanko's PdfSigner: %s", exc)
        else:
            try:
                return self._sign_prepared(pdf, field, verify_url, language)
            except NotPreparedError as exc:
                log.debug("signing through pyHanko's PdfSigner: %s", exc)
        return self._sign_with_pdfsigner(pdf, verify_url=verify_url, language=language)

    def _sign_prepared(self, pdf: bytes, field: object, verify_url: str | None,
                       language: str = DEFAULT_LANGUAGE) -> bytes:
        """Fill a field Minnes prepared: write the update directly, the CMS from pyHanko's template."""
        now = datetime.now(UTC).replace(microsecond=0)
        when = local_time(now.strftime(TIMESTAMP_FORMAT), language)
        x1, y1, x2, y2 = field.rect  # type: ignore[attr-defined]
        try:
            stamp = self._stamps.get(x2 - x1, y2 - y1, signer=self.name, when=when, verify_url=verify_url,
                                     language=language)
        except (OSError, ValueError, pikepdf.PdfError) as exc:
            raise NotPreparedError(f"no stamp template: {exc}") from exc
        if self._timestamper is None and self._cms is not None:
            cms = self._cms

            def make_cms(digest: bytes) -> bytes:
                return cms.assemble(digest, self._signer.sign_attributes)  # type: ignore[attr-defined]
        else:
            def make_cms(digest: bytes) -> bytes:
                try:
                    info = asyncio.run(self._signer.async_sign(
                        digest, "sha256", use_pades=True, timestamper=self._timestamper))
                except (PyHankoSigningError, timestamps.TimestampRequestError, OSError, ValueError) as exc:
                    raise SigningError(f"Kunde inte signera PDF:en: {exc}") from exc
                return info.dump()
        return write_signed(
            pdf, field, stamp, when_text=when, signed_at=now, name=self.name, reason=SIGNATURE_REASON,  # type: ignore[arg-type]
            reserved=BYTES_RESERVED_TSA if self._timestamper else BYTES_RESERVED, make_cms=make_cms,
        )

    def _sign_with_pdfsigner(self, pdf: bytes, *, verify_url: str | None,
                             language: str = DEFAULT_LANGUAGE) -> bytes:
        """Sign any PDF with pyHanko's PdfSigner (foreign PDFs, fields we did not prepare)."""
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            prepared = any(
                name == SIGNATURE_FIELD and value is None
                for name, value, _ref in fields.enumerate_sig_fields(writer, filled_status=False)
            )
            meta = signers.PdfSignatureMetadata(
                field_name=SIGNATURE_FIELD if prepared else SIGNATURE_FIELD + "-" + _fresh_suffix(writer),
                subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256",
                reason=SIGNATURE_REASON,
                name=self.name,
                use_pades_lta=False,
            )
            pdf_signer = signers.PdfSigner(
                meta,
                signer=self._signer,
                timestamper=self._timestamper,
                stamp_style=MinnesStampStyle(),
            )
            out = pdf_signer.sign_pdf(
                writer,
                bytes_reserved=BYTES_RESERVED_TSA if self._timestamper else BYTES_RESERVED,
                appearance_text_params={"url": verify_url or "", "lang": language},
            )
            return out.getvalue()
        except (PdfError, PyHankoSigningError, timestamps.TimestampRequestError, OSError, ValueError) as exc:
            raise SigningError(f"Kunde inte signera PDF:en: {exc}") from exc

    def _add_long_term_data(self, signed: bytes) -> bytes:
        """Add the validation data of the last signature (DSS) and a document time stamp over it.

        The certificates come from the signature, its time-stamp token and the PKCS#12 file; the CRLs
        or OCSP answers are fetched from the addresses the certificates name. A certificate whose
        revocation status cannot be found, or that is revoked, stops the signing: a file that claims
        to outlive its key must carry the proof.
        """
        assert self._timestamper is not None
        try:
            reader = PdfFileReader(io.BytesIO(signed), strict=False)
            sig = reader.embedded_regular_signatures[-1]
            certs = list(self._chain)
            certs += signed_data_certs(sig.signed_data)
            for tst in extract_tst_data_iter(sig.signer_info, signed=False):
                certs += signed_data_certs(tst)
            context = ValidationContext(
                trust_roots=chain_tops(certs), other_certs=certs, allow_fetching=True,
                revocation_mode="hard-fail",
            )
            paths = asyncio.run(collect_validation_info(sig, context))
            # First update: the DSS, and the empty appearance the time-stamp field will show. An appearance
            # written with the time stamp would count as form filling; one from before is allowed.
            writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
            DocumentSecurityStore.supply_dss_in_writer(
                writer, sig.pkcs7_content.hex().encode("ascii"), paths=paths, validation_context=context)
            appearance = writer.add_object(_empty_appearance())
            with_dss = io.BytesIO()
            writer.write(with_dss)
            # Second update: the document time stamp (its TSA's validation data goes into the DSS with it).
            writer = IncrementalPdfFileWriter(with_dss, strict=False)
            _add_invisible_field(writer, DOC_TIMESTAMP_FIELD, appearance)
            out = signers.PdfTimeStamper(self._timestamper, field_name=DOC_TIMESTAMP_FIELD).timestamp_pdf(
                writer, "sha256", validation_context=context, bytes_reserved=BYTES_RESERVED_DOC_TS,
            )
            return out.getvalue()
        except cv_errors.RevokedError as exc:
            raise SigningError(
                f"Ett certifikat är återkallat (signeringens eller tidsstämpeltjänstens): {exc}") from exc
        except _VALIDATION_ERRORS as exc:
            raise SigningError(
                "Kunde inte lägga till valideringsdata och dokumenttidsstämpel (PAdES B-LTA): "
                f"{exc}. Kontrollera [signing] tsa_url och att spärrlistorna (CRL/OCSP) i "
                "certifikaten går att nå."
            ) from exc


def _empty_appearance() -> generic.StreamObject:
    """An empty form XObject: the appearance of an invisible widget (PDF/A wants one on every widget)."""
    return generic.StreamObject({
        generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
        generic.pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(0)] * 4),
        generic.pdf_name("/Resources"): generic.DictionaryObject(),
    }, stream_data=b"")


def _add_invisible_field(writer: IncrementalPdfFileWriter, name: str, appearance: generic.Reference) -> None:
    """Add an empty invisible signature field, printable, showing ``appearance``."""
    fields.append_signature_field(writer, fields.SigFieldSpec(name, on_page=0))
    for field_name, _value, ref in fields.enumerate_sig_fields(writer, filled_status=False):
        if field_name == name:
            ref.get_object()[generic.pdf_name("/AP")] = generic.DictionaryObject(
                {generic.pdf_name("/N"): appearance})


def _fresh_suffix(writer: IncrementalPdfFileWriter) -> str:
    """Return a suffix making a new signature field's name unique in the document."""
    taken = {name for name, _v, _r in fields.enumerate_sig_fields(writer)}
    n = 2
    while f"{SIGNATURE_FIELD}-{n}" in taken:
        n += 1
    return str(n)
