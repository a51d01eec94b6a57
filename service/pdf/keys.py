"""The organisation's signing key: a self-signed PKCS#12 key made on first run, always encrypted.

With no passphrase configured, the caller hands in one it generated and keeps (``storage.state_path``);
a demo key an older version wrote unencrypted is encrypted in place with it (:func:`encrypt_demo_key`).
"""

from __future__ import annotations

import enum
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from service.fileio import write_atomically

DEFAULT_VALID_DAYS = 3650
"""How long a key made on first run is valid."""

DEFAULT_KEY_SIZE = 3072
"""RSA modulus size of a key made on first run."""


class KeyCreationError(RuntimeError):
    """The signing key could not be made or written."""


class KeyEncryptionError(KeyCreationError):
    """An unencrypted demo key could not be encrypted in place."""


class KeyState(enum.Enum):
    """What a PKCS#12 file is to a passphrase, found without keeping its private key."""

    MISSING = "missing"
    """No file there (one is made on first run)."""

    OPENS = "opens"
    """The passphrase opens it."""

    UNENCRYPTED_DEMO = "unencrypted_demo"
    """It opens with no passphrase and its certificate is self-signed: a demo key of an older version."""

    UNENCRYPTED = "unencrypted"
    """It opens with no passphrase and its certificate was issued by a CA."""

    LOCKED = "locked"
    """Neither the passphrase nor no passphrase opens it (another passphrase, or a damaged file)."""

    UNREADABLE = "unreadable"
    """The file is there but cannot be read."""


def make_self_signed_pkcs12(
    passphrase: str,
    *,
    common_name: str,
    organisation: str,
    key_size: int = DEFAULT_KEY_SIZE,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> bytes:
    """Make a self-signed RSA signing certificate and key as PKCS#12 bytes (unencrypted for '')."""
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
    """Make a self-signed PKCS#12 signing key, encrypted with the passphrase, when no file is there yet."""
    if not passphrase:
        raise ValueError("a signing key is never written unencrypted: pass a passphrase")
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
                fh.flush()
                os.fsync(fh.fileno())
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


def _open(data: bytes, passphrase: str) -> pkcs12.PKCS12KeyAndCertificates | None:
    """Return the PKCS#12 contents when the passphrase ('' = none) opens them with a key, else None."""
    try:
        bundle = pkcs12.load_pkcs12(data, passphrase.encode("utf-8") or None)
    except ValueError:
        return None
    return bundle if bundle.key is not None and bundle.cert is not None else None


def _self_signed(bundle: pkcs12.PKCS12KeyAndCertificates) -> bool:
    """Return whether the bundle's certificate is issued by itself (as the demo key's is)."""
    assert bundle.cert is not None
    cert = bundle.cert.certificate
    return cert.issuer == cert.subject and not bundle.additional_certs


def key_state(pkcs12_path: Path, passphrase: str) -> KeyState:
    """Tell whether the passphrase opens the PKCS#12 file, or whether it is an unencrypted key."""
    try:
        data = Path(pkcs12_path).read_bytes()
    except FileNotFoundError:
        return KeyState.MISSING
    except OSError:
        return KeyState.UNREADABLE
    if passphrase and _open(data, passphrase) is not None:
        return KeyState.OPENS
    bundle = _open(data, "")
    if bundle is None:
        return KeyState.LOCKED
    return KeyState.UNENCRYPTED_DEMO if _self_signed(bundle) else KeyState.UNENCRYPTED


def encrypt_demo_key(pkcs12_path: Path, passphrase: str) -> bool:
    """Encrypt an unencrypted self-signed key file in place with the passphrase; return whether it did.

    The new file is written beside the old one, flushed to disk and renamed over it, so a crash leaves
    the old file or the new one, never half of either. Anything but an unencrypted demo key is left alone.
    """
    if not passphrase:
        raise ValueError("encrypting the demo key needs a passphrase")
    path = Path(pkcs12_path)
    try:
        data = path.read_bytes()
    except OSError:
        return False
    bundle = _open(data, "")
    if bundle is None or not _self_signed(bundle):
        return False
    assert bundle.cert is not None
    encrypted = pkcs12.serialize_key_and_certificates(
        name=bundle.cert.friendly_name,
        key=bundle.key,  # type: ignore[arg-type]
        cert=bundle.cert.certificate,
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    try:
        _replace(path, encrypted)
    except OSError as exc:
        raise KeyEncryptionError(
            f"Signeringsnyckeln {path} är okrypterad och kunde inte krypteras: {exc}. "
            "Ge Minnes skrivrätt till filen och mappen, eller ersätt den med en krypterad PKCS#12."
        ) from exc
    return True


def _replace(path: Path, data: bytes) -> None:
    """Write the bytes to a 0600 file beside the path, fsync it, rename it over the path, fsync the folder."""
    write_atomically(path, data, prefix=".signing-", suffix=".p12")
