"""Check a signed minutes PDF: signature intact, made with a known key, nothing changed afterwards.

The PDF may come from anyone (the public ``/verify`` page), so :func:`verify_pdf` never parses it in
the calling process: a child process (``service.pdf.verify_child``) does, under CPU, memory and
wall-clock limits, examines at most :data:`MAX_SIGNATURES` signatures and answers with a small JSON
object. The caller's memory is the same afterwards, whatever the file held.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from service.pdf.verify_child import MEMORY_EXIT

LOCAL_ZONE = "Europe/Stockholm"
"""The zone signing times are shown in."""


LEVEL_B = "B-B"
"""PAdES baseline: a signature, no time stamp."""
LEVEL_T = "B-T"
"""PAdES baseline with a signature time stamp."""
LEVEL_LT = "B-LT"
"""B-T plus the validation data (certificates, CRL or OCSP answers) in the document security store."""
LEVEL_LTA = "B-LTA"
"""B-LT plus a document time stamp over it: verifiable after the signing certificate expired."""

LEVEL_TEXT = {
    LEVEL_B: "signatur utan tidsstämpel",
    LEVEL_T: "signatur med tidsstämpel",
    LEVEL_LT: "signatur med tidsstämpel och inbäddad valideringsdata",
    LEVEL_LTA: "signatur med tidsstämpel, inbäddad valideringsdata och dokumenttidsstämpel (långtidsgiltig)",
}
"""What each level means, in Swedish, for the result."""

MAX_SIGNATURES = 10
"""Most signatures examined in one file; a Minnes PDF has one, a bomb has thousands."""

MAX_CHILDREN = 2
"""Most verification children one process runs at once; more uploads wait for a free one."""

CHILD_COMMAND: tuple[str, ...] = ("-m", "service.pdf.verify_child")
"""How this Python starts the verification child (tests put a stand-in here)."""

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The folder that holds the ``service`` package, for the child's import path."""

_ANSWER_BYTES = 64 * 1024
"""Largest answer accepted from the child; a real one is well under 2 KB."""

_children = threading.BoundedSemaphore(MAX_CHILDREN)

# Why a file could not be checked (``Verification.problem``); empty when it was checked.
UNREADABLE = "unreadable"
"""Not a readable PDF: damaged, truncated or not a PDF at all."""
CPU = "cpu"
"""The check used up its CPU time."""
MEMORY = "memory"
"""The check used up its memory."""
TIMEOUT = "timeout"
"""The check took longer than its wall-clock time."""
FAILED = "failed"
"""The child ended without an answer."""
BUSY = "busy"
"""Every verification child was busy for the whole wall-clock time."""


@dataclass(frozen=True)
class Limits:
    """What one verification may use."""

    cpu_seconds: int = 5
    """CPU time of the child, whole seconds (SIGXCPU, then SIGKILL a second later)."""

    memory_bytes: int = 512 * 1024 * 1024
    """Address space of the child."""

    wall_seconds: float = 8.0
    """Time the caller waits for the child's answer (and for a free child)."""

    max_signatures: int = MAX_SIGNATURES
    """Most signatures examined; the rest are counted, not checked."""


DEFAULT_LIMITS = Limits()
"""The limits of the ``/verify`` page and ``minnes verify``."""


