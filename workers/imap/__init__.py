"""IMAP intake: fetch drafts from the unit's mailbox, hand each to the archive, then file it away.

A message is handed to ``accept`` with ``BODY.PEEK[]`` (so it stays unread) and only moved out of
the watched folder once ``accept`` has returned, i.e. once it is stored. Its ``RFC822.SIZE`` is asked
first: of a message larger than ``max_message_bytes`` only the header block is fetched and handed on
(with the real size), and it is moved to the failed folder. If the move is lost (the
connection drops in between) the message is simply fetched again: ``accept`` is idempotent. A
changed UIDVALIDITY therefore needs no special care either: everything in the folder is fetched
again and the archive recognises what it already has.

The modules, whose public names are all importable from ``workers.imap``:

- :mod:`workers.imap.protocol`: reading the server's answers, pure (values in, values out);
- :mod:`workers.imap.connection`: the one seam that opens connections (TLS from
  :mod:`service.mail.tls`, keepalive, login) and prepares folders;
- :mod:`workers.imap.tokens`: the password or the OAuth2 token source;
- :mod:`workers.imap.intake`: :class:`ImapIntake`, one pass over the folder and the IDLE loop;
- :mod:`workers.imap.errors`: :class:`ImapError`, :class:`ImapLoginError`.
"""

from __future__ import annotations

from workers.imap.connection import CONNECT_TIMEOUT, READ_TIMEOUT, connect
from workers.imap.errors import ImapError, ImapLoginError
from workers.imap.intake import (
    BACKOFF_INITIAL,
    BACKOFF_MAX,
    IDLE_TICK,
    LOGIN_BACKOFF,
    MAX_IDLE_SECONDS,
    SIZE_BATCH,
    Accept,
    ImapIntake,
)
from workers.imap.tokens import (
    M365_SCOPE,
    TOKEN_COMMAND_TIMEOUT,
    Secret,
    imap_secret,
    token_from_command,
    token_from_file,
    token_from_msal,
)
from workers.intake import MessageRefused

__all__ = [
    "BACKOFF_INITIAL",
    "BACKOFF_MAX",
    "CONNECT_TIMEOUT",
    "IDLE_TICK",
    "LOGIN_BACKOFF",
    "M365_SCOPE",
    "MAX_IDLE_SECONDS",
    "READ_TIMEOUT",
    "SIZE_BATCH",
    "TOKEN_COMMAND_TIMEOUT",
    "Accept",
    "ImapError",
    "ImapIntake",
    "ImapLoginError",
    "MessageRefused",
    "Secret",
    "connect",
    "imap_secret",
    "token_from_command",
    "token_from_file",
    "token_from_msal",
]
