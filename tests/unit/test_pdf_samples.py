"""Throwaway signing keys shared by the PDF tests (no tests here).

The sample minutes and their workplace live in tests/support/minutes.py; ``short_minutes``,
``long_minutes`` and ``WORKPLACE`` are named here too for tests that still import them from here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.pdf.keys import make_self_signed_pkcs12
from tests.support.minutes import WORKPLACE, long_minutes
from tests.support.minutes import sample_minutes as short_minutes

__all__ = ["PASSPHRASE", "WORKPLACE", "long_minutes", "short_minutes", "write_key"]

PASSPHRASE = "prov-lösen"
"""The passphrase of every key :func:`write_key` writes."""


def write_key(folder: Path, *, name: str = "signing.p12", common_name: str = "Exempelby kommun – Minnes",
              expired: bool = False) -> Path:
    """Write a throwaway PKCS#12 key (2048-bit, fast) and return its path."""
    now = datetime.now(UTC)
    kw = {}
    if expired:
        kw = {"not_before": now - timedelta(days=400), "not_after": now - timedelta(days=30)}
    data = make_self_signed_pkcs12(PASSPHRASE, common_name=common_name, organisation="Exempelby kommun",
                                   key_size=2048, **kw)
    path = folder / name
    path.write_bytes(data)
    return path
