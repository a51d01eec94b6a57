"""What every intake (maildir, IMAP) shares with the function that takes messages in."""

from __future__ import annotations


class MessageRefused(Exception):
    """Raised by ``accept``: the message cannot be processed at all and is filed as failed, not retried."""
