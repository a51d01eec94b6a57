"""What the IMAP intake raises, and what it catches from imapclient, imaplib and the socket."""

from __future__ import annotations

import ssl

from imapclient.exceptions import IMAPClientError


class ImapError(Exception):
    """The IMAP server could not be reached, or it refused or failed a command."""


class ImapLoginError(ImapError):
    """The IMAP server did not accept the login."""


IMAP_ERRORS = (IMAPClientError, OSError, ssl.SSLError, EOFError)
"""Everything imapclient, imaplib and the socket raise for a broken connection or a NO/BAD answer."""
