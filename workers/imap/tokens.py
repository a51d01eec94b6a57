"""The IMAP login secret: a password, or an OAuth2 token fetched fresh for every connection."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from service.config import ImapSettings
from workers.imap.errors import ImapLoginError

Secret = str | Callable[[], str]
"""A password or token, or a function that returns a fresh one on every connection."""

M365_SCOPE = "https://outlook.office365.com/.default"
"""The scope an app-only (client-credentials) token needs for IMAP on Microsoft 365."""

TOKEN_COMMAND_TIMEOUT = 30.0
"""Seconds a token command may run."""


def secret_value(value: Secret) -> str:
    """Return the password or token itself, asking a token source for a fresh one."""
    return value() if callable(value) else value


def token_from_file(path: Path | str) -> Callable[[], str]:
    """Return a function that reads a fresh OAuth2 token from a file on every connection."""
    path = Path(path)

    def read() -> str:
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImapLoginError(f"OAuth2-token kan inte läsas från {path}: {exc.strerror or exc}") from exc
        if not token:
            raise ImapLoginError(f"OAuth2-tokenfilen {path} är tom")
        return token

    return read


def token_from_command(command: str) -> Callable[[], str]:
    """Return a function that runs a command (no shell) and takes its output as a fresh token."""
    argv = shlex.split(command)
    if not argv:
        raise ImapLoginError("tomt kommando för OAuth2-token")

    def run() -> str:
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=TOKEN_COMMAND_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ImapLoginError(f"kommandot för OAuth2-token ({argv[0]}) gick inte att köra: {exc}") from exc
        token = done.stdout.strip()
        if done.returncode != 0 or not token:
            detail = (done.stderr.strip().splitlines() or [f"slutstatus {done.returncode}"])[-1]
            raise ImapLoginError(f"kommandot för OAuth2-token ({argv[0]}) gav ingen token: {detail}")
        return token

    return run


def token_from_msal(
    tenant: str, client_id: str, client_secret: str, *, scope: str = M365_SCOPE
) -> Callable[[], str]:
    """Return a function that gets an app-only Microsoft 365 token (msal client credentials)."""
    try:
        import msal  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ImapLoginError("msal saknas — installera den (pip install msal) för Microsoft 365") from exc
    app = msal.ConfidentialClientApplication(
        client_id,
        authority=f"https://login.microsoftonline.com/{tenant}",
        client_credential=client_secret,
    )

    def acquire() -> str:
        try:
            result = app.acquire_token_for_client(scopes=[scope])  # msal caches until expiry
        except Exception as exc:  # noqa: BLE001 - msal and requests raise many kinds
            raise ImapLoginError(f"Microsoft 365-token kunde inte hämtas: {exc}") from exc
        token = result.get("access_token")
        if not token:
            reason = result.get("error_description") or result.get("error") or "okänt fel"
            raise ImapLoginError(f"Microsoft 365 gav ingen token: {reason}")
        return token

    return acquire


def imap_secret(settings: ImapSettings, value: str) -> Secret:
    """Turn the value of ``password_env`` into what :class:`ImapIntake` takes.

    With ``auth = "password"`` it is the password. With ``auth = "xoauth2"`` it is the OAuth2 token
    source: ``file:PATH`` (a file kept fresh by another program), ``command:CMD ARGS`` (prints a
    token), ``msal:TENANT:CLIENT_ID:CLIENT_SECRET`` (Microsoft 365 client credentials), or else
    the access token itself.
    """
    if settings.auth != "xoauth2":
        return value
    kind, _, rest = value.partition(":")
    if kind == "file" and rest:
        return token_from_file(rest)
    if kind == "command" and rest:
        return token_from_command(rest)
    if kind == "msal" and rest:
        parts = rest.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ImapLoginError(
                f"{settings.password_env}: skriv msal:TENANT:CLIENT_ID:CLIENT_SECRET"
            )
        return token_from_msal(*parts)
    return value
