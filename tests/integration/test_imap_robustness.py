"""IMAP intake when things break: restarts, crashes, new UIDVALIDITY, hung connections, no server."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.integration.test_imap_intake import (
    FAILED,
    PROCESSED,
    Recorder,
    draft,
    running,
    settings_for,
    wait_filed,
)
from tests.support.dovecot import DovecotServer, free_port
from workers.imap import MAX_IDLE_SECONDS, ImapError, ImapIntake, connect

pytestmark = pytest.mark.integration


def fast_intake(server: DovecotServer, accept: Recorder, **settings: object) -> ImapIntake:
    """Return an intake with short timers and a quick first reconnect."""
    return ImapIntake(
        settings_for(server, **settings), server.password, accept,
        timeout=2.0, backoff_initial=0.1, backoff_max=0.5,
    )


@pytest.mark.parametrize("graceful", [True, False], ids=["restart", "crash"])
def test_dovecot_gone_mid_idle_reconnects_and_picks_up_the_next_message(
    dovecot: DovecotServer, graceful: bool
) -> None:
    accept = Recorder()
    intake = fast_intake(dovecot, accept, idle_seconds=60)
    dovecot.append(draft(1))
    with running(intake):
        accept.wait_for(1, timeout=5)
        wait_filed(dovecot, 1)
        time.sleep(0.3)  # in IDLE
        dovecot.stop(graceful=graceful)
        time.sleep(0.5)  # the intake notices and retries while the server is down
        dovecot.start()
        dovecot.append(draft(2))
        accept.wait_for(2, timeout=10)
        wait_filed(dovecot, 2)
        dovecot.append(draft(3))
        assert accept.wait_for(3, timeout=10) < 5.0, "back in IDLE after the reconnect"
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages(PROCESSED) == [draft(1), draft(2), draft(3)]


def test_a_new_uidvalidity_loses_nothing(dovecot: DovecotServer) -> None:
    down = {"on": True}

    def flaky(raw: bytes, meta: dict) -> None:
        if down["on"] and b"draft-1@" in raw:
            raise RuntimeError("arkivet svarar inte")

    accept = Recorder(flaky)
    intake = fast_intake(dovecot, accept, idle_seconds=60)
    dovecot.append(draft(1))
    dovecot.append(draft(2))
    before = dovecot.uidvalidity()
    with running(intake):
        accept.wait_for(1, timeout=5)  # draft 2 filed, draft 1 left in INBOX
        wait_filed(dovecot, 1)
        time.sleep(0.3)
        after = dovecot.recreate_mailbox("INBOX")
        down["on"] = False
        dovecot.append(draft(3))
        accept.wait_for(3, timeout=8)
    assert after != before
    by_id = {raw: meta for raw, meta in accept.calls}
    assert by_id[draft(2)]["uidvalidity"] == before
    assert by_id[draft(1)]["uidvalidity"] == after
    assert by_id[draft(3)]["uidvalidity"] == after
    assert dovecot.messages("INBOX") == []
    assert sorted(dovecot.messages(PROCESSED)) == [draft(1), draft(2), draft(3)]


def test_a_recreated_processed_folder_still_receives(dovecot: DovecotServer) -> None:
    accept = Recorder()
    intake = fast_intake(dovecot, accept, idle_seconds=60)
    dovecot.append(draft(1))
    with running(intake):
        accept.wait_for(1, timeout=5)
        wait_filed(dovecot, 1)
        dovecot.recreate_mailbox(PROCESSED)
        dovecot.append(draft(2))
        accept.wait_for(2, timeout=5)
    assert dovecot.messages(PROCESSED) == [draft(1), draft(2)]


class FreezingProxy:
    """A TCP proxy whose existing connections can be frozen: bytes stop, sockets stay open."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._listener.settimeout(0.2)
        self._connections = 0
        self._frozen_below = 0
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def freeze(self) -> None:
        """Stop forwarding on every connection open now; later connections work normally."""
        self._frozen_below = self._connections

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for sock in self._sockets:
            sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            number = self._connections
            self._connections += 1
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b, number), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, number: int) -> None:
        try:
            while not self._stop.is_set():
                while number < self._frozen_below and not self._stop.is_set():
                    time.sleep(0.05)
                data = source.recv(65536)
                if not data:
                    break
                while number < self._frozen_below and not self._stop.is_set():
                    time.sleep(0.05)
                target.sendall(data)
        except OSError:
            pass


def test_a_hung_connection_is_dropped_and_reopened(dovecot: DovecotServer) -> None:
    proxy = FreezingProxy((dovecot.host, dovecot.port))
    try:
        accept = Recorder()
        settings = settings_for(dovecot, port=proxy.port, idle_seconds=1)
        intake = ImapIntake(settings, dovecot.password, accept, timeout=1.0, backoff_initial=0.1)
        dovecot.append(draft(1))
        with running(intake):
            accept.wait_for(1, timeout=5)
            wait_filed(dovecot, 1)
            time.sleep(0.3)
            proxy.freeze()  # the server's answers no longer arrive: a hung connection
            dovecot.append(draft(2))
            accept.wait_for(2, timeout=8)
        assert proxy._connections >= 2
        assert dovecot.messages(PROCESSED) == [draft(1), draft(2)]
    finally:
        proxy.close()


