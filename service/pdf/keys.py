"""The organisation's signing key: a self-signed PKCS#12 key made on first run."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEFAULT_VALID_DAYS = 3650
"""How long a key made on first run is valid."""

DEFAULT_KEY_SIZE = 3072
"""RSA modulus size of a key made on first run."""


class KeyCreationError(RuntimeError):
    """The signing key could not be made or written."""


def make_self_signed_pkcs12(
    passphrase: str,
    *,
    common_name: str,
    organisation: str,
    key_size: int = DEFAULT_KEY_SIZE,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> bytes:
    """Make a self-signed RSA signing certificate and key as PKCS#12 bytes."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    end = not_after or start + timedelta(days=DEFAULT_VALID_DAYS)
    attrs = [
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
    ]
    if organisation:
        attrs.insert(1, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attrs)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        name=common_name.encode("utf-8"), key=key, cert=cert, cas=None, encryption_algorithm=encryption
    )


def ensure_signing_key(pkcs12_path: Path, passphrase: str, *, common_name: str, organisation: str) -> None:
    """Make a self-signed PKCS#12 signing key at the path when no file is there yet."""
    path = Path(pkcs12_path)
    if path.exists():
        return
    data = make_self_signed_pkcs12(passphrase, common_name=common_name, organisation=organisation)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".signing-", suffix=".p12", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o600)
            # link() fails when another process made the key meanwhile: theirs wins.
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise KeyCreationError(f"Kunde inte skapa signeringsnyckeln {path}: {exc}") from exc
