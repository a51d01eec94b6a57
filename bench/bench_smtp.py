"""Mails per second through SmtpTransport against a bare reused-connection smtplib loop, same mails."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import smtplib
import ssl
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support is not installed with the package


def _serve(conn: multiprocessing.connection.Connection, tls: str, delay: float) -> None:  # type: ignore[name-defined]
    """Run an SmtpSink in this (child) process until told to stop; report port and counts."""
    from tests.support.smtp import SmtpSink

    with SmtpSink(tls=tls, keep_data=False, data_delay=delay) as sink:
        conn.send(sink.port)
        while True:
            command = conn.recv()
            if command == "count":
                conn.send(len(sink.received))
            elif command == "stop":
                conn.send(len(sink.received))
                return


class _Fanout:
    """The inputs of one fan-out: a workplace of ``count`` people and a PDF of ``pdf_kb`` KB."""

    def __init__(self, count: int, pdf_kb: int) -> None:
        from service.domain.workplace import Member, Workplace

        self.members = tuple(
            Member(name=f"Person {i} Testsson", email=f"person{i}@exempelby.se") for i in range(count)
        )
        self.workplace = Workplace(id="hemtjanst-norr", name="Hemtjänst Norr", kind="apt",
                                   members=self.members)
        self.minutes = {
            "meeting": {"date": "2026-11-20"},
            "items": [{
                "number": 1, "title": "Arbetsmiljö och hälsa", "decisions": ["Riskbedömning görs."],
                "actions": [{"what": "Beställa glidlakan.", "owner": "Johan Ek", "due": "2026-12-15"}],
            }],
            "unplanned": [],
        }
        self.pdf = b"%PDF-1.7\n" + os.urandom(pdf_kb * 1024)

    def compose(self, member: object) -> EmailMessage:
        from service.mail.compose import distribution

        return distribution(minutes=self.minutes, workplace=self.workplace, recipient=member, pdf=self.pdf,
                            minutes_id=1, version=1, archive_url="https://minnes.exempelby.se/protokoll/1",
                            sender="Minnes <minnes@exempelby.se>")

    def messages(self) -> list[tuple[EmailMessage, str]]:
        return [(self.compose(m), m.email) for m in self.members]


def _messages(count: int, pdf_kb: int) -> list[tuple[EmailMessage, str]]:
    """Compose ``count`` distribution mails with a PDF of about ``pdf_kb`` KB."""
    return _Fanout(count, pdf_kb).messages()


def _run_fanout(port: int, tls: str, context: ssl.SSLContext | None, fanout: _Fanout) -> float:
    """Compose and send each mail in turn, as the distribute job does (without the database)."""
    from service.config import SmtpSettings
    from service.mail.transport import SmtpTransport

    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security=tls, verify_tls=False),
                              ssl_context=context)
    start = time.perf_counter()
    with transport.session() as session:
        for member in fanout.members:
            result = session.send(fanout.compose(member), member.email)
            if not result.sent:
                raise SystemExit(f"fan-out: {member.email}: {result.answer}")
    return time.perf_counter() - start


def _run_transport(port: int, tls: str, context: ssl.SSLContext | None, mails: list) -> float:
    from service.config import SmtpSettings
    from service.mail.transport import SmtpTransport

    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security=tls, verify_tls=False),
                              ssl_context=context)
    start = time.perf_counter()
    with transport.session() as session:
        for msg, rcpt in mails:
            result = session.send(msg, rcpt)
            if not result.sent:
                raise SystemExit(f"SmtpTransport: {rcpt}: {result.answer}")
    return time.perf_counter() - start


def _run_bare(port: int, tls: str, context: ssl.SSLContext | None, mails: list) -> float:
    start = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    if tls == "starttls":
        smtp.starttls(context=context)
    for msg, rcpt in mails:
        smtp.send_message(msg, "minnes@exempelby.se", [rcpt])
    smtp.quit()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Print mails per second of SmtpTransport and of a bare smtplib loop, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=int(os.environ.get("BENCH_SMTP_COUNT", "400")))
    parser.add_argument("--pdf-kb", type=int, default=60, help="size of the attached PDF")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs each")
    parser.add_argument("--tls", choices=("none", "starttls"), default="none")
    parser.add_argument("--delay", type=float, default=0.0, help="server delay in DATA, seconds")
    args = parser.parse_args(argv)

    context = None
    if args.tls == "starttls":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    fanout = _Fanout(args.count, args.pdf_kb)
    mails = fanout.messages()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(child, args.tls, args.delay), daemon=True)
    server.start()
    try:
        port = parent.recv()
        _run_transport(port, args.tls, context, mails[:20])  # warm up both sides
        _run_bare(port, args.tls, context, mails[:20])
        ours, bare, full = [], [], []
        for _ in range(args.rounds):
            ours.append(_run_transport(port, args.tls, context, mails))
            bare.append(_run_bare(port, args.tls, context, mails))
            full.append(_run_fanout(port, args.tls, context, fanout))
        parent.send("stop")
        accepted = parent.recv()
    finally:
        server.join(10)
        if server.is_alive():
            server.terminate()
    expected = (3 * args.rounds * args.count) + 40
    if accepted != expected:
        print(f"varning: servern tog emot {accepted} brev, väntade {expected}", file=sys.stderr)
    ours_rate = args.count / min(ours)
    bare_rate = args.count / min(bare)
    print(f"smtp bench: {args.count} mails, PDF {args.pdf_kb} KB, tls={args.tls}, best of {args.rounds}")
    print(f"  SmtpTransport        {ours_rate:8.1f} mails/s")
    print(f"  bare smtplib loop    {bare_rate:8.1f} mails/s")
    print(f"  ratio                {ours_rate / bare_rate:8.2f}  (goal >= 0.80, and >= 150 mails/s)")
    print(f"  compose + send       {args.count / min(full):8.1f} mails/s  (distribute loop, no database)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
