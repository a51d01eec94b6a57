"""What changed between two versions of the same meeting's minutes, item by item (not built yet)."""

from __future__ import annotations

from typing import Any


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Return the changes from ``old`` to ``new`` (structured minutes JSON) as plain data."""
    return {}
