"""The ``minnes`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from service.config import Config, ConfigError, load_config


class UsageError(Exception):
    """The command was called wrongly; the message says how to call it."""


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: kan inte läsas ({exc.strerror})") from None


# --------------------------------------------------------------------------- commands


def cmd_structure(args: argparse.Namespace) -> int:
    """Print the structured minutes of each message as JSON."""
    from service.structuring import structure_message

    config = _config(args)
    if args.workplace:
        config.workplace(args.workplace)
    several = len(args.messages) > 1
    failed = rejected = False
    for path in args.messages:
        try:
            raw = Path(path).read_bytes()
            outcome = structure_message(
                raw,
                config,
                workplace_id=args.workplace,
                skip_sender_check=args.skip_sender_check,
            )
            out = dict(outcome.output)
        except OSError as exc:
            out = {
                "status": "failed",
                "error": {"code": "internal_error", "message": f"kan inte läsa filen: {exc.strerror}"},
            }
        except Exception as exc:  # noqa: BLE001 - the contract says: report and go on
            out = {
                "status": "failed",
                "error": {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"},
            }
        if out.get("status") == "failed":
            failed = True
        elif out.get("status") == "rejected":
            rejected = True
        if several:
            out = {"file": path, **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(json.dumps(out, ensure_ascii=False, indent=2), flush=True)
    return EXIT_FAILED if failed else EXIT_REJECTED if rejected else EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """Structure, render and sign one message into a PDF; nothing is stored or sent."""
    from service.bootstrap import render_signed_pdf
    from service.structuring import structure_message

    config = _config(args)
    raw = _read_file(args.message)
    outcome = structure_message(
        raw, config, workplace_id=args.workplace, skip_sender_check=args.skip_sender_check
    )
    if not outcome.accepted:
        err = outcome.output.get("error") or {}
        print(f"avvisat: {err.get('code')}: {err.get('message')}", file=sys.stderr)
        return EXIT_REJECTED
    pdf = render_signed_pdf(config, outcome.output, outcome.workplace)
    Path(args.output).write_bytes(pdf)
    print(f"{args.output}: {len(pdf)} byte, signerad")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    """Check a PDF's signature and that nothing changed after signing."""
    from service.bootstrap import verify_pdf_file

    config = _config(args)
    result = verify_pdf_file(config, _read_file(args.pdf))
    print(result.summary())
    return EXIT_OK if result.valid else EXIT_FAILED


def cmd_check_config(args: argparse.Namespace) -> int:
    """Load and validate every file of the configuration."""
    from service.setup_check import check_config

    config = _config(args)
    notes: list[str] = []
    problems = check_config(config, notes)
    for wp in config.workplaces.values():
        print(
            f"{wp.id}: {wp.name} ({wp.kind}), {len(wp.members)} på rostern, "
            f"{len(wp.agenda)} punkter på dagordningen"
        )
    for note in notes:  # worth knowing, nothing to fix: the exit status stays 0
        print(f"OBS: {note}")
    if problems:
        for p in problems:
            print(f"ATT ÅTGÄRDA: {p}", file=sys.stderr)
        return EXIT_USAGE
    print("Konfigurationen är giltig.")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    """Put messages into the pipeline as if they had arrived in the mailbox."""
    from service.bootstrap import Services
    from workers.intake import read_message_file

    config = _config(args)
    limit = config.settings.intake.max_message_bytes
    got = []
    for path in args.messages:
        try:
            got.append((path, read_message_file(Path(path), limit)))  # a huge file: only its header is read
        except OSError as exc:
            raise UsageError(f"{path}: kan inte läsas ({exc.strerror})") from None
    with Services(config) as services:
        for path, incoming in got:
            inbound = services.pipeline.accept(
                incoming.raw, source="ingest", source_ref=path, size=incoming.size
            )
            state = "ny" if inbound.created else "redan mottagen"
            print(f"{path}: inkommande #{inbound.id} ({state})")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Run an rq worker for the pipeline's queues."""
    from workers.runner import run_worker

    return run_worker(_config(args), burst=args.burst)


