"""Reading ``minnes.toml``: a TOML table becomes a settings dataclass, with environment overrides.

Every key of a table must be a field of its dataclass (an unknown key is an error that names the
file and the key and lists the known ones); every field can be overridden by an environment
variable ``MINNES_<SECTION>_<KEY>`` (upper case, dots as ``_``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from pathlib import Path

from service.config.errors import ConfigError

ENV_PREFIX = "MINNES_"
"""Prefix of environment variables that override keys of ``minnes.toml``."""

CHOICES: dict[str, tuple[str, ...]] = {
    "intake.source": ("maildir", "imap"),
    "intake.unauthenticated_sender": ("confirm", "reject", "accept"),
    "privacy.check": ("hold", "warn", "off"),
    "intake.imap.security": ("ssl", "starttls", "none"),
    "intake.imap.auth": ("password", "xoauth2"),
    "delivery.method": ("outbox", "smtp"),
    "delivery.smtp.security": ("ssl", "starttls", "none"),
    "web.auth": ("magic_link", "header", "none"),
}
"""Keys whose value must be one of a fixed set."""


def read_toml(path: Path) -> dict:
    """Read a TOML file, or raise :class:`ConfigError` saying the file is missing, wrong or unreadable."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: filen saknas") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: felaktig TOML ({exc}) — rätta syntaxen") from None
    except OSError as exc:
        raise ConfigError(f"{path}: kan inte läsas ({exc.strerror})") from None


def env_name(dotted: str) -> str:
    """Return the environment variable that overrides a dotted key, e.g. ``MINNES_REDIS_URL``."""
    return ENV_PREFIX + dotted.replace(".", "_").upper()


def _field_type(cls: type, name: str) -> typing.Any:
    return typing.get_type_hints(cls)[name]


def _is_section(tp: typing.Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


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
    if tp is int or tp is float:
        what = "ett heltal" if tp is int else "ett tal"
        if isinstance(value, bool):
            raise ConfigError(f"{where}: väntade {what}, fick {value!r}")
        try:
            return tp(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: väntade {what}, fick {value!r}") from None
    if typing.get_origin(tp) is tuple:
        if from_env and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: väntade en lista av text, t.ex. [\"a@exempel.se\"], fick {value!r}")
        return tuple(value)
    if tp is Path or tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: väntade text inom citattecken, fick {value!r}")
        return Path(value) if tp is Path else value
    return value


def build_section(cls: type, data: dict, dotted: str, file: Path, base: Path) -> typing.Any:
    """Build one settings dataclass from a TOML table plus environment overrides.

    ``dotted`` is the table's key (``""`` for the whole file, ``"intake.imap"``…); relative paths are
    resolved against ``base``.
    """
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
            kwargs[f.name] = build_section(tp, data.get(f.name, {}), key, file, base)
            continue
        where = f"{file}: {key}"
        value: typing.Any = dataclasses.MISSING
        from_env = False
        env = env_name(key)
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
