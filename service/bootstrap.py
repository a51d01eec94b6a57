"""The one place that wires configuration to adapters: archive, files, queue, signer, transport.

The steps (:mod:`service.steps`) are handed what is built here and never import this module.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from service.archive.db import Database, SigningCertificate
from service.archive.files import FileStore, Store
from service.config import Config
from service.domain.workplace import Workplace
from service.fileio import write_atomically
from service.pipeline import Pipeline
from service.steps.context import JobQueue, NoQueue, SignPdf

if TYPE_CHECKING:
    from service.mail.transport import Transport

_signers: dict[tuple[str, str], object] = {}
_signer_lock = threading.Lock()

log = logging.getLogger(__name__)

DEMO_PASSPHRASE_FILE = "signing-passphrase"
"""The file in ``storage.state_path`` that keeps the demo key's generated passphrase (no passphrase set)."""

PUBLIC_CERTIFICATE_FILE = "signing-certificate.pem"
"""The file in ``storage.state_path`` with the certificate of the key last loaded, for verifying."""


def signer_for(config: Config):  # noqa: ANN201 - service.pdf.sign.Signer
    """Return the process-wide signer of a configuration, making an encrypted demo key on first run."""
    from service.pdf.sign import Signer, WrongPassphraseError

    signing = config.settings.signing
    key = (str(signing.pkcs12), signing.tsa_url)
    with _signer_lock:
        signer = _signers.get(key)
        if signer is None:
            path = Path(signing.pkcs12)
            passphrase = _signing_passphrase(config, path)
            try:
                signer = Signer.load(path, passphrase, tsa_url=signing.tsa_url,
                                     signer_name=signing.signer_name)
            except WrongPassphraseError:
                if config.secret(signing.passphrase_env) and opens_with_generated(config, path):
                    raise WrongPassphraseError(
                        f"Lösenfrasen i miljövariabeln {signing.passphrase_env} öppnar inte "
                        f"signeringsnyckeln {path}: den är demonyckeln, krypterad med den genererade "
                        f"lösenfrasen i {demo_passphrase_path(config)}. Lägg organisationens PKCS#12 i "
                        f"[signing] pkcs12, eller töm {signing.passphrase_env}."
                    ) from None
                raise
            _keep_public_certificate(config, signer.certificate_pem)
            _signers[key] = signer
    return signer


def _signing_passphrase(config: Config, path: Path) -> str:
    """Return the passphrase that opens the signing key, making the demo key or encrypting an old one."""
    from service.config.state import state_secret
    from service.pdf.keys import KeyState, encrypt_demo_key, ensure_signing_key, key_state
    from service.pdf.sign import WrongPassphraseError

    signing = config.settings.signing
    org = next((w.organisation for w in config.workplaces.values() if w.organisation), "Minnes")
    common_name = signing.signer_name or f"Minnes – {org}"
    real = config.secret(signing.passphrase_env)
    if real:
        ensure_signing_key(path, real, common_name=common_name, organisation=org)
        return real
    generated = state_secret(Path(config.settings.storage.state_path), DEMO_PASSPHRASE_FILE)
    ensure_signing_key(path, generated, common_name=common_name, organisation=org)
    state = key_state(path, generated)
    if state is KeyState.UNENCRYPTED_DEMO and encrypt_demo_key(path, generated):
        log.warning("signeringsnyckeln %s var okrypterad; nu krypterad med lösenfrasen i %s",
                    path, demo_passphrase_path(config))
    elif state is KeyState.UNENCRYPTED:
        # An organisation's own key left unencrypted is theirs to protect; check-config says so.
        log.warning("signeringsnyckeln %s är okrypterad; sätt en lösenfras i %s", path,
                    signing.passphrase_env)
        return ""
    elif state is KeyState.LOCKED:
        raise WrongPassphraseError(
            f"Signeringsnyckeln {path} är krypterad, men miljövariabeln {signing.passphrase_env} är tom och "
            f"den genererade lösenfrasen i {demo_passphrase_path(config)} öppnar den inte. "
            f"Sätt nyckelns lösenfras i {signing.passphrase_env}."
        )
    return generated