class CertificateFormatError(ValueError):
    """A trusted certificate is neither PEM nor DER."""


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one PDF."""

    valid: bool
    """True only when every signature is intact, trusted and covers the document (or allowed additions)."""

    signer: str
    """The signer's name from the certificate; empty when there is no signature."""

    signed_at: datetime | None
    """When it was signed: the time-stamp token's time if any, else the time the signer states."""

    reason: str
    """Why it is valid or not, in Swedish."""

    sha256: str
    """SHA-256 of the whole file, hex."""

    intact: bool = False
    """The signed bytes are unchanged."""

    trusted: bool = False
    """The certificate is one of the trusted ones."""

    covers_document: bool = False
    """The signature covers the file, or later revisions only add what signing allows."""

    signatures: int = 0
    """How many signatures the file has."""

    certificate_sha256: str = ""
    """SHA-256 of the signer's certificate (DER), hex; identifies the key used."""

    timestamped: bool = False
    """The signature carries a time-stamp token (PAdES B-T)."""

    level: str = ""
    """The PAdES baseline level of the (last) signature: ``B-B``, ``B-T``, ``B-LT`` or ``B-LTA``."""

    timestamp_authority: str = ""
    """Who issued the document time stamp (B-LTA), by common name."""

    minutes: str = ""
    """Which minutes this is, when the caller found the file in the archive (filled by the caller)."""

    examined: int = 0
    """How many of the signatures were examined (at most the limit's ``max_signatures``)."""

    problem: str = ""
    """Why the file could not be checked at all (``UNREADABLE``, ``CPU``, ...); empty when it was."""

    detail: str = ""
    """The reading error's own words, for a file that could not be read."""

    def summary(self) -> str:
        """Describe the result in Swedish lines for the command line."""
        lines = [f"Fil (SHA-256): {self.sha256}"]
        if self.signatures:
            lines.append(f"Signerad av: {self.signer or 'okänd'}")
            if self.signed_at is not None:
                source = "tidsstämpel" if self.timestamped else "uppgiven av signeraren"
                lines.append(f"Signerad: {_local(self.signed_at)} ({source})")
            if self.level:
                lines.append(f"Nivå: PAdES {self.level} ({LEVEL_TEXT.get(self.level, '')})")
            if self.timestamp_authority:
                lines.append(f"Tidsstämplar från: {self.timestamp_authority}")
        if self.signatures > self.examined and not self.problem:
            lines.append(
                f"Kontrollerade signaturer: {self.examined} av {self.signatures}; "
                f"de övriga {self.signatures - self.examined} kontrollerades inte"
            )
        if self.minutes:
            lines.append(f"Protokoll: {self.minutes}")
        verdict = "GILTIG" if self.valid else "INTE GILTIG"
        lines.append(f"Resultat: {verdict} – {self.reason}")
        return "\n".join(lines)

    def to_plain(self) -> dict:
        """Return the fields as JSON-ready strings, numbers and booleans."""
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        plain["signed_at"] = self.signed_at.isoformat() if self.signed_at is not None else None
        return plain

    @classmethod
    def from_plain(cls, plain: dict, *, sha256: str) -> Verification:
        """Rebuild a result from :meth:`to_plain`'s fields, keeping only known fields of the right type."""
        kw: dict[str, object] = {}
        for f in fields(cls):
            value = plain.get(f.name)
            if f.name in ("sha256", "signed_at") or value is None:
                continue
            kind = {"bool": bool, "int": int}.get(str(f.type), str)
            if type(value) is kind:
                kw[f.name] = value[:2000] if isinstance(value, str) else value
        signed_at = plain.get("signed_at")
        try:
            kw["signed_at"] = datetime.fromisoformat(signed_at) if isinstance(signed_at, str) else None
        except ValueError:
            kw["signed_at"] = None
        kw.setdefault("valid", False)
        kw.setdefault("signer", "")
        kw.setdefault("reason", "")
        return cls(sha256=sha256, **kw)  # type: ignore[arg-type]


