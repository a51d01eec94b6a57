"""intake.max_message_bytes at intake: a message too large is never read whole, only its header is kept.

Against a real maildir and a real Dovecot, a real database (SQLite, PostgreSQL) and the real file store:
a 32 MB message becomes an inbound row with its real size and its header block, is filed as failed,
and taking it in allocates a small fraction of its size.
"""

from __future__ import annotations

import os
import pwd
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from service.archive.db import Inbound
from service.bootstrap import Services
from service.steps import accept as accept_step
from service.structuring import structure_message
from tests.integration.test_imap_intake import FAILED, PROCESSED, draft, settings_for
from tests.support.configs import make_config
from tests.support.dovecot import DovecotServer
from tests.support.drafts import authenticated
from workers.imap import ImapError, ImapIntake, connect
from workers.imap.protocol import body_request, fetched_body, fetched_header, fetched_size, header_request
from workers.maildir import MaildirIntake

pytestmark = pytest.mark.integration

BIG = 32 * 1024 * 1024
"""The size of the message too large: over the default limit of 25 MiB."""

MEMORY_BUDGET = 4 * 1024 * 1024
"""Most Python memory taking the 32 MB message in may allocate at its peak."""

HEAD = authenticated(
    b"From: Anna Svensson <anna.svensson@exempelby.se>\r\n"
    b"To: apt@exempelby.se\r\n"
    b"Subject: Minnesanteckningar APT med bilagor\r\n"
    b"Message-ID: <stor-1@exempelby.se>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
)
"""The header block of the large message, as the trusted MX passed it on."""


