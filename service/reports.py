"""What `minnes status` and `minnes deliveries` print: states, what is stuck, who was reached."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import func, select

from service.archive.claims import (
    OPEN_STATES,
    Answer,
    DeliveryState,
    Gate,
    InboundState,
    MinutesState,
    SendState,
)
from service.archive.db import (
    Database,
    Delivery,
    GateRequest,
    Inbound,
    MinutesRow,
    OutgoingMail,
    utcnow,
)
from service.archive.files import StorageError, Store

STATE_NAMES: dict[str, str] = {
    InboundState.RECEIVED: "mottaget",
    InboundState.PROCESSING: "behandlas",
    InboundState.ACCEPTED: "godtaget",
    InboundState.REJECTED: "avvisat",
    InboundState.BOUNCE: "studs",
    InboundState.FAILED: "misslyckat",
    InboundState.REPLY: "svar på förfrågan",
    MinutesState.HELD: "väntar vid en grind",
    MinutesState.STOPPED: "stoppat",
    MinutesState.EXPIRED: "gick ut obekräftat",
    MinutesState.REPLACED: "ersatt innan utskick",
    MinutesState.STRUCTURED: "strukturerat",
    MinutesState.SIGNED: "signerat",
    MinutesState.DISTRIBUTING: "skickas ut",
    MinutesState.DISTRIBUTED: "utskickat",
    SendState.PENDING: "väntar",
    SendState.SENDING: "skickas",
    SendState.SENT: "skickat",
    SendState.DEFERRED: "nytt försök senare",
}
"""Swedish names of the states shown to administrators."""


ENDED_AT_A_GATE = (MinutesState.EXPIRED, MinutesState.STOPPED, MinutesState.REPLACED)
"""States of a version that never went out."""

GATE_NAMES = {
    Gate.CONFIRM: "bekräftelsegrinden",
    Gate.PRIVACY: "integritetsgrinden",
    Gate.JUSTERING: "justeringen",
    Gate.REVIEW: "granskningstiden",
}
"""Swedish names of the gates, as `minnes status` shows them."""


def _gate_line(m: MinutesRow, requests: list[GateRequest]) -> str:
    """Say where one version waits and for whom, or how it ended."""
    open_ = [r for r in requests if not r.answer]
    answered = [r for r in requests if r.answer]
    if m.state == MinutesState.REPLACED:
        return "ersatt av en nyare version medan den väntade — skickades aldrig"
    if m.state == MinutesState.EXPIRED:
        who = ", ".join(r.email for r in requests) or "–"
        return f"gick ut obekräftat ({who} svarade aldrig)"
    if m.state == MinutesState.STOPPED:
        by = next((r.email for r in answered if r.answer == Answer.STOPPED), "")
        return f"stoppat{' av ' + by if by else ''} — skickades aldrig"
    where = GATE_NAMES.get(m.gate, m.gate or "en grind")
    if m.gate == Gate.CONFIRM:
        r = requests[-1] if requests else None
        if r is None:
            return f"väntar vid {where}"
        if r.answer == Answer.COMMENT:
            return f"väntar vid {where}: {r.email} svarade med en kommentar; väntar på ett rättat utkast"
        sent = (f"frågan skickad {r.mailed_at:%Y-%m-%d %H:%M}" if r.mailed_at
                else "frågan väntar: högst en i timmen")
        return f"väntar vid {where} på {r.email} till {r.expires_at:%Y-%m-%d} ({sent})"
    if m.gate == Gate.PRIVACY:
        managers = ", ".join(r.email for r in open_) or "chefen"
        return f"väntar vid {where}: ett rättat utkast, eller att {managers} släpper dem"
    if m.gate == Gate.REVIEW:
        until = f" till {m.gate_until:%Y-%m-%d %H:%M} UTC" if m.gate_until else ""
        return f"väntar under {where}{until}; antecknaren kan svara STOPP"
    waiting = ", ".join(r.name or r.email for r in open_) or "–"
    done = ", ".join(f"{r.name or r.email} ({r.answer})" for r in answered)
    return f"väntar vid {where} på {waiting}" + (f"; har svarat: {done}" if done else "")


NEEDS_PDF = (MinutesState.SIGNED, MinutesState.DISTRIBUTING, MinutesState.DISTRIBUTED)
"""States of a version whose signed PDF must be in the store (it is mailed, shown and exported)."""

NEEDS_RAW = (InboundState.RECEIVED, InboundState.PROCESSING)
"""States of an inbound message whose raw bytes must be in the store (it is still to be processed)."""

FILE_CHECK_LIMIT = 500
"""How many of the newest stored files `minnes status` checks (one HEAD each on object storage)."""


def signing_key_state(path: Path) -> str:
    """Say whether the signing key file is there and this process can read it."""
    try:
        if not path.exists():
            return "finns inte; en demonyckel skapas vid första signeringen"
        if not path.is_file():
            return "är ingen fil"
        if not os.access(path, os.R_OK):
            return "finns men kan inte läsas av den här användaren"
    except OSError as exc:
        return f"kan inte nås: {exc.strerror}"
    return "finns och kan läsas"


class Reports:
    """Read-only views of the archive for administrators."""

    def __init__(self, db: Database, *, files: Store | None = None, signing_key: Path | None = None) -> None:
        self.db = db
        self.files = files
        self.signing_key = signing_key

    def _counts(self, model, column) -> dict[str, int]:  # noqa: ANN001
        with self.db.session() as s:
            return dict(s.execute(select(column, func.count()).select_from(model).group_by(column)).all())

    def status_text(self) -> str:
        """Return inbound messages, minutes and deliveries by state, and what is stuck and why."""
        lines: list[str] = []
        for title, model, col in (
            ("Inkomna meddelanden", Inbound, Inbound.state),
            ("Minnesanteckningar", MinutesRow, MinutesRow.state),
            ("Utskick till mottagare", Delivery, Delivery.state),
            ("Kvitton, avvisningar och rapporter", OutgoingMail, OutgoingMail.state),
        ):
            counts = self._counts(model, col)
            body = ", ".join(f"{STATE_NAMES.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "inga"
            lines.append(f"{title}: {body}")
        lines += self.missing_files()
        gated = self.gated()
        if gated:
            lines.append("")
            lines.append("Vid grindarna:")
            lines += [f"  {g}" for g in gated]
        stuck = self.stuck()
        if stuck:
            lines.append("")
            lines.append("Fastnat:")
            lines += [f"  {s}" for s in stuck]
        return "\n".join(lines)

    def missing_files(self, limit: int = FILE_CHECK_LIMIT) -> list[str]:
        """Return an error section naming each stored file that work still needs and the store lacks.

        The PDFs of signed and distributed versions and the raw messages still to be processed are
        checked, newest first and at most ``limit`` of each; nothing when every one is there.
        """
        if self.files is None:
            return []
        where = self.files.where
        with self.db.session() as s:
            pdfs = s.execute(
                select(MinutesRow.id, MinutesRow.workplace_id, MinutesRow.meeting_date, MinutesRow.pdf_sha256)
                .where(MinutesRow.state.in_(NEEDS_PDF), MinutesRow.pdf_sha256 != "")
                .order_by(MinutesRow.id.desc()).limit(limit)
            ).all()
            pdf_total = s.scalar(select(func.count()).select_from(MinutesRow).where(
                MinutesRow.state.in_(NEEDS_PDF), MinutesRow.pdf_sha256 != ""))
            raws = s.execute(
                select(Inbound.id, Inbound.message_id, Inbound.sha256)
                .where(Inbound.state.in_(NEEDS_RAW)).order_by(Inbound.id.desc()).limit(limit)
            ).all()
        wanted = [(f"PDF för minnesanteckningar #{i} ({wp} {date or 'odaterat'})", key)
                  for i, wp, date, key in pdfs]
        wanted += [(f"inkommande #{i} ({mid or 'utan Message-ID'}), obehandlat", key) for i, mid, key in raws]
        missing: list[str] = []
        try:
            if wanted:
                self.files.check()
            for what, key in wanted:
                if not self.files.exists(key):
                    missing.append(f"  saknas: {what} — fil {key}")
        except StorageError as exc:
            return ["", f"FEL: filerna i {where} kunde inte kontrolleras: {exc}"]
        if not missing:
            return []
        checked = f"de {limit} senaste av {pdf_total} PDF:er" if pdf_total > limit else "alla PDF:er"
        return ["", f"FEL: {len(missing)} filer som arkivet hänvisar till saknas i {where} "
                    f"(kontrollerade {checked} och de obehandlade meddelandena):"] + missing

    def gated(self, recent: dt.timedelta = dt.timedelta(days=30)) -> list[str]:
        """Return each version waiting at a gate and who it waits for, and those lately stopped or expired."""
        out: list[str] = []
        since = utcnow() - recent
        with self.db.session() as s:
            rows = s.scalars(
                select(MinutesRow)
                .where(
                    (MinutesRow.state == MinutesState.HELD)
                    | (MinutesRow.state.in_(ENDED_AT_A_GATE) & (MinutesRow.created_at >= since))
                )
                .order_by(MinutesRow.id)
            ).all()
            for m in rows:
                requests = s.scalars(
                    select(GateRequest).where(GateRequest.minutes_id == m.id).order_by(GateRequest.id)
                ).all()
                what = f"#{m.id} {m.workplace_id} {m.meeting_date or 'odaterat'}"
                out.append(f"{what}: {_gate_line(m, list(requests))}")
        return out

    def stuck(self, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> list[str]:
        """Return one line per piece of work that has not moved for a while, with the reason."""
        limit = utcnow() - older_than
        out: list[str] = []
        with self.db.session() as s:
            for row in s.scalars(
                select(Inbound).where(
                    Inbound.state.in_((InboundState.RECEIVED, InboundState.PROCESSING)),
                    Inbound.received_at < limit,
                )
            ):
                out.append(
                    f"inkommande #{row.id} ({row.message_id or 'utan Message-ID'}): "
                    f"{STATE_NAMES.get(row.state, row.state)} sedan {row.received_at:%Y-%m-%d %H:%M} "
                    "— körs någon worker?"
                )
            for m in s.scalars(
                select(MinutesRow).where(
                    MinutesRow.state.in_((MinutesState.STRUCTURED, MinutesState.SIGNED)),
                    MinutesRow.created_at < limit,
                )
            ):
                out.append(self._undistributed_line(m))
            for d in s.scalars(
                select(Delivery).where(
                    Delivery.state.in_(OPEN_STATES),
                    Delivery.created_at < limit,
                )
            ):
                out.append(
                    f"utskick #{d.minutes_id} till {d.email}: {STATE_NAMES.get(d.state, d.state)}, "
                    f"{d.attempts} försök, senaste svar: {d.last_answer or '–'}"
                )
            for row in s.scalars(select(Inbound).where(Inbound.state == InboundState.FAILED)):
                out.append(f"inkommande #{row.id} ({row.message_id or 'utan Message-ID'}): "
                           f"misslyckades — {row.error_message or '–'}")
            for d in s.scalars(select(Delivery).where(Delivery.state == DeliveryState.FAILED)):
                out.append(f"utskick #{d.minutes_id} till {d.email}: misslyckades — {d.last_answer or '–'}")
        return out

    def _undistributed_line(self, m: MinutesRow) -> str:
        """Say that one version was structured or signed but never went out, and where to look."""
        what = f"minnesanteckningar #{m.id} ({m.workplace_id} {m.meeting_date or 'odaterat'})"
        if m.state == MinutesState.STRUCTURED:
            key = (f"signeringsnyckeln {self.signing_key} ({signing_key_state(self.signing_key)})"
                   if self.signing_key else "signeringsnyckeln")
            return (f"{what}: {STATE_NAMES[m.state]} sedan {m.created_at:%Y-%m-%d %H:%M} men aldrig "
                    f"signerade eller utskickade — kontrollera {key} med minnes check-config, "
                    "och workerns logg")
        since = m.signed_at or m.created_at
        return (f"{what}: {STATE_NAMES.get(m.state, m.state)} sedan {since:%Y-%m-%d %H:%M} men inte "
                "utskickade — körs någon worker? Läs workerns logg")

    def deliveries_text(self, minutes_id: int) -> str | None:
        """Return one line per recipient of one minutes version, or None when it does not exist."""
        with self.db.session() as s:
            m = s.get(MinutesRow, minutes_id)
            if m is None:
                return None
            rows = list(
                s.scalars(select(Delivery).where(Delivery.minutes_id == minutes_id).order_by(Delivery.id))
            )
            header = (
                f"Minnesanteckningar #{m.id} {m.workplace_id} {m.meeting_date} version {m.version}: "
                f"{STATE_NAMES.get(m.state, m.state)}"
            )
            if not rows:
                return header + "\n(inga mottagare ännu)"
            width = max(len(d.email) for d in rows)
            lines = [header]
            for d in rows:
                lines.append(f"{d.email:<{width}}  {d.state:<8}  {d.attempts} försök  {d.last_answer or '–'}")
            return "\n".join(lines)