def demo_passphrase_path(config: Config) -> Path:
    """Return where the demo key's generated passphrase is kept."""
    return Path(config.settings.storage.state_path) / DEMO_PASSPHRASE_FILE


def generated_passphrase(config: Config) -> str:
    """Return the demo key's generated passphrase if one was made, else '' (nothing is created)."""
    try:
        return demo_passphrase_path(config).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def opens_with_generated(config: Config, path: Path) -> bool:
    """Return whether the demo key's generated passphrase opens the key file."""
    from service.pdf.keys import KeyState, key_state

    generated = generated_passphrase(config)
    return bool(generated) and key_state(path, generated) is KeyState.OPENS


def _keep_public_certificate(config: Config, pem: bytes) -> None:
    """Keep the signer's certificate in state_path, so that verifying never needs the private key."""
    from service.config import ConfigError
    from service.config.state import ensure_state_folder

    try:
        path = ensure_state_folder(Path(config.settings.storage.state_path)) / PUBLIC_CERTIFICATE_FILE
        if path.is_file() and path.read_bytes() == pem:
            return
        write_atomically(path, pem, prefix=".signing-certificate-", suffix=".tmp")
    except (OSError, ConfigError) as exc:
        # The archive still lists the certificate of every PDF signed with a database.
        log.warning("signeringscertifikatet kunde inte sparas i state_path: %s", exc)


def _public_certificate(config: Config) -> bytes | None:
    """Return the certificate signer_for last kept in state_path, if it is there and readable."""
    from cryptography import x509

    path = Path(config.settings.storage.state_path) / PUBLIC_CERTIFICATE_FILE
    try:
        pem = path.read_bytes()
        x509.load_pem_x509_certificate(pem)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s kan inte läsas: %s", path, exc)
        return None
    return pem


def verify_url(config: Config) -> str:
    """Return the address of the archive's verification page."""
    return f"{config.settings.web.base_url.rstrip('/')}/verify"


def render_signed_pdf(
    config: Config,
    minutes: dict,
    workplace: Workplace | None,
    *,
    archive_url: str | None = None,
    db: Database | None = None,
    with_certificate: bool = False,
    version: int = 1,
    replaces: tuple[int, str | None] | None = None,
):  # noqa: ANN201 - bytes, or (bytes, certificate sha256)
    """Render and sign the minutes PDF; record the signing certificate in the archive when given."""
    from service.pdf.render import render_minutes

    if workplace is None:
        workplace = config.workplace((minutes.get("meeting") or {}).get("workplace", ""))
    signer = signer_for(config)
    pdf = render_minutes(minutes, workplace, archive_url=archive_url, version=version, replaces=replaces)
    signed = signer.sign(pdf, verify_url=verify_url(config), language=workplace.language)
    pem = signer.certificate_pem
    cert_sha = hashlib.sha256(pem).hexdigest()
    if db is not None:
        with db.session() as s:
            if s.get(SigningCertificate, cert_sha) is None:
                s.add(SigningCertificate(sha256=cert_sha, pem=pem, subject=_subject(pem)))
    return (signed, cert_sha) if with_certificate else signed


def pdf_signer(config: Config, db: Database) -> SignPdf:
    """Return the function that renders and signs a minutes PDF, recording its certificate in ``db``."""

    def sign_pdf(minutes: dict, workplace: Workplace, *, archive_url: str, version: int = 1,
                 replaces: tuple[int, str | None] | None = None) -> tuple[bytes, str]:
        return render_signed_pdf(
            config, minutes, workplace, archive_url=archive_url, db=db, with_certificate=True,
            version=version, replaces=replaces,
        )

    return sign_pdf


def open_store(config: Config) -> Store:
    """Return where raw messages and PDFs are kept: the bucket of ``storage.url``, else the folder."""
    storage = config.settings.storage
    if not storage.url.strip():
        return FileStore(storage.path)
    from service.archive.objects import ObjectStore

    return ObjectStore(
        storage.url,
        endpoint_url=storage.endpoint_url,
        access_key=config.secret(storage.access_key_env),
        secret_key=config.secret(storage.secret_key_env),
    )


