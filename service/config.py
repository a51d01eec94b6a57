"""Settings and workplace files, validated with errors that name the file, the key and the fix."""

from __future__ import annotations

import csv
import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from service.domain.workplace import KINDS, LANGUAGES, ROLES, AgendaEntry, Member, Workplace

ENV_PREFIX = "MINNES_"
"""Prefix of environment variables that override keys of ``minnes.toml``."""


class ConfigError(Exception):
    """A configuration file is missing, unreadable or wrong; the message says what to fix."""


# --------------------------------------------------------------------------- settings


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

    require_authenticated_sender: bool = False
    """Require ``dmarc=pass`` (or an aligned ``dkim=pass``) for every message."""

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
class WebSettings:
    """The archive page."""

    listen: str = "127.0.0.1:8080"
    """Where ``minnes web`` and ``minnes run`` serve the page."""

    base_url: str = "http://127.0.0.1:8080"
    """Links in mails point here (behind a proxy: the public URL)."""

    secret_key_env: str = "MINNES_SECRET_KEY"
    """Environment variable holding the session secret."""


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

    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    """Outgoing mail."""

    signing: SigningSettings = field(default_factory=SigningSettings)
    """PDF signing."""

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


# --------------------------------------------------------------------------- loading

CHOICES: dict[str, tuple[str, ...]] = {
    "intake.source": ("maildir", "imap"),
    "intake.imap.security": ("ssl", "starttls", "none"),
    "intake.imap.auth": ("password", "xoauth2"),
    "delivery.method": ("outbox", "smtp"),
    "delivery.smtp.security": ("ssl", "starttls", "none"),
}
"""Keys whose value must be one of a fixed set."""


def _field_type(cls: type, name: str) -> typing.Any:
    return typing.get_type_hints(cls)[name]


