"""A real Dovecot IMAP server started from a temporary folder, for integration tests."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.support.certs import write_self_signed

DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
"""Where the dovecot binary is looked for before ``$PATH``."""

INSTALL_HINT = "Dovecot is not installed: run `apt-get install dovecot-imapd` (`make test` does it)."
"""What to do when Dovecot is missing."""

CONFIG_TEMPLATE = """\
# Written by tests/support/dovecot.py: a throwaway Dovecot for one test.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
instance_name = minnes-test-{port}
protocols = imap
listen = 127.0.0.1
{ssl_lines}
auth_mechanisms = plain login xoauth2 oauthbearer
disable_plaintext_auth = no
first_valid_uid = 1
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:{root}/mail/%u
mailbox_idle_check_interval = 1 secs
imap_idle_notify_interval = 2 mins
{capability_line}
namespace inbox {{
  inbox = yes
  separator = {separator}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""


class DovecotMissing(RuntimeError):
    """The Dovecot binary is not installed."""


class DovecotStartError(RuntimeError):
    """Dovecot did not start; the message carries its log."""


def find_dovecot() -> str:
    """Return the path of the dovecot binary, or raise :class:`DovecotMissing`."""
    for candidate in DOVECOT_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("dovecot")
    if found:
        return found
    raise DovecotMissing(INSTALL_HINT)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    """One Dovecot instance with one user and a maildir, all under a temporary folder."""

