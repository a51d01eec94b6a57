"""The one place that wires configuration to adapters: archive, files, queue, signer, transport.

The steps (:mod:`service.steps`) are handed what is built here and never import this module.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from service.archive.db import Database, SigningCertificate
from service.archive.files import FileStore
from service.config import Config
from service.domain.workplace import Workplace
from service.pipeline import Pipeline
from service.steps.context import JobQueue, NoQueue, SignPdf

if TYPE_CHECKING:
    from service.mail.transport import Transport

_signers: dict[tuple[str, str], object] = {}
_signer_lock = threading.Lock()


def signer_for(config: Config):  # noqa: ANN201 - service.pdf.sign.Signer
    """Return the process-wide signer of a configuration, making a trial key on first run."""
    from service.pdf.keys import ensure_signing_key
    from service.pdf.sign import Signer

    signing = config.settings.signing
    passphrase = config.secret(signing.passphrase_env)
    key = (str(signing.pkcs12), signing.tsa_url)
    with _signer_lock:
        signer = _signers.get(key)
        if signer is None:
            org = next((w.organisation for w in config.workplaces.values() if w.organisation), "Minnes")
            ensure_signing_key(
                Path(signing.pkcs12),
                passphrase,
                common_name=signing.signer_name or f"Minnes – {org}",
                organisation=org,
            )
            signer = Signer.load(
                Path(signing.pkcs12), passphrase, tsa_url=signing.tsa_url, signer_name=signing.signer_name
            )
            _signers[key] = signer
    return signer


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


def transport_factory(config: Config) -> Callable[[], Transport]:
    """Return what makes the configured mail transport (outbox folder or SMTP relay) when first needed."""

    def make() -> Transport:
        from service.mail.transport import make_transport

        delivery = config.settings.delivery
        return make_transport(delivery, config.secret(delivery.smtp.password_env))

    return make


def _subject(pem: bytes) -> str:
    try:
        from cryptography import x509

        return x509.load_pem_x509_certificate(pem).subject.rfc4514_string()
    except Exception:  # noqa: BLE001 - the subject is only for display
        return ""


def trusted_certificates(config: Config, db: Database | None = None) -> list[bytes]:
    """Return every certificate this installation has signed with (PEM)."""
    from sqlalchemy import inspect

    certs: list[bytes] = []
    try:
        if Path(config.settings.signing.pkcs12).exists():  # verifying never makes a key
            certs.append(signer_for(config).certificate_pem)
    except Exception:  # noqa: BLE001 - no usable key now; archived certificates still count
        pass
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


def check_config(config: Config) -> list[str]:
    """Return what a newcomer must fix beyond what loading already checked."""
    from service.config.loading import DEPRECATED_KEYS, deprecated_keys

    problems: list[str] = []
    s = config.settings
    for dotted in deprecated_keys(config.directory):
        problems.append(f"{dotted} är föråldrad — {DEPRECATED_KEYS[dotted]}")
    for wp in config.workplaces.values():
        if not wp.managers:
            problems.append(f"{wp.id}: rostern saknar chef (role = manager)")
        if not wp.safety_reps:
            problems.append(
                f"{wp.id}: rostern saknar skyddsombud (role = safety_rep) — de ska alltid få protokollen"
            )
    if s.intake.source == "imap":
        if not s.intake.imap.username:
            problems.append("intake.imap.username är tom")
        if not config.secret(s.intake.imap.password_env):
            problems.append(f"miljövariabeln {s.intake.imap.password_env} (IMAP-lösenordet) är inte satt")
    if (
        s.delivery.method == "smtp"
        and s.delivery.smtp.username
        and not config.secret(s.delivery.smtp.password_env)
    ):
        problems.append(f"miljövariabeln {s.delivery.smtp.password_env} (SMTP-lösenordet) är inte satt")
    if s.delivery.verp and not config.secret(s.delivery.verp_secret_env):
        problems.append(
            f"delivery.verp är på men miljövariabeln {s.delivery.verp_secret_env} är tom — "
            "utan nyckel kan vem som helst förfalska studsar"
        )
    return problems


class Services:
    """Everything a command needs, opened together and closed together."""

    def __init__(self, config: Config, *, queue: JobQueue | bool = True) -> None:
        self.config = config
        self.db = Database(config.settings.database.url)
        self.db.create_schema()
        self.files = FileStore(config.settings.storage.path)
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

        self.reports = Reports(self.db)

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