def transport_factory(config: Config) -> Callable[[], Transport]:
    """Return what makes the configured mail transport (outbox folder or SMTP relay) when first needed."""

    def make() -> Transport:
        from service.mail.pacing import paced
        from service.mail.transport import make_transport

        delivery = config.settings.delivery
        transport = make_transport(delivery, config.secret(delivery.smtp.password_env))
        return paced(transport, delivery, config.settings.redis.url)  # as it is when max_per_minute = 0

    return make


def _subject(pem: bytes) -> str:
    try:
        from cryptography import x509

        return x509.load_pem_x509_certificate(pem).subject.rfc4514_string()
    except Exception:  # noqa: BLE001 - the subject is only for display
        return ""


def trusted_certificates(config: Config, db: Database | None = None) -> list[bytes]:
    """Return every certificate this installation has signed with (PEM), never opening the private key.

    They are the archive's (``SigningCertificate``) and the current key's certificate as signer_for kept
    it in state_path, so the web process verifies without access to the PKCS#12 file.
    """
    from sqlalchemy import inspect

    certs: list[bytes] = []
    current = _public_certificate(config)
    if current is not None:
        certs.append(current)
    database = db or Database(config.settings.database.url)
    try:
        if inspect(database.engine).has_table(SigningCertificate.__tablename__):
            with database.session() as s:
                certs += [row.pem for row in s.query(SigningCertificate).all()]
    except Exception:  # noqa: BLE001 - an unreachable archive leaves the current key as the only root
        pass
    finally:
        if db is None:
            database.dispose()
    return certs


def verify_pdf_file(config: Config, data: bytes, db: Database | None = None):  # noqa: ANN201
    """Verify a PDF against the certificates this installation has used, naming archived minutes."""
    import dataclasses

    from sqlalchemy import inspect, select

    from service.archive.db import MinutesRow
    from service.pdf.verify import verify_pdf

    result = verify_pdf(data, trusted_certs=trusted_certificates(config, db))
    database = db or Database(config.settings.database.url)
    try:
        if inspect(database.engine).has_table(MinutesRow.__tablename__):
            with database.session() as s:
                row = s.scalar(select(MinutesRow).where(MinutesRow.pdf_sha256 == result.sha256))
                if row is not None:
                    wp = config.workplaces.get(row.workplace_id)
                    name = wp.name if wp else row.workplace_id
                    label = f"{name} {row.meeting_date or 'odaterat'}, version {row.version} (#{row.id})"
                    result = dataclasses.replace(result, minutes=label)
    except Exception:  # noqa: BLE001 - the archive is optional for verifying
        pass
    finally:
        if db is None:
            database.dispose()
    return result


class Services:
    """Everything a command needs, opened together and closed together."""

    def __init__(self, config: Config, *, queue: JobQueue | bool = True) -> None:
        self.config = config
        self.db = Database(config.settings.database.url)
        self.db.create_schema()
        self.files = open_store(config)
        if queue is True:
            queue = make_queue(config)
        elif queue is False:
            queue = NoQueue()
        self.queue = queue
        self.pipeline = Pipeline(
            config,
            self.db,
            self.files,
            self.queue,
            transport=transport_factory(config),
            sign_pdf=pdf_signer(config, self.db),
        )
        from service.reports import Reports

        self.reports = Reports(self.db, files=self.files, signing_key=Path(config.settings.signing.pkcs12))

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release connections."""
        self.db.dispose()


def make_queue(config: Config) -> JobQueue:
    """Return the rq queue when a Redis URL is known, else a queue the sweeper stands in for."""
    url = config.settings.redis.url
    if not url:
        return NoQueue()
    from workers.queue import RqQueue

    worker = config.settings.worker
    return RqQueue(url, worker.queue, job_timeout=worker.job_timeout, stale_seconds=worker.stale_seconds)
