"""The embedded fonts the minutes PDF and the signature stamp are set in."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
"""Body text face."""

BOLD = "DejaVuSans-Bold"
"""Headings and labels."""

OBLIQUE = "DejaVuSans-Oblique"
"""Remarks such as an item not covered."""

BOLD_OBLIQUE = "DejaVuSans-BoldOblique"
"""Bold italic, for markup completeness."""

FONT_DIR_ENV = "MINNES_FONT_DIR"
"""Environment variable naming a folder with the DejaVu TTF files, overriding the search."""

SEARCH_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts/dejavu"),
)
"""Where Debian (`fonts-dejavu-core`) and other systems keep DejaVu."""

_FACES = (REGULAR, BOLD, OBLIQUE, BOLD_OBLIQUE)
_lock = threading.Lock()
_registered = False


class FontMissingError(RuntimeError):
    """The DejaVu fonts are not installed."""


def font_dir() -> Path:
    """Return the folder that holds the DejaVu TTF files."""
    candidates = [Path(os.environ[FONT_DIR_ENV])] if os.environ.get(FONT_DIR_ENV) else []
    candidates += list(SEARCH_DIRS)
    for folder in candidates:
        if all((folder / f"{face}.ttf").is_file() for face in _FACES):
            return folder
    raise FontMissingError(
        "Typsnittet DejaVu Sans saknas (sökte i "
        + ", ".join(str(c) for c in candidates)
        + "). Installera det med `apt-get install fonts-dejavu-core` "
        f"eller peka ut mappen med {FONT_DIR_ENV}."
    )


def register_fonts() -> None:
    """Register the DejaVu faces with reportlab once per process, as one family."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = font_dir()
        for face in _FACES:
            pdfmetrics.registerFont(TTFont(face, str(folder / f"{face}.ttf")))
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, OBLIQUE)
        addMapping(REGULAR, 1, 1, BOLD_OBLIQUE)
        _registered = True
