"""The child process that checks one PDF under CPU and memory limits (see ``service.pdf.verify``).

Started as ``python -m service.pdf.verify_child --cpu SECONDS --memory BYTES``. It sets its own
limits before it imports pyHanko, reads one JSON line from stdin (``trusted``: the certificates,
base64; ``max_signatures``; optionally ``at``, the ISO time of the check) followed by the PDF's
bytes, and writes one JSON object to stdout: the plain fields of a
:class:`~service.pdf.verify.Verification`, or ``{"problem": "memory"}``. Only strings, numbers and
booleans go back to the parent; nothing read from the PDF is ever pickled.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import sys

MEMORY_EXIT = 3
"""Exit status when even the answer could not be written for lack of memory."""


def apply_limits(cpu_seconds: int, memory_bytes: int) -> None:
    """Limit this process: CPU seconds (SIGXCPU, then SIGKILL a second later), address space, no core."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = max(1, int(cpu_seconds))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (int(memory_bytes), int(memory_bytes)))


def check(request: dict, data: bytes) -> dict:
    """Verify the PDF in this process and return the plain result."""
    from datetime import datetime

    from service.pdf.signatures import verify_pdf_here

    trusted = [base64.b64decode(c) for c in request.get("trusted", [])]
    at = datetime.fromisoformat(request["at"]) if isinstance(request.get("at"), str) else None
    result = verify_pdf_here(data, trusted_certs=trusted, max_signatures=int(request["max_signatures"]),
                             at=at)
    return result.to_plain()


def main(argv: list[str] | None = None) -> int:
    """Apply the limits, check the PDF on stdin and write the answer to stdout."""
    parser = argparse.ArgumentParser(prog="verify_child")
    parser.add_argument("--cpu", type=int, required=True)
    parser.add_argument("--memory", type=int, required=True)
    args = parser.parse_args(argv)
    apply_limits(args.cpu, args.memory)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing a library prints can corrupt the answer
    try:
        import logging

        logging.disable(logging.CRITICAL)  # pyHanko logs a traceback per odd field; only the answer counts
        request = json.loads(sys.stdin.buffer.readline())
        data = sys.stdin.buffer.read()
        answer = check(request, data)
    except MemoryError:
        answer = {"problem": "memory"}
    except Exception as exc:  # noqa: BLE001 - anything a malformed PDF makes the libraries raise
        answer = {"problem": "unreadable", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    try:
        out.write(json.dumps(answer, ensure_ascii=True).encode("ascii"))
        out.close()
    except MemoryError:
        return MEMORY_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
