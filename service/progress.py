"""A progress bar for long work, shown only when standard error is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Draw ``label  done/total  [#####     ]`` on one terminal line, at most ten times a second."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` are finished."""
        if not self.shown:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = width * done // total if total else width
        self.stream.write(f"\r{self.label}  {done}/{total}  [{'#' * filled}{' ' * (width - filled)}]")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