def _is_section(tp: typing.Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _env_name(dotted: str) -> str:
    return ENV_PREFIX + dotted.replace(".", "_").upper()


def _coerce(value: typing.Any, tp: typing.Any, where: str, from_env: bool) -> typing.Any:
    """Turn a TOML or environment value into the field's type, or explain what is wrong."""
    if isinstance(tp, types.UnionType):
        tp = next(t for t in typing.get_args(tp) if t is not type(None))
    if tp is bool:
        if isinstance(value, bool):
            return value
        if from_env and str(value).strip().lower() in ("1", "true", "yes", "on"):
            return True
        if from_env and str(value).strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where}: väntade true eller false, fick {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: väntade ett heltal, fick {value!r}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: väntade ett heltal, fick {value!r}") from None
    if tp is float:
        if isinstance(value, bool):
            raise ConfigError(f"{where}: väntade ett tal, fick {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: väntade ett tal, fick {value!r}") from None
    if tp is Path or tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: väntade text inom citattecken, fick {value!r}")
        return Path(value) if tp is Path else value
    return value


def _build_section(cls: type, data: dict, dotted: str, file: Path, base: Path) -> typing.Any:
    """Build one settings dataclass from a TOML table plus environment overrides."""
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: [{dotted}] ska vara en tabell")
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            known = ", ".join(sorted(names))
            raise ConfigError(
                f"{file}: okänd nyckel '{dotted + '.' if dotted else ''}{key}'"
                f" — ta bort den eller använd en av: {known}"
            )
    kwargs: dict[str, typing.Any] = {}
    for f in dataclasses.fields(cls):
        key = f"{dotted}.{f.name}" if dotted else f.name
        tp = _field_type(cls, f.name)
        if _is_section(tp):
            kwargs[f.name] = _build_section(tp, data.get(f.name, {}), key, file, base)
            continue
        where = f"{file}: {key}"
        value: typing.Any = dataclasses.MISSING
        from_env = False
        env = _env_name(key)
        if env in os.environ:
            value, from_env, where = os.environ[env], True, f"miljövariabeln {env}"
        elif f.name in data:
            value = data[f.name]
        if value is dataclasses.MISSING:
            value = f.default
        else:
            value = _coerce(value, tp, where, from_env)
        allowed = CHOICES.get(key)
        if allowed and value not in allowed:
            raise ConfigError(f"{where}: '{value}' är inte tillåtet — välj en av: {', '.join(allowed)}")
        if isinstance(value, Path) and not value.is_absolute():
            value = (base / value).resolve()
        kwargs[f.name] = value
    return cls(**kwargs)


def _resolve_sqlite(url: str, base: Path) -> str:
    """Resolve a relative SQLite path against the config folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:":
            return prefix + str((base / rest).resolve())
    return url


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: filen saknas") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: felaktig TOML ({exc}) — rätta syntaxen") from None
    except OSError as exc:
        raise ConfigError(f"{path}: kan inte läsas ({exc.strerror})") from None


def load_settings(directory: Path) -> Settings:
    """Load ``minnes.toml`` from a folder, applying environment overrides."""
    path = directory / "minnes.toml"
    data = _read_toml(path)
    settings: Settings = _build_section(Settings, data, "", path, directory.resolve())
    url = _resolve_sqlite(settings.database.url, directory.resolve())
    settings = dataclasses.replace(settings, database=DatabaseSettings(url=url))
    _check_policies(settings, path)
    return settings


def _check_policies(settings: Settings, path: Path) -> None:
    loopback = ("localhost", "127.0.0.1", "::1")
    imap = settings.intake.imap
    if settings.intake.source == "imap" and imap.security == "none" and imap.host not in loopback:
        raise ConfigError(
            f'{path}: intake.imap.security = "none" är bara tillåtet mot localhost'
            " — använd ssl eller starttls"
        )
    smtp = settings.delivery.smtp
    if settings.delivery.method == "smtp" and smtp.security == "none" and smtp.host not in loopback:
        raise ConfigError(
            f'{path}: delivery.smtp.security = "none" är bara tillåtet mot localhost'
            " — använd ssl eller starttls"
        )
    if settings.intake.max_message_bytes <= 0:
        raise ConfigError(f"{path}: intake.max_message_bytes måste vara större än 0")


WORKPLACE_KEYS = {
    "id", "name", "kind", "organisation", "roster", "submitters", "note_takers", "agenda", "language",
}
"""Keys a workplace file may have."""

AGENDA_KEYS = {"title", "aliases"}
"""Keys an ``[[agenda]]`` table may have."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _read_roster(path: Path, where: Path) -> tuple[Member, ...]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{where}: roster-filen {path.name} saknas — skapa den (name,email,role)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: filen är inte UTF-8 — spara den som UTF-8") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = set(rows[0].keys()) if rows else set()
    if rows and not {"name", "email", "role"} <= header:
        raise ConfigError(f"{path}: första raden ska vara name,email,role")
    members: list[Member] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        name = (row.get("name") or "").strip()
        email = (row.get("email") or "").strip().lower()
        role = (row.get("role") or "employee").strip() or "employee"
        if not name and not email:
            continue
        if not _EMAIL.match(email):
            raise ConfigError(f"{path}: rad {n}: '{email}' är ingen giltig e-postadress")
        if role not in ROLES:
            raise ConfigError(f"{path}: rad {n}: okänd roll '{role}' — använd {', '.join(ROLES)}")
        if email in seen:
            raise ConfigError(f"{path}: rad {n}: {email} står två gånger")
        seen.add(email)
        members.append(Member(name=name or email, email=email, role=role))
    if not members:
        raise ConfigError(f"{path}: rostern är tom — lägg till minst chefen och skyddsombudet")
    return tuple(members)


