"""axe-core (from npm, ``npm ci``) run in headless Chromium over pages of the archive.

axe is added to each page through the DevTools protocol (``Runtime.evaluate``), so the page's CSP,
which forbids inline and foreign scripts, needs no exception for it.

From a shell, against a running ``minnes web`` with ``auth = "header"``::

    python -m tests.support.axe http://127.0.0.1:8080 --user it.admin@exempelby.se / /verify
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.chromium import Browser
from tests.support.web import USER_HEADER

ROOT = Path(__file__).resolve().parents[2]
"""The project folder, which holds package.json and (after ``npm ci``) node_modules."""

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core as npm installs it."""

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
"""The rules DOS-lagen asks for: WCAG 2.1 level A and AA."""


class AxeMissing(RuntimeError):
    """axe-core is not installed in the project's node_modules."""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page, with the elements that break it."""

    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    html: tuple[str, ...]

    def __str__(self) -> str:
        where = "; ".join(f"{t} {h}" for t, h in zip(self.targets, self.html, strict=False))
        return f"{self.page}: {self.rule} ({self.impact}) {self.help} – {where}"


def axe_source() -> str:
    """Return axe.min.js, or raise with how to install it."""
    if not AXE_JS.is_file():
        raise AxeMissing(f"axe-core saknas ({AXE_JS}): kör `npm ci` i {ROOT} (make test gör det).")
    return AXE_JS.read_text(encoding="utf-8")


_RUN = """
axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']}).then(r =>
  r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160)}))})))
"""


def check_page(browser: Browser, url: str, *, label: str = "") -> list[Violation]:
    """Open ``url`` in ``browser`` and return what axe finds there."""
    browser.goto(url)
    return check_open_page(browser, label or url)


def check_open_page(browser: Browser, label: str) -> list[Violation]:
    """Return what axe finds on the page ``browser`` shows now (e.g. a form's answer)."""
    if not browser.evaluate("typeof window.axe === 'object'"):
        browser.evaluate(axe_source() + "\n;true")
    found = browser.evaluate(_RUN % json.dumps(list(WCAG_TAGS))) or []
    return [
        Violation(
            label,
            v["id"],
            v["impact"],
            v["help"],
            tuple(n["target"] for n in v["nodes"]),
            tuple(n["html"] for n in v["nodes"]),
        )
        for v in found  # type: ignore[union-attr]
    ]


def check_pages(base_url: str, paths: list[str], *, user: str | None = None,
                browser: Browser | None = None) -> list[Violation]:
    """Run axe over every path under ``base_url``, as ``user`` (the trusted header) or nobody."""
    own = browser is None
    chromium = browser or Browser(timeout=60)
    try:
        chromium.clear_cookies()
        chromium.set_headers({USER_HEADER: user} if user else {})
        found: list[Violation] = []
        for path in paths:
            found += check_page(chromium, base_url.rstrip("/") + path, label=path)
        return found
    finally:
        if own:
            chromium.close()


def main(argv: list[str] | None = None) -> int:
    """Check pages of a running archive page; print each violation and a summary."""
    parser = argparse.ArgumentParser(description="axe-core (WCAG 2.1 A/AA) över sidor i arkivet")
    parser.add_argument("base_url")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--user", help=f"värdet på {USER_HEADER} (auth = \"header\")")
    args = parser.parse_args(argv)
    found = check_pages(args.base_url, args.paths, user=args.user)
    for violation in found:
        print(violation)
    print(f"axe: {len(found)} violations on {len({v.page for v in found})} of {len(args.paths)} pages")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
