"""Drafts as the unit's mailbox receives them: with the Authentication-Results the trusted MX adds on top."""

from __future__ import annotations

import email.policy
import email.utils
from email.parser import BytesHeaderParser

from tests.support.shared import shared_path

CASES = shared_path("corpus", "cases")
"""The corpus drafts, one folder a case (message.eml, expected.json), as their senders wrote them."""

TRUSTED_AUTHSERV_ID = "mx.exempelby.se"
"""The MX whose verdict counts: ``trusted_authserv_id`` in tests/support/configs.py and config/minnes.toml."""

AUTHENTICATION_RESULTS = (
    "Authentication-Results: " + TRUSTED_AUTHSERV_ID + "; spf=pass smtp.mailfrom={domain}; "
    "dkim=pass header.d={domain}; dmarc=pass header.from={domain}"
)
"""The header the trusted MX adds to mail that passed SPF, DKIM and DMARC for ``{domain}``."""


def corpus_draft(case: str) -> bytes:
    """Return a corpus case's message.eml as it is: no Authentication-Results, like mail from outside."""
    return (CASES / case / "message.eml").read_bytes()


def from_domain(raw: bytes) -> str:
    """Return the domain of the message's (first) From address, lower case; '' when there is none."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    addresses = email.utils.getaddresses([str(v) for v in headers.get_all("From", [])])
    for _name, address in addresses:
        local, at, domain = address.rpartition("@")
        if local and at and domain:
            return domain.strip().lower()
    return ""


def authenticated(raw: bytes, domain: str | None = None) -> bytes:
    """Return the draft with the trusted MX's passing Authentication-Results as its topmost header.

    ``domain`` is the domain the verdict names; the From domain of the message when not given. The
    header uses the message's own line ending (CRLF or LF); the rest of the bytes are left as they are.
    """
    d = domain if domain is not None else from_domain(raw)
    if not d:
        raise ValueError("the draft has no From address to authenticate; pass domain=")
    first_line = raw.split(b"\n", 1)[0]
    newline = b"\r\n" if first_line.endswith(b"\r") else b"\n"
    return AUTHENTICATION_RESULTS.format(domain=d).encode("ascii") + newline + raw
