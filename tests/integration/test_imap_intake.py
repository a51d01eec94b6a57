"""IMAP intake against a real Dovecot: fetch, accept, file away."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from service.config import ImapSettings
from tests.support.dovecot import DovecotServer, start_dovecot
from workers.imap import ImapError, ImapIntake, ImapLoginError, MessageRefused, connect

pytestmark = pytest.mark.integration

PROCESSED = "Minnes/Behandlade"
FAILED = "Minnes/Kunde inte behandlas"


def draft(n: int) -> bytes:
    """Return a small raw draft with a unique Message-ID."""
    return (
        f"From: Anna Svensson <anna.svensson@exempelby.se>\r\n"
        f"To: apt@exempelby.se\r\n"
        f"Subject: =?utf-8?q?Minnesanteckningar_APT_{n}?=\r\n"
        f"Message-ID: <draft-{n}@exempelby.se>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"1. Arbetsmilj\u00f6 och h\u00e4lsa\r\nBeslut: Vi k\u00f6per glidlakan. {n}\r\n"
    ).encode()


def settings_for(server: DovecotServer, **overrides: object) -> ImapSettings:
    """Return intake settings pointing at a test Dovecot, with short timers."""
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "username": server.username,
        "folder": "INBOX",
        "processed_folder": PROCESSED,
        "failed_folder": FAILED,
        "idle_seconds": 5,
        "poll_seconds": 1,
    }
    values.update(overrides)
    return ImapSettings(**values)  # type: ignore[arg-type]


class Recorder:
    """An ``accept`` that records what it got and can be told to fail."""

    def __init__(self, fail: Callable[[bytes, dict], None] | None = None) -> None:
        self.calls: list[tuple[bytes, dict]] = []
        self.fail = fail
        self.arrived = threading.Condition()

    def __call__(self, raw: bytes, meta: dict) -> None:
        if self.fail is not None:
            self.fail(raw, meta)
        with self.arrived:
            self.calls.append((raw, meta))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float) -> float:
        """Wait until ``count`` messages were accepted; return the seconds it took."""
        started = time.monotonic()
        with self.arrived:
            ok = self.arrived.wait_for(lambda: len(self.calls) >= count, timeout)
        assert ok, f"only {len(self.calls)} of {count} messages accepted within {timeout} s"
        return time.monotonic() - started


def wait_filed(server: DovecotServer, count: int, timeout: float = 10.0) -> None:
    """Wait until ``count`` messages are in the processed folder (the intake has moved them)."""
    deadline = time.monotonic() + timeout
    while len(server.messages(PROCESSED)) < count:
        assert time.monotonic() < deadline, f"{count} messages not filed within {timeout} s"
        time.sleep(0.05)


@contextmanager
def running(intake: ImapIntake) -> Iterator[threading.Thread]:
    """Run the intake in a thread; stop it and check it stops promptly."""
    stop = threading.Event()
    thread = threading.Thread(target=intake.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive(), "run() did not stop within 5 s"


def test_accepted_messages_are_moved_to_the_processed_folder(dovecot: DovecotServer) -> None:
    dovecot.append(draft(1))
    dovecot.append(draft(2))
    accept = Recorder()
    intake = ImapIntake(settings_for(dovecot), dovecot.password, accept)
    try:
        assert intake.poll_once() == 2
    finally:
        intake.close()
    assert [raw for raw, _ in accept.calls] == [draft(1), draft(2)]
    uidvalidity = dovecot.uidvalidity()
    assert [meta for _, meta in accept.calls] == [
        {"source": "imap", "folder": "INBOX", "uidvalidity": uidvalidity, "uid": 1, "size": len(draft(1))},
        {"source": "imap", "folder": "INBOX", "uidvalidity": uidvalidity, "uid": 2, "size": len(draft(2))},
    ]
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages(PROCESSED) == [draft(1), draft(2)]
    assert {PROCESSED, FAILED} <= set(dovecot.folders())


def test_a_refused_message_goes_to_the_failed_folder(dovecot: DovecotServer) -> None:
    def refuse_second(raw: bytes, meta: dict) -> None:
        if b"draft-2@" in raw:
            raise MessageRefused("inte ett e-postmeddelande")

    dovecot.append(draft(1))
    dovecot.append(draft(2))
    intake = ImapIntake(settings_for(dovecot), dovecot.password, Recorder(refuse_second))
    try:
        assert intake.poll_once() == 2
    finally:
        intake.close()
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages(PROCESSED) == [draft(1)]
    assert dovecot.messages(FAILED) == [draft(2)]


def test_a_message_over_the_limit_hands_on_only_its_header_and_goes_to_the_failed_folder(
    dovecot: DovecotServer,
) -> None:
    big = draft(2).replace(b"\r\n\r\n", b"\r\n\r\n" + b"y" * 5000 + b"\r\n", 1)
    dovecot.append(draft(1))
    dovecot.append(big)
    accept = Recorder()
    intake = ImapIntake(settings_for(dovecot), dovecot.password, accept, max_message_bytes=len(big) - 1)
    try:
        assert intake.poll_once() == 2
    finally:
        intake.close()
    (small_raw, small_meta), (big_raw, big_meta) = accept.calls
    assert small_raw == draft(1) and small_meta["size"] == len(draft(1))
    assert big_raw == big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert big_meta["size"] == len(big) and big_meta["uid"] == 2
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages(PROCESSED) == [draft(1)]
    assert dovecot.messages(FAILED) == [big]
    assert b"\\Seen" not in dovecot.flags(FAILED)[0]


def test_an_accept_that_raises_leaves_the_message_unread_for_a_retry(dovecot: DovecotServer) -> None:
    def database_down(raw: bytes, meta: dict) -> None:
        raise RuntimeError("databasen svarar inte")

    dovecot.append(draft(1))
    accept = Recorder(database_down)
    intake = ImapIntake(settings_for(dovecot), dovecot.password, accept)
    try:
        assert intake.poll_once() == 0
        assert intake.left_behind == 1
        assert dovecot.messages("INBOX") == [draft(1)]
        assert b"\\Seen" not in dovecot.flags("INBOX")[0]
        accept.fail = None
        assert intake.poll_once() == 1
        assert intake.left_behind == 0
    finally:
        intake.close()
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages(PROCESSED) == [draft(1)]
    assert b"\\Seen" not in dovecot.flags(PROCESSED)[0]


def test_run_picks_up_a_message_appended_during_idle_at_once(dovecot: DovecotServer) -> None:
    accept = Recorder()
    intake = ImapIntake(settings_for(dovecot, idle_seconds=60), dovecot.password, accept)
    dovecot.append(draft(1))
    with running(intake):
        accept.wait_for(1, timeout=5)
        wait_filed(dovecot, 1)
        for n in (2, 3):
            dovecot.append(draft(n))
            assert accept.wait_for(n, timeout=10) < 5.0  # pushed by IDLE, not found at its 60 s renewal
            wait_filed(dovecot, n)
    assert dovecot.messages(PROCESSED) == [draft(1), draft(2), draft(3)]
    assert dovecot.messages("INBOX") == []


def test_idle_is_renewed_and_a_lost_notification_is_caught_by_the_renewal(dovecot: DovecotServer) -> None:
    connections = []

    def counting_connect(*args: object, **kwargs: object):
        connections.append(1)
        return connect(*args, **kwargs)  # type: ignore[arg-type]

    accept = Recorder()
    intake = ImapIntake(
        settings_for(dovecot, idle_seconds=1), dovecot.password, accept, connector=counting_connect
    )
    with running(intake):
        time.sleep(2.5)  # at least two IDLE renewals
        dovecot.append(draft(1))
        accept.wait_for(1, timeout=5)
    assert len(connections) == 1, "IDLE renewal must not reconnect"


def test_a_server_without_idle_and_move_is_polled_and_copy_expunged() -> None:
    server = start_dovecot(capabilities="IMAP4rev1 SASL-IR LITERAL+ ID ENABLE UIDPLUS NAMESPACE")
    try:
        accept = Recorder()
        intake = ImapIntake(settings_for(server, poll_seconds=1), server.password, accept)
        server.append(draft(1))
        with running(intake):
            accept.wait_for(1, timeout=5)
            server.append(draft(2))
            assert accept.wait_for(2, timeout=10) < 5.0  # at the 1 s poll
        assert server.messages("INBOX") == []
        assert server.messages(PROCESSED) == [draft(1), draft(2)]
    finally:
        server.cleanup()


def test_folders_follow_the_server_separator() -> None:
    server = start_dovecot(separator=".")
    try:
        server.append(draft(1))
        intake = ImapIntake(settings_for(server), server.password, Recorder())
        try:
            assert intake.poll_once() == 1
        finally:
            intake.close()
        with server.client() as client:
            names = {name for _flags, _sep, name in client.list_folders()}
        assert {"Minnes.Behandlade", "Minnes.Kunde inte behandlas"} <= names
        assert server.messages(PROCESSED) == [draft(1)]
    finally:
        server.cleanup()


def test_a_non_ascii_password_logs_in() -> None:
    server = start_dovecot(password="sj\u00e4lvst\u00e4ndig-\u00e5\u00e4\u00f6")
    try:
        client = connect(settings_for(server), server.password, timeout=5)
        client.logout()
    finally:
        server.cleanup()


def test_a_wrong_password_is_an_imap_login_error(dovecot: DovecotServer) -> None:
    with pytest.raises(ImapLoginError, match="godtog inte inloggningen"):
        connect(settings_for(dovecot), "fel-l\u00f6senord", timeout=5)


def test_no_server_is_an_imap_error(dovecot: DovecotServer) -> None:
    settings = settings_for(dovecot)
    dovecot.stop(graceful=False)
    with pytest.raises(ImapError, match="kunde inte ansluta"):
        connect(settings, dovecot.password, timeout=2)


def test_mail_that_arrives_while_another_is_filed_is_not_left_for_the_idle_renewal(
    dovecot: DovecotServer,
) -> None:
    """Dovecot announces it in its reply to our MOVE, not again in IDLE: the intake must look again."""

    def another_arrives(raw: bytes, meta: dict) -> None:
        if b"draft-1@" in raw:
            dovecot.append(draft(2))  # lands before draft 1 is moved

    accept = Recorder(another_arrives)
    intake = ImapIntake(settings_for(dovecot, idle_seconds=60), dovecot.password, accept)
    dovecot.append(draft(1))
    with running(intake):
        accept.wait_for(2, timeout=10)
        wait_filed(dovecot, 2)
    assert dovecot.messages(PROCESSED) == [draft(1), draft(2)]


def test_mail_that_arrives_between_select_and_search_is_not_left_for_the_idle_renewal(
    dovecot: DovecotServer,
) -> None:
    """Dovecot announces it in its SEARCH reply and leaves it out of the result; IDLE is silent on it."""
    searches = {"n": 0}

    def connector(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        client = connect(*args, **kwargs)
        search = client.search

        def search_after_an_arrival(*a, **k):  # noqa: ANN002, ANN003, ANN202
            searches["n"] += 1
            if searches["n"] == 1:  # the first pass, on an empty folder, right after its SELECT
                dovecot.append(draft(1))
            return search(*a, **k)

        client.search = search_after_an_arrival
        return client

    accept = Recorder()
    intake = ImapIntake(settings_for(dovecot, idle_seconds=60), dovecot.password, accept, connector=connector)
    with running(intake):
        accept.wait_for(1, timeout=10)  # not at the IDLE renewal 60 s later
        wait_filed(dovecot, 1)
    assert dovecot.messages(PROCESSED) == [draft(1)]
