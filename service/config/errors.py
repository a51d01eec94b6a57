"""The one exception of the configuration: what is wrong, in which file and key, and how to fix it."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration file is missing, unreadable or wrong; the message says what to fix."""