def _local(moment: datetime) -> str:
    """Format a time in Swedish local time."""
    try:
        return moment.astimezone(ZoneInfo(LOCAL_ZONE)).strftime("%Y-%m-%d %H:%M:%S (svensk tid)")
    except ZoneInfoNotFoundError:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def load_certificates(certs: Iterable[bytes]) -> list[asn1_x509.Certificate]:
    """Parse PEM (one or more blocks) or DER certificates."""
    out: list[asn1_x509.Certificate] = []
    for data in certs:
        try:
            if pem.detect(data):
                out += [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
            else:
                out.append(asn1_x509.Certificate.load(data))
        except (ValueError, TypeError) as exc:
            raise CertificateFormatError(f"Ett betrott certifikat kunde inte läsas: {exc}") from exc
    return out


def _invalid(sha: str, reason: str, **kw: object) -> Verification:
    """Build a refusal."""
    return Verification(valid=False, signer=str(kw.pop("signer", "")), signed_at=kw.pop("signed_at", None),
                        reason=reason, sha256=sha, **kw)  # type: ignore[arg-type]


def verify_pdf(
    data: bytes, *, trusted_certs: Iterable[bytes] = (), limits: Limits = DEFAULT_LIMITS,
    at: datetime | None = None,
) -> Verification:
    """Check the PDF's signatures against the trusted certificates, in a child process under ``limits``.

    ``at`` is the time of the check (default now; tests move it past a certificate's expiry). A file
    that cannot be checked comes back not valid, with ``problem`` saying why.
    """
    sha = hashlib.sha256(data).hexdigest()
    certs = [bytes(c) for c in trusted_certs]
    load_certificates(certs)  # a broken trusted certificate is the installation's error, raised here
    if not _children.acquire(timeout=limits.wall_seconds):
        return _problem(sha, BUSY, limits)
    try:
        return _run_child(data, certs, sha, limits, at)
    finally:
        _children.release()


def _run_child(data: bytes, certs: list[bytes], sha: str, limits: Limits,
               at: datetime | None = None) -> Verification:
    """Run one verification child and turn its answer, or its end, into a result."""
    request = {"trusted": [base64.b64encode(c).decode("ascii") for c in certs],
               "max_signatures": limits.max_signatures}
    if at is not None:
        request["at"] = at.astimezone(UTC).isoformat()
    command = [sys.executable, *CHILD_COMMAND, "--cpu", str(limits.cpu_seconds),
               "--memory", str(limits.memory_bytes)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run(
            command, input=json.dumps(request).encode("ascii") + b"\n" + data, capture_output=True,
            timeout=limits.wall_seconds, env=env, close_fds=True, check=False,
        )
    except subprocess.TimeoutExpired:
        return _problem(sha, TIMEOUT, limits)
    except OSError as exc:
        logging.getLogger(__name__).error("verification child could not start: %s", exc)
        return _problem(sha, FAILED, limits)
    answer = None
    if done.returncode == 0 and len(done.stdout) <= _ANSWER_BYTES:
        try:
            answer = json.loads(done.stdout)
        except ValueError:
            answer = None
    if isinstance(answer, dict):
        if "valid" in answer:
            return Verification.from_plain(answer, sha256=sha)
        if answer.get("problem") in (MEMORY, UNREADABLE):
            detail = answer.get("detail")
            return _problem(sha, answer["problem"], limits, detail=detail if isinstance(detail, str) else "")
    if done.returncode == -signal.SIGXCPU:
        return _problem(sha, CPU, limits)
    if done.returncode == MEMORY_EXIT or b"MemoryError" in done.stderr[-4000:]:
        return _problem(sha, MEMORY, limits)
    logging.getLogger(__name__).error(
        "verification child ended with %s: %s", done.returncode, done.stderr[-500:].decode("utf-8", "replace")
    )
    return _problem(sha, FAILED, limits)


PROBLEM_REASONS = {
    UNREADABLE: "Filen kunde inte läsas som PDF: den är trasig, ofullständig eller ingen PDF.",
    CPU: "Kontrollen avbröts: filen krävde mer än {cpu} s processortid.",
    MEMORY: "Kontrollen avbröts: filen krävde mer än {memory} MB minne.",
    TIMEOUT: "Kontrollen avbröts: den tog längre tid än {wall} s.",
    FAILED: "Filen kunde inte kontrolleras: kontrollen avbröts oväntat.",
    BUSY: "Kontrollen är upptagen just nu. Försök igen om en stund.",
}
"""The Swedish reason for each problem; ``{cpu}``, ``{memory}`` and ``{wall}`` are the limits."""


def _problem(sha: str, code: str, limits: Limits = DEFAULT_LIMITS, *, detail: str = "") -> Verification:
    """Build the result of a file that could not be checked."""
    detail = detail[:300]
    reason = PROBLEM_REASONS[code].format(
        cpu=limits.cpu_seconds, memory=limits.memory_bytes // (1024 * 1024), wall=f"{limits.wall_seconds:g}"
    )
    if detail:
        reason = f"{reason[:-1]} ({detail})."
    return _invalid(sha, reason, problem=code, detail=detail)