def load_workplace(path: Path) -> Workplace:
    """Load one ``workplaces/<id>.toml`` and its roster."""
    data = _read_toml(path)
    for key in data:
        if key not in WORKPLACE_KEYS:
            raise ConfigError(
                f"{path}: okänd nyckel '{key}' — använd en av: {', '.join(sorted(WORKPLACE_KEYS))}"
            )
    wid = data.get("id", path.stem)
    if wid != path.stem:
        raise ConfigError(f"{path}: id = '{wid}' ska vara samma som filnamnet ('{path.stem}')")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", wid):
        raise ConfigError(f"{path}: id '{wid}' får bara innehålla a-z, 0-9, - och _")
    for key in ("name", "kind"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{path}: nyckeln '{key}' saknas")
    if data["kind"] not in KINDS:
        raise ConfigError(f"{path}: kind = '{data['kind']}' — använd {' eller '.join(KINDS)}")
    submitters = data.get("submitters", "roster")
    if submitters not in ("roster", "note_takers"):
        raise ConfigError(f'{path}: submitters = \'{submitters}\' — använd "roster" eller "note_takers"')
    note_takers = data.get("note_takers", [])
    if not isinstance(note_takers, list) or not all(isinstance(x, str) for x in note_takers):
        raise ConfigError(f"{path}: note_takers ska vara en lista med e-postadresser")
    if submitters == "note_takers" and not note_takers:
        raise ConfigError(f'{path}: submitters = "note_takers" men note_takers är tom')
    language = data.get("language", "sv")
    if language not in LANGUAGES:
        raise ConfigError(f"{path}: language = '{language}' — använd {' eller '.join(LANGUAGES)}")
    agenda_raw = data.get("agenda", [])
    if not isinstance(agenda_raw, list) or not agenda_raw:
        raise ConfigError(f"{path}: dagordningen saknas — lägg till [[agenda]]-tabeller med title")
    agenda: list[AgendaEntry] = []
    for n, entry in enumerate(agenda_raw, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: agenda-punkt {n} ska vara en [[agenda]]-tabell")
        for key in entry:
            if key not in AGENDA_KEYS:
                raise ConfigError(
                    f"{path}: agenda-punkt {n}: okänd nyckel '{key}' — använd title eller aliases"
                )
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ConfigError(f"{path}: agenda-punkt {n} saknar title")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{path}: agenda-punkt {n}: aliases ska vara en lista med text")
        agenda.append(AgendaEntry(title=title.strip(), aliases=tuple(a.strip() for a in aliases)))
    roster_name = data.get("roster", f"{path.stem}.csv")
    if not isinstance(roster_name, str):
        raise ConfigError(f"{path}: roster ska vara ett filnamn")
    members = _read_roster((path.parent / roster_name).resolve(), path)
    return Workplace(
        id=wid,
        name=data["name"].strip(),
        kind=data["kind"],
        organisation=str(data.get("organisation", "")),
        members=members,
        agenda=tuple(agenda),
        submitters=submitters,
        note_takers=tuple(a.strip().lower() for a in note_takers),
        language=language,
    )


def default_directory() -> Path:
    """Return the config folder: ``$MINNES_CONFIG``, else ``./config``."""
    return Path(os.environ.get("MINNES_CONFIG") or "config")


def load_config(directory: Path | str | None = None) -> Config:
    """Load a whole configuration folder, or raise :class:`ConfigError` saying what to fix."""
    directory = Path(directory) if directory else default_directory()
    if not directory.is_dir():
        raise ConfigError(f"{directory}: konfigurationsmappen finns inte — ange --config MAPP")
    settings = load_settings(directory)
    workplaces: dict[str, Workplace] = {}
    wp_dir = directory / "workplaces"
    for path in sorted(wp_dir.glob("*.toml")) if wp_dir.is_dir() else []:
        wp = load_workplace(path)
        workplaces[wp.id] = wp
    if not workplaces:
        raise ConfigError(f"{wp_dir}: inga arbetsplatser — lägg till workplaces/<id>.toml och <id>.csv")
    return Config(directory=directory.resolve(), settings=settings, workplaces=workplaces)
