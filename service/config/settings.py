"""The settings of ``minnes.toml`` as frozen dataclasses, each field with its default and a docstring.

The loader (:mod:`service.config.sections`) builds them from the TOML tables: a table is a dataclass
field whose type is itself a settings dataclass, a key is any other field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from service.config.errors import ConfigError
from service.domain.workplace import Workplace


@dataclass(frozen=True)
class ImapSettings:
    """How to reach the unit's mailbox over IMAP."""

    host: str = "localhost"
    """IMAP server host name."""

    port: int = 993
    """IMAP server port."""

    security: str = "ssl"
    """``ssl``, ``starttls`` or ``none`` (none: loopback only)."""

    username: str = ""
    """Login name."""

    auth: str = "password"
    """``password`` or ``xoauth2``."""

    password_env: str = "MINNES_IMAP_PASSWORD"
    """Environment variable holding the password (or the OAuth2 token)."""

    folder: str = "INBOX"
    """Folder watched for new drafts."""

    processed_folder: str = "Minnes/Behandlade"
    """Folder a message is moved to once it is safely stored."""

    failed_folder: str = "Minnes/Kunde inte behandlas"
    """Folder a message is moved to when it cannot be read at all."""

    idle_seconds: int = 600
    """How long one IDLE lasts before it is renewed (well within 29 minutes)."""

    poll_seconds: int = 30
    """Polling interval when the server has no IDLE."""

    verify_tls: bool = True
    """Verify the server's certificate."""

    ca_file: Path | None = None
    """PEM file of the CA that signed the server's certificate, when it is not a public one."""


@dataclass(frozen=True)
class IntakeSettings:
    """Where drafts arrive and who is trusted to send them."""

    source: str = "maildir"
    """``maildir`` or ``imap``."""

    maildir: Path = Path("../var/inbox")
    """A Maildir (cur/ new/ tmp/), created if missing."""

    mailbox_address: str = "apt@exempelby.se"
    """The unit's address; plus tags route to workplaces (``apt+<id>@…``)."""

    trusted_authserv_id: str = ""
    """Only Authentication-Results headers from this host count."""

    unauthenticated_sender: str = "confirm"
    """What a draft the trusted MX did not authenticate gets: ``confirm`` (held until its sender
    confirms by reply or link), ``reject`` (``sender_not_authenticated``) or ``accept`` (sent as is)."""

    trusted_internal_header: str = ""
    """``Name: value`` the organisation's own mail system adds to internal mail and strips from
    outside mail (e.g. ``X-MS-Exchange-Organization-AuthAs: Internal``); '' when none is trusted."""

    confirm_days: int = 7
    """An unconfirmed draft expires after this many days."""

    require_authenticated_sender: bool = False
    """Deprecated: ``true`` reads as ``unauthenticated_sender = "reject"``, ``false`` as the default."""

    max_message_bytes: int = 26_214_400
    """Larger messages are rejected as ``message_too_large``."""

    poll_seconds: float = 2.0
    """How often the maildir is scanned."""

    imap: ImapSettings = field(default_factory=ImapSettings)
    """IMAP connection, used when ``source`` is ``imap``."""


@dataclass(frozen=True)
class RedisSettings:
    """The queue."""

    url: str = ""
    """Redis URL; empty: ``minnes run`` starts a local redis-server."""

    port: int = 6390
    """Port of the local redis-server that ``minnes run`` starts when ``url`` is empty."""


@dataclass(frozen=True)
class DatabaseSettings:
    """The archive database."""

    url: str = "sqlite:///../var/minnes.db"
    """SQLAlchemy URL; a relative SQLite path is resolved against the config folder."""


@dataclass(frozen=True)
class StorageSettings:
    """Where raw messages and PDFs are kept."""

    path: Path = Path("../var/files")
    """Folder for content-addressed files."""

    state_path: Path = Path("../var")
    """What Minnes generates for itself (the local Redis password, the demo key's passphrase), in a
    0700 folder, each file 0600."""

    url: str = ""
    """``s3://BUCKET/PREFIX``: S3-compatible object storage; when set, objects go there and ``path``
    is not used for them."""

    endpoint_url: str = ""
    """The S3 endpoint (MinIO, Ceph, a cloud); empty: the provider's default."""

    access_key_env: str = "MINNES_S3_ACCESS_KEY"
    """Environment variable holding the S3 access key."""

    secret_key_env: str = "MINNES_S3_SECRET_KEY"
    """Environment variable holding the S3 secret key."""


@dataclass(frozen=True)
class PrivacySettings:
    """What happens to a draft with personnummer or health details about a named person."""

    check: str = "hold"
    """``hold`` (nobody receives it until corrected or released), ``warn`` (sent, the note-taker
    warned) or ``off``."""


@dataclass(frozen=True)
class SmtpSettings:
    """The organisation's mail relay."""

    host: str = "localhost"
    """SMTP server host name."""

    port: int = 587
    """SMTP server port."""

    security: str = "starttls"
    """``ssl``, ``starttls`` or ``none`` (none: loopback only)."""

    username: str = ""
    """Login name; empty: no login."""

    password_env: str = "MINNES_SMTP_PASSWORD"
    """Environment variable holding the password."""

    timeout: float = 60.0
    """Seconds to wait for the server."""

    verify_tls: bool = True
    """Verify the server's certificate."""

    ca_file: Path | None = None
    """PEM file of the CA that signed the relay's certificate, when it is not a public one."""


