"""Text of a PDF attachment with a text layer, read by pdfminer.six in a child process with hard limits.

pdfminer is pure Python and trusts the file: a hostile PDF can make it decompress without bound or
loop for minutes. So the reading happens in a separate Python process with a memory ceiling and a
wall-clock timeout; this process only gets back JSON blocks (lines and table rows), laid out by
:mod:`service.mail.pdflayout`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from service.mail import pdflayout

MAX_PDF_BYTES = 30_000_000
"""A PDF larger than this is refused unread (the same budget as an unpacked .docx/.odt)."""

MAX_PDF_PAGES = 200
"""A PDF with more pages is refused: minutes are never that long."""

MAX_PDF_CHARS = 400_000
"""A PDF with more characters than this is refused (about 150 dense pages)."""

MAX_PDF_GRAPHICS = 50_000
"""A PDF drawing more lines and shapes than this is refused as too complex (each costs pdfminer ~60 µs)."""

TIMEOUT_SECONDS = 6.0
"""Wall-clock time the child process gets to read one PDF."""

MEMORY_BYTES = 1_500_000_000
"""Address space the child process may use (stops decompression bombs)."""

_INSTEAD = (
    "skicka dokumentet som .docx/.odt eller som PDF exporterad från Word, eller klistra in texten i mejlet"
)

PROBLEMS = {
    "scanned": f"PDF-filen innehåller bara bilder (skannad) och ingen text som går att läsa ut; {_INSTEAD}",
    "no_text": f"PDF-filen innehåller ingen text; {_INSTEAD}",
    "broken": f"PDF-filen är skadad eller ingen riktig PDF; {_INSTEAD}",
    "encrypted": f"PDF-filen är lösenordsskyddad; ta bort lösenordet eller {_INSTEAD}",
    "too_slow": f"PDF-filen är för komplicerad för att läsas inom rimlig tid; {_INSTEAD}",
    "too_much_text": f"PDF-filen innehåller orimligt mycket text för minnesanteckningar; {_INSTEAD}",
    "no_unicode": f"texten i PDF-filen går inte att läsa ut (teckensnitten saknar teckentabell); {_INSTEAD}",
    "too_many_pages": f"PDF-filen har {{pages}} sidor men högst {MAX_PDF_PAGES} kan läsas; "
    "skicka bara anteckningarna",
    "too_large": "PDF-filen är för stor ({size:.0f} MB, högst {limit:.0f} MB)",
    "ours": "PDF-filen är redan färdiga minnesanteckningar från Minnes; skriv ändringarna i mejlet "
    "eller bifoga det ändrade utkastet som .docx/.odt",
}
"""Why a PDF cannot be read, in Swedish, saying what to send instead (the reply adds more advice)."""


class PdfUnreadable(Exception):
    """The PDF cannot (or may not) be read; the message says why, in Swedish."""


# --------------------------------------------------------------------------- parent side


def pdf_blocks(data: bytes, timeout: float = TIMEOUT_SECONDS) -> list[dict]:
    """Read a PDF in a child process; return its blocks ({"text", "hint"} or {"table": rows})."""
    if len(data) > MAX_PDF_BYTES:
        raise PdfUnreadable(PROBLEMS["too_large"].format(size=len(data) / 1e6, limit=MAX_PDF_BYTES / 1e6))
    if b"%PDF-" not in data[:1024]:
        raise PdfUnreadable(PROBLEMS["broken"])
    if not sys.executable:  # embedded interpreter: no child to start, read here with the caps alone
        return _guarded(data)
    root = str(Path(__file__).resolve().parents[2])
    code = f"import sys; sys.path.insert(0, {root!r}); import service.mail.pdftext as m; m.child_main()"
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code], input=data, capture_output=True, timeout=timeout,
            env={"PATH": os.environ.get("PATH", "")}, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PdfUnreadable(PROBLEMS["too_slow"]) from exc
    except OSError as exc:
        raise PdfUnreadable(PROBLEMS["broken"]) from exc
    try:
        answer = json.loads(done.stdout)
    except ValueError as exc:  # killed by the memory ceiling, or crashed
        killed = done.returncode < 0 or b"MemoryError" in done.stderr
        raise PdfUnreadable(PROBLEMS["too_slow" if killed else "broken"]) from exc
    if not isinstance(answer, dict) or answer.get("error"):
        raise PdfUnreadable(str(answer["error"]) if isinstance(answer, dict) else PROBLEMS["broken"])
    return list(answer.get("blocks", []))


# --------------------------------------------------------------------------- child side


def child_main() -> None:
    """Read a PDF from stdin under the memory ceiling; write {"blocks": …} or {"error": …} to stdout."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        limit = int(TIMEOUT_SECONDS) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    import logging

    logging.disable(logging.CRITICAL)
    try:
        answer: dict = {"blocks": _guarded(sys.stdin.buffer.read())}
    except PdfUnreadable as exc:
        answer = {"error": str(exc)}
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))


