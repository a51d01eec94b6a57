"""Benchmark: render + sign typical minutes, against a bare reportlab render plus one RSA signature."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12

from service.domain.workplace import Member, Workplace
from service.pdf.keys import ensure_signing_key
from service.pdf.render import render_minutes, render_reportlab
from service.pdf.sign import Signer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support is not installed with the package

from tests.support.rosters import AGENDA, STANDARD_AGENDA  # noqa: E402 - the standard APT agenda

GOAL = 1.3
"""The ratio the issue asks for at most."""

WORKPLACE = Workplace(
    id="hemtjanst-norr", name="Hemtjänst Norr", kind="apt", organisation="Exempelby kommun",
    members=(Member("Maria Lind", "maria.lind@exempelby.se", "manager"),
             Member("Karin Berg", "karin.berg@exempelby.se", "safety_rep")),
    agenda=STANDARD_AGENDA,
)


def typical_minutes() -> dict:
    """Return minutes of a typical APT: nine items, a few decisions and actions, one unplanned section."""
    items = []
    for n, title in enumerate(AGENDA, 1):
        items.append({
            "number": n, "title": title, "heading": f"{n}. {title}",
            "text": f"Genomgång av {title.lower()}. Personalen diskuterade läget och ställde frågor. "
                    "Chefen svarade och lovade att återkomma med mer information till nästa möte.",
            "decisions": [], "actions": [],
        })
    items[3]["decisions"] = ["En riskbedömning av förflyttningar görs innan nya brukare tas emot."]
    items[3]["actions"] = [
        {"what": "Beställa glidlakan till alla bilar.", "owner": "Johan Ek", "due": "2026-12-15"},
        {"what": "Boka skyddsrond i januari.", "owner": "Karin Berg", "due": "2027-01-15"},
    ]
    items[5]["decisions"] = ["Vikarier tas in från den 1 december."]
    items[6]["text"] = ""
    items[6]["heading"] = None
    return {
        "status": "accepted", "error": None,
        "meeting": {"workplace": "hemtjanst-norr", "workplace_name": "Hemtjänst Norr", "kind": "apt",
                    "date": "2026-11-20", "start": "13:00", "end": "14:30", "location": "Personalrummet"},
        "roles": {"chair": "Maria Lind", "note_taker": "Anna Svensson", "adjusters": [],
                  "safety_reps": ["Karin Berg"]},
        "attendance": {"present": ["Maria Lind", "Karin Berg", "Anna Svensson", "Johan Ek", "Fatima Ali"],
                       "absent": ["Sara Holm"]},
        "items": items,
        "unplanned": [{"heading": "Julbord", "text": "Julbordet blir den 18 december.",
                       "decisions": [], "actions": [{"what": "Boka bord", "owner": "Anna Svensson",
                                                     "due": "2026-12-01"}]}],
        "missing": [7], "warnings": [],
    }


def _median_ms(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Run the functions in turn, `runs` rounds, and return each one's median wall time in milliseconds.

    Interleaving the functions keeps a change in machine load from favouring one of them.
    """
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, bucket in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            bucket.append((time.perf_counter() - start) * 1000)
    return [statistics.median(bucket) for bucket in times]


def main(runs: int = 41) -> float:
    """Print render+sign time, the bare baseline and their ratio; return the ratio."""
    minutes = typical_minutes()
    with tempfile.TemporaryDirectory() as tmp:
        key_path = Path(tmp) / "signing.p12"
        ensure_signing_key(key_path, "bench", common_name="Exempelby kommun – Minnes",
                           organisation="Exempelby kommun")
        signer = Signer.load(key_path, "bench")
        raw_key = pkcs12.load_key_and_certificates(key_path.read_bytes(), b"bench")[0]

    def ours() -> bytes:
        return signer.sign(render_minutes(minutes, WORKPLACE), verify_url="http://127.0.0.1:8080/verifiera")

    def baseline() -> bytes:
        pdf, _slot, _title = render_reportlab(minutes, WORKPLACE)
        return raw_key.sign(pdf, PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]

    unsigned = render_minutes(minutes, WORKPLACE)

    def render_only() -> bytes:
        return render_minutes(minutes, WORKPLACE)

    def sign_only() -> bytes:
        return signer.sign(unsigned, verify_url="http://127.0.0.1:8080/verifiera")

    for _ in range(3):  # warm up: fonts registered, stamp template and code paths loaded
        ours()
        baseline()
    t_ours, t_base, t_render, t_sign = _median_ms([ours, baseline, render_only, sign_only], runs)
    ratio = t_ours / t_base
    print(f"render + signering (PDF/A-1b, PAdES, synlig signatur): {t_ours:7.1f} ms (median av {runs})")
    print(f"  varav rendering till PDF/A-1b:                       {t_render:7.1f} ms")
    print(f"  varav signering:                                     {t_sign:7.1f} ms")
    print(f"ren reportlab-rendering + en RSA-signatur:               {t_base:7.1f} ms")
    print(f"kvot: {ratio:.2f}× (mål: högst {GOAL}×)")
    return ratio


if __name__ == "__main__":
    sys.exit(0 if main() <= GOAL else 1)
