"""Loading a configuration folder: ``minnes.toml``, its policy checks, and every workplace."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from service.config.errors import ConfigError
from service.config.sections import build_section, env_name, read_toml
from service.config.settings import Config, DatabaseSettings, Settings
from service.config.workplaces import load_workplace
from service.domain.workplace import Workplace

LOOPBACK = ("localhost", "127.0.0.1", "::1")
"""Hosts a connection with ``security = "none"`` may go to."""


def _resolve_sqlite(url: str, base: Path) -> str:
    """Resolve a relative SQLite path against the config folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:":
            return prefix + str((base / rest).resolve())
    return url


def load_settings(directory: Path) -> Settings:
    """Load ``minnes.toml`` from a folder, applying environment overrides."""
    path = directory / "minnes.toml"
    data = read_toml(path)
    settings: Settings = build_section(Settings, data, "", path, directory.resolve())
    url = _resolve_sqlite(settings.database.url, directory.resolve())
    settings = dataclasses.replace(settings, database=DatabaseSettings(url=url))
    settings = _read_deprecated(settings, data)
    _check_policies(settings, path)
    return settings


DEPRECATED_KEYS = {
    "intake.require_authenticated_sender": 'använd intake.unauthenticated_sender ("confirm", "reject" '
    'eller "accept"); true läses som "reject", false som standardvärdet "confirm"',
}
"""Keys that still read, and what to write instead."""


def deprecated_keys(directory: Path) -> list[str]:
    """Return the deprecated keys a configuration folder sets (in its file or the environment)."""
    data = read_toml(directory / "minnes.toml")
    found = []
    for dotted in DEPRECATED_KEYS:
        section, key = dotted.split(".")
        if key in (data.get(section) or {}) or os.environ.get(env_name(dotted)) is not None:
            found.append(dotted)
    return found


def _read_deprecated(settings: Settings, data: dict) -> Settings:
    """Read ``require_authenticated_sender = true`` as ``unauthenticated_sender = "reject"``."""
    intake = data.get("intake") or {}
    explicit = "unauthenticated_sender" in intake or os.environ.get(
        env_name("intake.unauthenticated_sender")) is not None
    if settings.intake.require_authenticated_sender and not explicit:
        return dataclasses.replace(
            settings, intake=dataclasses.replace(settings.intake, unauthenticated_sender="reject")
        )
    return settings


def _check_policies(settings: Settings, path: Path) -> None:
    """Refuse combinations of keys that each are allowed alone (plain text to a remote server…)."""
    servers = (
        ("intake.imap", settings.intake.source == "imap", settings.intake.imap),
        ("delivery.smtp", settings.delivery.method == "smtp", settings.delivery.smtp),
    )
    for key, used, server in servers:
        if used and server.security == "none" and server.host not in LOOPBACK:
            raise ConfigError(
                f'{path}: {key}.security = "none" är bara tillåtet mot localhost'
                " — använd ssl eller starttls"
            )
    if settings.intake.confirm_days <= 0:
        raise ConfigError(f"{path}: intake.confirm_days måste vara större än 0")
    header = settings.intake.trusted_internal_header
    if header and (":" not in header or not header.split(":", 1)[1].strip()):
        raise ConfigError(
            f"{path}: intake.trusted_internal_header ska vara ”Namn: värde”, till exempel "
            "”X-MS-Exchange-Organization-AuthAs: Internal”"
        )
    if settings.intake.max_message_bytes <= 0:
        raise ConfigError(f"{path}: intake.max_message_bytes måste vara större än 0")
    _check_web(settings, path)
    _check_storage_and_pace(settings, path)


def _check_storage_and_pace(settings: Settings, path: Path) -> None:
    """Refuse an object-storage URL that names no bucket, and negative limits."""
    url = settings.storage.url.strip()
    if url and (not url.startswith("s3://") or not url[len("s3://"):].split("/", 1)[0]):
        raise ConfigError(
            f'{path}: storage.url ska vara "s3://HINK/PREFIX" (eller tomt för mappen storage.path),'
            f" fick {url!r}"
        )
    if settings.delivery.max_per_minute < 0:
        raise ConfigError(f"{path}: delivery.max_per_minute måste vara 0 (ingen gräns) eller större")
    if settings.retention.raw_message_days < 0 or settings.retention.minutes_years < 0:
        raise ConfigError(
            f"{path}: retention.raw_message_days och retention.minutes_years får inte vara negativa"
        )


def listen_host(listen: str) -> str:
    """Return the host part of a ``host:port`` listen address (``[::1]:8080`` gives ``::1``)."""
    host = listen.rsplit(":", 1)[0] if ":" in listen else listen
    return host.strip("[]")


def _check_web(settings: Settings, path: Path) -> None:
    """Refuse a web page that would let anyone in, or trust a header nobody named."""
    web = settings.web
    if web.auth == "header" and not web.trusted_user_header.strip():
        raise ConfigError(
            f'{path}: web.auth = "header" kräver web.trusted_user_header — namnet på den header som'
            " inloggningsproxyn sätter till användarens e-postadress"
        )
    if web.auth == "none" and listen_host(web.listen) not in LOOPBACK:
        raise ConfigError(
            f'{path}: web.auth = "none" är bara tillåtet när sidan lyssnar på 127.0.0.1'
            f" (web.listen = {web.listen!r}) — använd magic_link eller header"
        )
    for address in web.admins:
        if "@" not in address:
            raise ConfigError(f"{path}: web.admins: {address!r} är ingen e-postadress")


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