@dataclass(frozen=True)
class DeliverySettings:
    """How minutes, receipts and reports leave Minnes."""

    method: str = "outbox"
    """``outbox`` or ``smtp``."""

    outbox: Path = Path("../var/outbox")
    """With ``outbox``: one .eml per sent message is written here."""

    sender: str = "Minnes <minnes@exempelby.se>"
    """From address of every message Minnes sends."""

    retry_hours: float = 48.0
    """How long temporary failures are retried before a recipient counts as not reached."""

    retry_base_seconds: float = 60.0
    """First wait after a temporary failure; it doubles with each attempt, up to an hour."""

    max_per_minute: int = 0
    """Pace every send of every worker together to at most this many in any 60 seconds (Microsoft
    365: 30); 0: no limit."""

    verp: bool = False
    """Send with a per-recipient return path (``apt+bounce-<id>-<mac>@…``) so bounces name the delivery."""

    verp_secret_env: str = "MINNES_SECRET_KEY"
    """Environment variable holding the key that signs VERP return paths."""

    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    """SMTP relay, used when ``method`` is ``smtp``."""


@dataclass(frozen=True)
class SigningSettings:
    """The organisation's signing key."""

    pkcs12: Path = Path("../var/signing.p12")
    """PKCS#12 file; made on first run when missing (self-signed, for trying it out)."""

    passphrase_env: str = "MINNES_SIGNING_PASSPHRASE"
    """Environment variable holding the key's passphrase."""

    tsa_url: str = ""
    """RFC 3161 time-stamping service; empty: none."""

    signer_name: str = ""
    """Name shown in the visible signature; empty: the certificate's name."""


@dataclass(frozen=True)
class RetentionSettings:
    """What ``minnes retention`` may remove (gallring)."""

    raw_message_days: int = 365
    """A raw draft email is removed this many days after its minutes were distributed, or after it
    was rejected or expired."""

    minutes_years: int = 0
    """Minutes are removed this many years after their meeting; 0: kept for ever (bevaras). A
    workplace may set its own ``retention_years``."""


@dataclass(frozen=True)
class WebSettings:
    """The archive page."""

    listen: str = "127.0.0.1:8080"
    """Where ``minnes web`` and ``minnes run`` serve the page."""

    base_url: str = "http://127.0.0.1:8080"
    """Links in mails point here (behind a proxy: the public URL)."""

    secret_key_env: str = "MINNES_SECRET_KEY"
    """Environment variable holding the session secret."""

    auth: str = "magic_link"
    """How a person logs in: "magic_link" (a link by email), "header" (an SSO proxy) or "none"."""

    trusted_user_header: str = ""
    """auth = "header": the header an SSO proxy sets to the user's email."""

    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    """The only peers whose ``trusted_user_header`` counts."""

    admins: tuple[str, ...] = ()
    """Emails that see every workplace, the outbox and the audit log."""


@dataclass(frozen=True)
class WorkerSettings:
    """The rq workers and the sweeper."""

    queue: str = "minnes"
    """Name of the rq queue the pipeline uses."""

    sweep_seconds: float = 5.0
    """How often the sweeper looks in the database for unfinished work."""

    stale_seconds: float = 180.0
    """Work claimed longer ago than this by a process that is gone is handed back."""

    job_timeout: int = 600
    """Seconds one job may run before rq stops it."""


@dataclass(frozen=True)
class Settings:
    """Everything in ``minnes.toml``."""

    intake: IntakeSettings = field(default_factory=IntakeSettings)
    """Where drafts arrive."""

    redis: RedisSettings = field(default_factory=RedisSettings)
    """The queue."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    """The archive database."""

    storage: StorageSettings = field(default_factory=StorageSettings)
    """File storage."""

    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    """The privacy check."""

    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    """Outgoing mail."""

    signing: SigningSettings = field(default_factory=SigningSettings)
    """PDF signing."""

    retention: RetentionSettings = field(default_factory=RetentionSettings)
    """Retention (gallring)."""

    web: WebSettings = field(default_factory=WebSettings)
    """The archive page."""

    worker: WorkerSettings = field(default_factory=WorkerSettings)
    """Workers and the sweeper."""


@dataclass(frozen=True)
class Config:
    """A loaded configuration folder: settings plus workplaces."""

    directory: Path
    """The folder that holds ``minnes.toml``."""

    settings: Settings
    """Services and policies."""

    workplaces: dict[str, Workplace]
    """Workplaces by id."""

    def workplace(self, workplace_id: str) -> Workplace:
        """Return one workplace, or raise :class:`ConfigError` naming the known ones."""
        try:
            return self.workplaces[workplace_id]
        except KeyError:
            known = ", ".join(sorted(self.workplaces)) or "inga"
            raise ConfigError(f"okänd arbetsplats '{workplace_id}' (finns: {known})") from None

    def secret(self, env_name: str) -> str:
        """Return a secret from the environment variable a ``*_env`` key names, or ''."""
        return os.environ.get(env_name, "") if env_name else ""

    def installation_secret(self) -> str:
        """Return the installation's secret: ``[web] secret_key_env``, else one generated in state_path."""
        from service.config.state import state_secret

        return self.secret(self.settings.web.secret_key_env) or state_secret(
            self.settings.storage.state_path, "secret-key"
        )