    def __init__(
        self,
        *,
        username: str = "apt@exempelby.se",
        password: str = "hemligt-test-losen",
        separator: str = "/",
        capabilities: str | None = None,
        tls: bool = False,
        root: Path | None = None,
    ) -> None:
        """Prepare (but do not start) a server.

        ``capabilities`` replaces the advertised list; ``tls`` adds STARTTLS on ``port`` and
        implicit TLS on ``tls_port`` with a self-signed certificate for 127.0.0.1 (``cert_path``).
        """
        self.binary = find_dovecot()
        self.doveadm = str(Path(self.binary).with_name("doveadm"))
        if not os.access(self.doveadm, os.X_OK):
            self.doveadm = shutil.which("doveadm") or "doveadm"
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.tls = tls
        self.username = username
        self.password = password
        self.separator = separator
        self._own_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="minnes-dovecot-"))
        self.config_path = self.root / "dovecot.conf"
        self.cert_path = self.root / "cert.pem"
        self._process: subprocess.Popen[bytes] | None = None
        self._write_config(capabilities)

    # ------------------------------------------------------------------ lifecycle

    def _write_config(self, capabilities: str | None) -> None:
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            login_user, internal_user = "dovenull", "dovecot"
        else:  # an ordinary developer account: everything runs as that user
            mail_user = pwd.getpwuid(os.geteuid())
            login_user = internal_user = mail_user.pw_name
        self.root.chmod(0o755)
        for sub in ("mail", "home"):
            path = self.root / sub
            path.mkdir(exist_ok=True)
            os.chown(path, mail_user.pw_uid, mail_user.pw_gid)
        passwd = self.root / "passwd"
        passwd.write_text(f"{self.username}:{{PLAIN}}{self.password}::::::\n", encoding="utf-8")
        passwd.chmod(0o644)
        capability_line = f"imap_capability = {capabilities}" if capabilities else ""
        ssl_lines = "ssl = no"
        if self.tls:
            key_path = self.root / "key.pem"
            write_self_signed(self.cert_path, key_path)
            ssl_lines = f"ssl = yes\nssl_cert = <{self.cert_path}\nssl_key = <{key_path}"
        self.config_path.write_text(
            CONFIG_TEMPLATE.format(
                root=self.root,
                port=self.port,
                login_user=login_user,
                internal_user=internal_user,
                mail_user=mail_user.pw_uid,
                mail_group=mail_user.pw_gid,
                separator=self.separator,
                capability_line=capability_line,
                ssl_lines=ssl_lines,
                tls_port=self.tls_port,
            ),
            encoding="utf-8",
        )

    def start(self, timeout: float = 15.0) -> DovecotServer:
        """Start Dovecot in the foreground and return once it greets on its port."""
        if self._process is not None and self._process.poll() is None:
            return self
        self._process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self._process.stdout.read().decode(errors="replace") if self._process.stdout else ""
                self._process = None
                raise DovecotStartError(f"Dovecot exited at start:\n{output}\n{self.log()}")
            if self._greets():
                return self
            time.sleep(0.02)
        self.stop()
        raise DovecotStartError(
            f"Dovecot did not answer on port {self.port} within {timeout} s:\n{self.log()}"
        )

    def _greets(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0) as sock:
                return sock.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def stop(self, *, graceful: bool = True) -> None:
        """Stop Dovecot and its children (``graceful=False``: SIGKILL them all, as in a crash)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None and not graceful:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        # Dovecot's children may outlive the master briefly; wait until the port is free.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self._greets():
            time.sleep(0.02)

    def restart(self) -> None:
        """Stop and start again on the same port, keeping the mail."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop at once and remove the temporary folder."""
        self.stop(graceful=False)
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        """Return Dovecot's log so far."""
        try:
            return (self.root / "dovecot.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"

    def wait_for_log(self, text: str, timeout: float = 10.0) -> str:
        """Return the log once it holds `text`; Dovecot's log process writes it a moment later."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log()
            if text in log or time.monotonic() >= deadline:
                return log
            time.sleep(0.05)

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # ------------------------------------------------------------------ mailbox helpers

    def client(self) -> IMAPClient:
        """Return a logged-in IMAP connection; use it in ``with``, which logs out."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        if self.password.isascii():
            client.login(self.username, self.password)
        else:  # LOGIN is ASCII only
            client.plain_login(self.username, self.password)
        return client

    def _name(self, folder: str) -> str:
        return folder if folder.upper() == "INBOX" else folder.replace("/", self.separator)

    def append(self, raw: bytes, folder: str = "INBOX") -> int | None:
        """APPEND a message (creating the folder if needed); return its UID when the server says."""
        with self.client() as client:
            name = self._name(folder)
            if not client.folder_exists(name):
                client.create_folder(name)
            answer = client.append(name, raw)
        match = re.search(rb"APPENDUID \d+ (\d+)", answer or b"")
        return int(match.group(1)) if match else None

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """Return the raw messages in a folder, in UID order ([] when the folder is missing)."""
        with self.client() as client:
            name = self._name(folder)
            if not client.folder_exists(name):
                return []
            client.select_folder(name, readonly=True)
            uids = sorted(client.search("ALL"))
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [data[uid][b"BODY[]"] for uid in uids]

    def flags(self, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        """Return the flags of the messages in a folder, in UID order."""
        with self.client() as client:
            client.select_folder(self._name(folder), readonly=True)
            uids = sorted(client.search("ALL"))
            data = client.get_flags(uids) if uids else {}
        return [tuple(data[uid]) for uid in uids]

    def folders(self) -> list[str]:
        """Return every folder name, with ``/`` as the separator."""
        with self.client() as client:
            listed = client.list_folders()
        return sorted(name.replace(self.separator, "/") for _flags, _sep, name in listed)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        """Return a folder's UIDVALIDITY."""
        with self.client() as client:
            status = client.folder_status(self._name(folder), [b"UIDVALIDITY"])
        return int(status[b"UIDVALIDITY"])

    def recreate_mailbox(self, folder: str = "INBOX") -> int:
        """Give a folder a new UIDVALIDITY, keeping its messages; return the new value.

        INBOX cannot be deleted over IMAP, so it gets a new UIDVALIDITY through doveadm (as after a
        server migration); any other folder is deleted, created again and refilled.
        """
        name = self._name(folder)
        old = self.uidvalidity(folder)
        if name.upper() == "INBOX":
            new = max(old + 1, int(time.time()))
            subprocess.run(
                [self.doveadm, "-c", str(self.config_path), "mailbox", "update", "-u", self.username,
                 "--uid-validity", str(new), name],
                check=True, capture_output=True, timeout=30,
            )
        else:
            kept = self.messages(folder)
            with self.client() as client:
                client.delete_folder(name)
                client.create_folder(name)
                for raw in kept:
                    client.append(name, raw)
        new = self.uidvalidity(folder)
        if new == old:
            raise AssertionError(f"UIDVALIDITY of {folder} did not change ({old})")
        return new


def start_dovecot(**kwargs: object) -> DovecotServer:
    """Start a Dovecot, failing the test with a clear message when it is missing or broken."""
    try:
        server = DovecotServer(**kwargs)  # type: ignore[arg-type]
    except DovecotMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        return server.start()
    except DovecotStartError as exc:
        server.cleanup()
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """Yield a started Dovecot with one user and an empty INBOX; stop and remove it afterwards."""
    server = start_dovecot()
    try:
        yield server
    finally:
        server.cleanup()
