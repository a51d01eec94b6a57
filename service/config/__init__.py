"""Settings and workplace files, validated with errors that name the file, the key and the fix.

- :mod:`~service.config.settings`: the settings of ``minnes.toml`` as frozen dataclasses, and
  :class:`Config`, a loaded folder;
- :mod:`~service.config.sections`: a TOML table to a settings dataclass (unknown keys refused,
  ``MINNES_<SECTION>_<KEY>`` environment overrides applied);
- :mod:`~service.config.workplaces`: ``workplaces/<id>.toml`` and its roster;
- :mod:`~service.config.loading`: a whole folder, with the checks that span keys.
"""

from __future__ import annotations

from service.config.errors import ConfigError
from service.config.loading import default_directory, load_config, load_settings
from service.config.sections import CHOICES, ENV_PREFIX
from service.config.settings import (
    Config,
    DatabaseSettings,
    DeliverySettings,
    ImapSettings,
    IntakeSettings,
    PrivacySettings,
    RedisSettings,
    Settings,
    SigningSettings,
    SmtpSettings,
    StorageSettings,
    WebSettings,
    WorkerSettings,
)
from service.config.workplaces import AGENDA_KEYS, WORKPLACE_KEYS, load_workplace

__all__ = [
    "AGENDA_KEYS",
    "CHOICES",
    "ENV_PREFIX",
    "WORKPLACE_KEYS",
    "Config",
    "ConfigError",
    "DatabaseSettings",
    "DeliverySettings",
    "ImapSettings",
    "PrivacySettings",
    "IntakeSettings",
    "RedisSettings",
    "Settings",
    "SigningSettings",
    "SmtpSettings",
    "StorageSettings",
    "WebSettings",
    "WorkerSettings",
    "default_directory",
    "load_config",
    "load_settings",
    "load_workplace",
]
