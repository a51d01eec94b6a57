"""Unwrap text/plain bodies sent as format=flowed (RFC 3676) back into their paragraphs."""

from __future__ import annotations

import re

SIGNATURE_SEPARATOR = "-- "
"""The usenet signature separator: never flowed, never joined to a neighbour."""

QUOTE = ">"
"""The quote indicator; a line's quote depth is how many of them it starts with."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Line ends as lines_from_text reads them: CRLF, lone CR or lone LF."""


def _emit(depth: int, content: str) -> str:
    """Return one logical line with its quote indicators (and one stuffing space) put back."""
    if not depth:
        return content
    return QUOTE * depth + (" " + content if content else "")


def unflow(text: str, delsp: bool = False) -> str:
    """Join the soft-broken lines of a format=flowed body, in one pass over its lines.

    Per RFC 3676: the quote depth is the number of leading '>'; one space after them (or at the
    start of an unquoted line) is stuffing and is removed; a line then ending in a space is flowed
    and is joined to the next line of the same quote depth, with that space deleted first when
    DelSp=yes; the signature separator '-- ' is fixed. A flowed line followed by a line of another
    depth, by the signature separator or by the end ends its paragraph as it is.

    Two deliberate tolerances for real mailers: an empty line is never swallowed into the
    paragraph before it (a stray trailing space before a blank line meant a paragraph break, and
    the blank line separates sections for the structurer), and a line whose unstuffed content
    starts with '>' (mixed '> >' quoting) is neither joined nor joined to.
    """
    out: list[str] = []
    paragraph: list[str] = []
    paragraph_depth = 0
    for raw in _LINE_BREAK.split(text):
        content = raw.lstrip(QUOTE)
        depth = len(raw) - len(content)
        if content.startswith(" "):
            content = content[1:]
        fixed_alone = content in ("", SIGNATURE_SEPARATOR) or content.startswith(QUOTE)
        if paragraph and (fixed_alone or depth != paragraph_depth):
            out.append(_emit(paragraph_depth, "".join(paragraph)))
            paragraph = []
        if content.endswith(" ") and not fixed_alone:
            if not paragraph:
                paragraph_depth = depth
            paragraph.append(content[:-1] if delsp else content)
            continue
        if paragraph:
            paragraph.append(content)
            out.append(_emit(paragraph_depth, "".join(paragraph)))
            paragraph = []
        else:
            out.append(_emit(depth, content))
    if paragraph:
        out.append(_emit(paragraph_depth, "".join(paragraph)))
    return "\n".join(out)