def _guarded(data: bytes) -> list[dict]:
    """Return :func:`extract_blocks` of the data, any failure turned into :class:`PdfUnreadable`."""
    try:
        return extract_blocks(data)
    except PdfUnreadable:
        raise
    except MemoryError as exc:
        raise PdfUnreadable(PROBLEMS["too_slow"]) from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds (and RecursionError) on broken files
        raise PdfUnreadable(PROBLEMS["broken"]) from exc


def extract_blocks(data: bytes) -> list[dict]:
    """Lay out a PDF's text in reading order: lines with hints, blank lines and table rows."""
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise PdfUnreadable(PROBLEMS["encrypted"]) from exc
    info = resolve1(document.info[0]) if document.info else {}
    if isinstance(info, dict) and decode_text(resolve1(info.get("Creator")) or b"").strip() == "Minnes":
        raise PdfUnreadable(PROBLEMS["ours"])
    try:
        declared = int(resolve1(resolve1(document.catalog.get("Pages")).get("Count")))
    except Exception:  # noqa: BLE001 - a missing or odd /Count is checked while reading instead
        declared = 0
    if declared > MAX_PDF_PAGES:
        raise PdfUnreadable(PROBLEMS["too_many_pages"].format(pages=declared))
    counts = {"chars": 0, "graphics": 0}

    def spend(kind: str, cap: int, message: str) -> None:
        counts[kind] += 1
        if counts[kind] > cap:
            raise PdfUnreadable(message)

    class Aggregator(PDFPageAggregator):
        """A page aggregator that stops the reading when the character or graphics budget is spent."""

        def render_char(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            """Count the character and render it."""
            spend("chars", MAX_PDF_CHARS, PROBLEMS["too_much_text"])
            return super().render_char(*args, **kwargs)

        def paint_path(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            """Count the path and paint it."""
            spend("graphics", MAX_PDF_GRAPHICS, PROBLEMS["too_slow"])
            return super().paint_path(*args, **kwargs)

    params = LAParams(char_margin=1.5, word_margin=0.1, line_overlap=0.5, boxes_flow=None, all_texts=True)
    device = Aggregator(PDFResourceManager(caching=True), laparams=params)
    interpreter = PDFPageInterpreter(device.rsrcmgr, device)
    pages: list[pdflayout.Page] = []
    images = False
    raw: list[str] = []
    for number, page in enumerate(PDFPage.create_pages(document), 1):
        if number > MAX_PDF_PAGES:
            raise PdfUnreadable(PROBLEMS["too_many_pages"].format(pages=f"över {MAX_PDF_PAGES}"))
        interpreter.process_page(page)
        layout = device.get_result()
        segs: list[pdflayout.Seg] = []
        rules: list[tuple[float, float, float]] = []
        images = pdflayout.collect(layout, segs, rules) or images
        raw.extend(s.text for s in segs)
        pages.append(pdflayout.Page(pdflayout.group_rows(segs), rules, layout.y0, layout.y1))
    text = "".join(raw)
    if not text.strip():
        raise PdfUnreadable(PROBLEMS["scanned" if images or counts["graphics"] else "no_text"])
    if len("".join(pdflayout.CID.findall(text))) > 0.3 * len(text):
        raise PdfUnreadable(PROBLEMS["no_unicode"])
    return pdflayout.to_blocks(pages)