def test_reconnects_back_off_exponentially_and_reset_after_success() -> None:
    port = free_port()  # nothing listens here
    server = DovecotServer()
    server.port = port
    waits: list[float] = []
    stop = threading.Event()

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 6:
            stop.set()

    intake = ImapIntake(
        settings_for(server, port=port), server.password, Recorder(),
        sleep=sleep, timeout=1.0, backoff_initial=0.5, backoff_max=4.0,
    )
    try:
        intake.run(stop)
    finally:
        server.cleanup()
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_stop_is_prompt_while_waiting_to_reconnect() -> None:
    port = free_port()
    server = DovecotServer()
    intake = ImapIntake(
        settings_for(server, port=port), server.password, Recorder(),
        timeout=1.0, backoff_initial=30.0,
    )
    stop = threading.Event()
    thread = threading.Thread(target=intake.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    stop.set()
    thread.join(timeout=5)
    server.cleanup()
    assert not thread.is_alive()
    assert time.monotonic() - started < 1.0


def test_an_accept_that_fails_for_a_while_is_retried_without_new_mail(dovecot: DovecotServer) -> None:
    failures = {"left": 2}

    def recovering(raw: bytes, meta: dict) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("databasen startar om")

    accept = Recorder(recovering)
    intake = fast_intake(dovecot, accept, idle_seconds=60)
    dovecot.append(draft(1))
    with running(intake):
        accept.wait_for(1, timeout=5)  # 0.1 s + 0.2 s of retry waits, not the 60 s IDLE
    assert dovecot.messages(PROCESSED) == [draft(1)]


def test_idle_is_always_renewed_within_29_minutes() -> None:
    server = DovecotServer()
    try:
        intake = ImapIntake(settings_for(server, idle_seconds=3600), server.password, Recorder())
        assert intake._cycle_seconds() == MAX_IDLE_SECONDS < 29 * 60
    finally:
        server.cleanup()


def test_connecting_to_a_port_that_is_not_imap_fails_with_an_imap_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def greet_badly() -> None:
        conn, _ = listener.accept()
        conn.sendall(b"220 smtp.exempelby.se ESMTP\r\n")
        time.sleep(0.5)
        conn.close()

    threading.Thread(target=greet_badly, daemon=True).start()
    server = DovecotServer()
    try:
        with pytest.raises(ImapError):
            connect(settings_for(server, port=port), "x", timeout=2.0)
    finally:
        listener.close()
        server.cleanup()


def test_a_refused_login_is_retried_slowly(dovecot: DovecotServer) -> None:
    waits: list[float] = []
    stop = threading.Event()

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            stop.set()

    intake = ImapIntake(
        settings_for(dovecot), "fel-losenord", Recorder(),
        sleep=sleep, timeout=10.0, backoff_initial=1.0, backoff_max=600.0,
    )
    intake.run(stop)
    assert waits == [60.0, 120.0, 240.0]


def understating_sizes(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    """Connect, but make the server answer RFC822.SIZE 1 for every message, as a buggy server might."""
    client = connect(*args, **kwargs)
    fetch = client.fetch

    def fetch_understated(uids, items, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        answer = fetch(uids, items, *a, **k)
        for data in answer.values():
            if b"RFC822.SIZE" in data:
                data[b"RFC822.SIZE"] = 1
        return answer

    client.fetch = fetch_understated
    return client


def test_a_server_that_understates_a_size_gets_no_more_than_the_limit_read(dovecot: DovecotServer) -> None:
    big = draft(1).replace(b"\r\n\r\n", b"\r\n\r\n" + b"y" * 50_000 + b"\r\n", 1)
    dovecot.append(big)
    accept = Recorder()
    intake = ImapIntake(settings_for(dovecot), dovecot.password, accept, connector=understating_sizes,
                        max_message_bytes=10_000)
    try:
        assert intake.poll_once() == 1
    finally:
        intake.close()
    ((raw, meta),) = accept.calls
    assert raw == big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert meta["size"] == 10_001  # what it knows: more than the limit
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages(FAILED) == [big]


def test_a_message_expunged_between_its_size_and_its_body_is_passed_over(dovecot: DovecotServer) -> None:
    dovecot.append(draft(1))
    dovecot.append(draft(2))

    def connector(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        client = connect(*args, **kwargs)
        fetch = client.fetch

        def expunge_the_first(uids, items, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
            answer = fetch(uids, items, *a, **k)
            if items == ["RFC822.SIZE"]:  # another intake takes draft 1 right after
                with dovecot.client() as other:
                    other.select_folder("INBOX")
                    other.delete_messages([min(uids)])
                    other.expunge()
            return answer

        client.fetch = expunge_the_first
        return client

    accept = Recorder()
    intake = ImapIntake(settings_for(dovecot), dovecot.password, accept, connector=connector)
    try:
        assert intake.poll_once() == 1
    finally:
        intake.close()
    assert [raw for raw, _ in accept.calls] == [draft(2)]
    assert dovecot.messages(PROCESSED) == [draft(2)]
