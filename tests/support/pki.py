"""A throwaway CA for signing tests: root, signing and TSA certificates, a CRL and a TSA on loopback.

:class:`ThrowawayCa` issues the certificates (with cryptography); :class:`PkiServer` serves the CA's CRL
(``GET /ca.crl``, rebuilt on every request so a revocation shows at once) and RFC 3161 time stamps
(``POST /tsa``, pyHanko's ``DummyTimeStamper``) over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

PASSPHRASE = "prov-lösen"
"""Passphrase of the PKCS#12 files the CA writes."""


def _key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key (fast enough for tests)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "SE")])


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


@dataclass
class ThrowawayCa:
    """A root CA that issues signing and TSA certificates naming its CRL at ``crl_url``."""

    crl_url: str
    """Where issued certificates say the CRL is (the CRL distribution point)."""

    name: str = "Prov-CA Exempelby"
    """The root's common name."""

    key: rsa.RSAPrivateKey = field(default_factory=_key)
    """The root's private key."""

    revoked: dict[int, datetime] = field(default_factory=dict)
    """Serial numbers revoked so far, with when."""

    def __post_init__(self) -> None:
        now = datetime.now(UTC)
        self.root = (
            x509.CertificateBuilder().subject_name(_name(self.name)).issuer_name(_name(self.name))
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def root_pem(self) -> bytes:
        """The root certificate, PEM."""
        return self.root.public_bytes(serialization.Encoding.PEM)

    def issue(self, common_name: str, *, key: rsa.RSAPrivateKey | None = None, days: float = 365,
              time_stamping: bool = False, not_before: datetime | None = None) -> tuple[x509.Certificate,
                                                                                         rsa.RSAPrivateKey]:
        """Issue an end-entity certificate (for signing, or for a TSA) valid ``days`` from now."""
        key = key or _key()
        start = not_before or datetime.now(UTC) - timedelta(minutes=5)
        builder = (
            x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(self.root.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(datetime.now(UTC) + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)], relative_name=None, reasons=None,
                crl_issuer=None)]), critical=False)
        )
        if time_stamping:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        else:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
        return builder.sign(self.key, hashes.SHA256()), key

    def signing_pkcs12(self, path: Path, common_name: str = "Exempelby kommun – Minnes", *,
                       days: float = 365) -> x509.Certificate:
        """Write a PKCS#12 (passphrase :data:`PASSPHRASE`) with a signing certificate and the root."""
        cert, key = self.issue(common_name, days=days)
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            name=b"minnes", key=key, cert=cert, cas=[self.root],
            encryption_algorithm=serialization.BestAvailableEncryption(PASSPHRASE.encode("utf-8")),
        ))
        return cert

    def revoke(self, cert: x509.Certificate, when: datetime | None = None) -> None:
        """Put a certificate on the CRL."""
        self.revoked[cert.serial_number] = when or datetime.now(UTC) - timedelta(seconds=1)

    def crl(self, *, valid_days: float = 7) -> bytes:
        """The CRL as it stands now, DER."""
        now = datetime.now(UTC)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.root.subject)
                   .last_update(now - timedelta(minutes=1)).next_update(now + timedelta(days=valid_days))
                   .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                                  critical=False))
        for serial, when in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class PkiServer:
    """The throwaway CA's CRL and a time-stamping authority on a loopback port, in a thread."""

    def __init__(self, *, tsa_days: float = 3650) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.ca = ThrowawayCa(crl_url=self.base_url + "/ca.crl")
        self.tsa_cert, tsa_key = self.ca.issue("Prov-TSA Exempelby", days=tsa_days, time_stamping=True)
        self._stamper = DummyTimeStamper(
            tsa_cert=_asn1_cert(self.tsa_cert), tsa_key=_asn1_key(tsa_key),
            certs_to_embed=[_asn1_cert(self.tsa_cert), _asn1_cert(self.ca.root)],
        )
        self.crl_requests = 0
        self.tsa_requests = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def tsa_url(self) -> str:
        """The RFC 3161 endpoint."""
        return self.base_url + "/tsa"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        pki = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                if self.path != "/ca.crl":
                    self.send_error(404)
                    return
                pki.crl_requests += 1
                self._reply(pki.ca.crl(), "application/pkix-crl")

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                if self.path != "/tsa":
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers["Content-Length"]))
                pki.tsa_requests += 1
                reply = pki._stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self._reply(reply, "application/timestamp-reply")

            def _reply(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> PkiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