def cmd_intake(args: argparse.Namespace) -> int:
    """Watch the configured mailbox and hand new messages to the pipeline."""
    from workers.runner import run_intake

    return run_intake(_config(args))


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the archive page under gunicorn."""
    from service.config.loading import LOOPBACK
    from service.web.serve import listen_address, serve

    config = _config(args)
    host, _port = listen_address(config, args.host, args.port)
    if config.settings.web.auth == "none" and host not in LOOPBACK:
        raise UsageError(f'web.auth = "none" är bara tillåtet på 127.0.0.1, inte --host {host}'
                         " — använd magic_link eller header")
    return serve(config, host=args.host, port=args.port, workers=args.workers)


DEMO_ADMIN_ENV = "MINNES_DEMO_ADMIN"
"""Environment variable naming the demo admin of ``minnes run`` (like ``--admin``)."""


def cmd_run(args: argparse.Namespace) -> int:
    """Run the whole service on one machine."""
    import os

    from service.config.sections import env_name
    from workers.runner import run_all

    admin = (args.admin or os.environ.get(DEMO_ADMIN_ENV, "")).strip().lower()
    if admin:
        if "@" not in admin:
            raise UsageError(f"--admin {admin!r}: ange en e-postadress, t.ex. --admin du@exempelby.se")
        # The children read their configuration themselves: name the admin for them as well.
        key = env_name("web.admins")
        named = [a.strip() for a in os.environ.get(key, "").split(",") if a.strip()]
        if not named:
            named = list(load_config(args.config).settings.web.admins)
        os.environ[key] = ",".join(dict.fromkeys([*named, admin]))
    return run_all(_config(args), sample=not args.no_sample, admin=admin)


def cmd_reindex(args: argparse.Namespace) -> int:
    """Rebuild the archive's search index from the stored minutes."""
    from service.archive.search import reindex
    from service.bootstrap import Services
    from service.progress import Progress

    config = _config(args)
    languages = {wp_id: wp.language for wp_id, wp in config.workplaces.items()}
    with Services(config, queue=False) as services:
        count = reindex(services.db, Progress("sökindex"), languages)
    print(f"sökindexet byggt: {count} versioner")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Write one workplace's year as an E-ARK information package."""
    from service.bootstrap import Services
    from service.progress import Progress
    from service.steps.export import ExportError, export

    config = _config(args)
    config.workplace(args.workplace)
    with Services(config, queue=False) as services:
        try:
            done = export(services.pipeline.context, args.workplace, args.year, Path(args.output),
                          with_drafts=args.with_drafts, reading=Progress("läser arkivet"),
                          progress=Progress("skriver paketet"))
        except ExportError as exc:
            print(f"minnes: {exc}", file=sys.stderr)
            return EXIT_FAILED
    if done is None:
        print(f"inget att exportera: {args.workplace} har inga utskickade minnesanteckningar "
              f"från {args.year}", file=sys.stderr)
        return EXIT_USAGE
    drafts = f", {done.drafts} utkast" if args.with_drafts else ""
    print(f"informationspaket skrivet: {done.path} ({done.minutes} versioner{drafts}, {done.files} filer)")
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    """Remove what each workplace's retention rules allow; print what is (or would be) removed."""
    from service.bootstrap import Services
    from service.steps.retention import apply_retention, report_lines

    with Services(_config(args), queue=False) as services:
        done = apply_retention(services.pipeline.context, dry_run=args.dry_run)
    for line in report_lines(done, dry_run=args.dry_run):
        print(line)
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """Re-enqueue unfinished work that the database knows of."""
    from workers.runner import run_sweeper

    return run_sweeper(_config(args), once=args.once)


def cmd_status(args: argparse.Namespace) -> int:
    """Show inbound messages, minutes and deliveries by state."""
    from service.bootstrap import Services

    with Services(_config(args), queue=False) as services:
        print(services.reports.status_text())
    return EXIT_OK


def cmd_deliveries(args: argparse.Namespace) -> int:
    """Show one line per recipient of one minutes version."""
    from service.bootstrap import Services

    with Services(_config(args), queue=False) as services:
        text = services.reports.deliveries_text(args.minutes_id)
    if text is None:
        print(f"minnesanteckningar #{args.minutes_id} finns inte", file=sys.stderr)
        return EXIT_USAGE
    print(text)
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="minnes", description="Minnesanteckningar från APT och samverkansgrupper."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="DIR",
        default=None,
        help="konfigurationsmapp (standard: $MINNES_CONFIG, annars ./config)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add("run", cmd_run, "hela tjänsten på en maskin")
    p.add_argument("--no-sample", action="store_true", help="lägg inget exempelutkast i inkorgen")
    p.add_argument("--admin", metavar="EMAIL", default=None,
                   help=f"demoadministratör: får en engångslänk i terminalen (eller ${DEMO_ADMIN_ENV})")
    add("intake", cmd_intake, "bevaka brevlådan")
    p = add("sweep", cmd_sweep, "köa om ofärdigt arbete som databasen känner till")
    p.add_argument("--once", action="store_true", help="ett varv, sedan avsluta")
    p = add("worker", cmd_worker, "kör en rq-worker")
    p.add_argument("--burst", action="store_true", help="avsluta när köerna är tomma")
    p = add("web", cmd_web, "arkivsidan")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=None, help="antal gunicorn-processer")
    p = add("ingest", cmd_ingest, "lägg in meddelanden som om de kommit till brevlådan")
    p.add_argument("messages", nargs="+", metavar="MESSAGE.eml")
    p = add("structure", cmd_structure, "skriv ut strukturerade minnesanteckningar som JSON")
    p.add_argument("--workplace", metavar="ID")
    p.add_argument("--skip-sender-check", action="store_true")
    p.add_argument("messages", nargs="+", metavar="MESSAGE.eml")
    p = add("render", cmd_render, "strukturera, rendera och signera ett meddelande till PDF")
    p.add_argument("message", metavar="MESSAGE.eml")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.add_argument("--workplace", metavar="ID")
    p.add_argument("--skip-sender-check", action="store_true")
    p = add("verify", cmd_verify, "kontrollera en PDF:s signatur")
    p.add_argument("pdf", metavar="FILE.pdf")
    add("status", cmd_status, "läget för meddelanden, minnesanteckningar och utskick")
    p = add("deliveries", cmd_deliveries, "en rad per mottagare")
    p.add_argument("minutes_id", type=int, metavar="MINUTES_ID")
    add("check-config", cmd_check_config, "kontrollera konfigurationen")
    add("reindex", cmd_reindex, "bygg om arkivets sökindex från de lagrade minnesanteckningarna")
    p = add("export", cmd_export, "skriv en arbetsplats år som informationspaket (E-ARK/FGS) för e-arkivet")
    p.add_argument("--workplace", required=True, metavar="ID")
    p.add_argument("--year", required=True, type=int, metavar="YYYY")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.add_argument("--with-drafts", action="store_true", help="ta med de ursprungliga utkasten")
    p = add("retention", cmd_retention, "gallra det som arbetsplatsernas gallringsregler tillåter")
    p.add_argument("--dry-run", action="store_true", help="visa bara vad som skulle tas bort")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``minnes`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, UsageError) as exc:
        print(f"minnes: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); say nothing more.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