def write_big(path: Path, size: int = BIG, head: bytes = HEAD) -> int:
    """Write a message of exactly ``size`` bytes (CRLF lines) to ``path`` without holding it; return size."""
    line = b"x" * 78 + b"\r\n"
    chunk = line * (1024 * 1024 // len(line))
    with open(path, "wb") as fh:
        fh.write(head)
        left = size - len(head)
        while left > 0:
            piece = chunk[: min(len(chunk), left)]
            fh.write(piece)
            left -= len(piece)
    return size


class RecordingQueue:
    """A job queue that records what it was asked to run."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, int]] = []

    def enqueue(self, step: str, ident: int) -> None:
        self.jobs.append((step, ident))


@pytest.fixture
def services(tmp_path, database_url, storage_backend) -> Iterator[Services]:  # noqa: ANN001
    config = make_config(tmp_path / "config", database_url=database_url, **storage_backend)
    with Services(config, queue=RecordingQueue()) as s:
        s.files.exists("0" * 64)  # an S3 client loads botocore's models once, before memory is measured
        yield s


def acceptor(services: Services) -> Callable[[bytes, dict], None]:
    """Return the intake's ``accept``: store the message with the real size the intake read."""

    def accept(raw: bytes, ref: dict) -> None:
        accept_step.accept(
            services.pipeline.context, raw, source=str(ref["source"]), source_ref=ref, size=ref.get("size")
        )

    return accept


def peak_while(work: Callable[[], object]) -> tuple[object, int]:
    """Run ``work``; return its result and the peak of Python memory it allocated."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = work()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, peak


def inbound_rows(services: Services) -> list[Inbound]:
    with services.db.session() as s:
        return list(s.scalars(select(Inbound).order_by(Inbound.id)))


def assert_recorded_too_large(services: Services, row: Inbound, size: int) -> None:
    """The row has the real size, the store only the header; processing will reject it, knowing the sender.

    Processing judges by the configured limit (the default 25 MiB), so ``size`` must be over it for that.
    """
    assert row.size == size
    assert row.message_id == "<stor-1@exempelby.se>" and not row.message_id_reused
    stored = services.files.get(row.sha256)
    assert stored.replace(b"\r\n", b"\n") == HEAD.replace(b"\r\n", b"\n")
    if size <= services.config.settings.intake.max_message_bytes:
        return
    outcome = structure_message(stored, services.config, size=row.size)
    assert outcome.output["error"]["code"] == "message_too_large"
    assert outcome.sender_email == "anna.svensson@exempelby.se" and outcome.sender_authenticated


# --------------------------------------------------------------------------- maildir


def test_a_32_mb_message_in_the_maildir_is_recorded_by_its_header_and_filed_as_failed(services, tmp_path):
    box = Path(services.config.settings.intake.maildir)
    intake = MaildirIntake(
        box, acceptor(services), max_message_bytes=services.config.settings.intake.max_message_bytes
    )
    size = write_big(box / "new" / "1.big")
    (box / "new" / "2.small").write_bytes(draft(2))

    filed, peak = peak_while(intake.poll_once)

    assert filed == 2
    assert peak < MEMORY_BUDGET, f"taking in a {size} byte message allocated {peak} bytes"
    big, small = inbound_rows(services)
    assert_recorded_too_large(services, big, size)
    assert small.size == len(draft(2)) and services.files.get(small.sha256) == draft(2)
    assert sorted(p.name for p in (box / "cur").iterdir()) == ["1.big:2,T", "2.small:2,S"]
    assert list((box / "new").iterdir()) == []


def test_the_configured_limit_applies_and_a_message_at_the_limit_is_taken_whole(services):
    box = Path(services.config.settings.intake.maildir)
    intake = MaildirIntake(box, acceptor(services), max_message_bytes=4096)
    write_big(box / "new" / "1.at-limit", size=4096)
    write_big(box / "new" / "2.one-more", size=4097)
    assert intake.poll_once() == 2
    whole, over = inbound_rows(services)
    assert whole.size == 4096 and len(services.files.get(whole.sha256)) == 4096
    assert over.size == 4097 and services.files.get(over.sha256) == HEAD
    assert sorted(p.name for p in (box / "cur").iterdir()) == ["1.at-limit:2,S", "2.one-more:2,T"]


# --------------------------------------------------------------------------- IMAP


def place_in_dovecot(server: DovecotServer, name: str, write: Callable[[Path], object]) -> None:
    """Deliver a message file straight into the INBOX maildir, as the server's own delivery would."""
    with server.client() as client:
        client.select_folder("INBOX")  # makes the INBOX maildir
    inbox = server.root / "mail" / server.username
    tmp, new = inbox / "tmp" / name, inbox / "new" / name
    tmp.parent.mkdir(parents=True, exist_ok=True)
    write(tmp)
    owner = (inbox / "new").stat()
    os.chown(tmp, owner.st_uid, owner.st_gid)
    os.replace(tmp, new)


def folder_count(server: DovecotServer, folder: str) -> int:
    with server.client() as client:
        return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def test_a_32_mb_message_on_dovecot_is_not_fetched_only_its_header(services, dovecot):
    dovecot.append(draft(1))
    place_in_dovecot(dovecot, f"{int(time.time())}.big.test", write_big)
    intake = ImapIntake(
        settings_for(dovecot), dovecot.password, acceptor(services),
        max_message_bytes=services.config.settings.intake.max_message_bytes,
    )
    try:
        filed, peak = peak_while(intake.poll_once)
    finally:
        intake.close()

    assert filed == 2
    assert peak < MEMORY_BUDGET, f"taking in a {BIG} byte message allocated {peak} bytes"
    small, big = inbound_rows(services)
    assert small.size == len(draft(1))
    assert_recorded_too_large(services, big, BIG)
    assert '"uid"' in big.source_ref and f'"size": {BIG}' in big.source_ref
    assert folder_count(dovecot, "INBOX") == 0
    assert folder_count(dovecot, PROCESSED) == 1 and folder_count(dovecot, FAILED) == 1
    with dovecot.client() as client:  # left unread where it was filed
        client.select_folder(FAILED, readonly=True)
        assert all(b"\\Seen" not in f for f in client.get_flags(client.search("ALL")).values())


def test_a_too_large_message_whose_move_was_lost_is_recorded_once(services, dovecot):
    place_in_dovecot(dovecot, "1.big.test", lambda p: write_big(p, size=50_000))
    moves = {"n": 0}

    def connector(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        client = connect(*args, **kwargs)
        move = client.move

        def lose_the_first(*a, **k):  # noqa: ANN002, ANN003, ANN202
            moves["n"] += 1
            if moves["n"] == 1:
                raise OSError("förbindelsen bröts")
            return move(*a, **k)

        client.move = lose_the_first
        return client

    intake = ImapIntake(settings_for(dovecot), dovecot.password, acceptor(services), connector=connector,
                        max_message_bytes=10_000)
    try:
        with pytest.raises(ImapError, match="förbindelsen bröts"):
            intake.poll_once()
        assert folder_count(dovecot, "INBOX") == 1
        assert intake.poll_once() == 1
    finally:
        intake.close()
    (row,) = inbound_rows(services)
    assert_recorded_too_large(services, row, 50_000)
    assert services.queue.jobs == [("process", row.id)]
    assert folder_count(dovecot, "INBOX") == 0 and folder_count(dovecot, FAILED) == 1


def test_fetch_answers_are_read_whole_or_partial(dovecot):
    dovecot.append(draft(1))
    with dovecot.client() as client:
        client.select_folder("INBOX")
        (uid,) = client.search("ALL")
        size = fetched_size(client.fetch([uid], ["RFC822.SIZE"]), uid)
        whole = fetched_body(client.fetch([uid], [body_request(10_000)]), uid)
        cut = fetched_body(client.fetch([uid], [body_request(9)]), uid)
        head = fetched_header(client.fetch([uid], [header_request(10_000)]), uid)
        gone = client.fetch([uid + 1], ["RFC822.SIZE"])
    assert size == len(draft(1)) and whole == draft(1)
    assert cut == draft(1)[:10]
    assert head == draft(1).split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert fetched_size(gone, uid + 1) is None and fetched_body(gone, uid + 1) is None


def test_dovecot_runs_as_the_mail_user_of_the_delivered_file(dovecot):
    """Guard for place_in_dovecot: a file it delivers belongs to the user Dovecot reads mail as."""
    place_in_dovecot(dovecot, "1.small.test", lambda p: p.write_bytes(draft(5)))
    owner = (dovecot.root / "mail" / dovecot.username / "new" / "1.small.test").stat().st_uid
    expected = pwd.getpwnam("dovecot").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert owner == expected
    assert dovecot.messages("INBOX") == [draft(5)]


# --------------------------------------------------------------------------- through the pipeline


def test_minnes_ingest_of_a_32_mb_file_is_rejected_as_too_large_and_the_sender_told(tmp_path, database_url):
    import subprocess
    import sys

    from service.archive.db import OutgoingMail
    from service.steps import process as process_step

    config = make_config(tmp_path / "config", database_url=database_url)
    big = tmp_path / "big.eml"
    write_big(big)
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "ingest", "--config", str(config.directory), str(big)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    with Services(config, queue=RecordingQueue()) as services:
        [row] = inbound_rows(services)
        assert row.size == BIG and len(services.files.get(row.sha256)) < 4096
        process_step.process(services.pipeline.context, row.id)
        [row] = inbound_rows(services)
        assert (row.state, row.error_code) == ("rejected", "message_too_large")
        with services.db.session() as s:
            [mail] = s.scalars(select(OutgoingMail)).all()
        assert (mail.kind, mail.recipient) == ("rejection", "anna.svensson@exempelby.se")
        import email
        import email.policy

        sent = email.message_from_bytes(mail.raw, policy=email.policy.default)
        body = sent.get_body(("plain",)).get_content()
        assert "för stort (33,6 MB" in body
