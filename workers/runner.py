"""Start the long-running parts: worker, intake, sweeper, web, and `minnes run` that supervises them."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from service.config import Config, ConfigError

log = logging.getLogger("minnes")


def _logging() -> None:
    logging.basicConfig(
        level=os.environ.get("MINNES_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# --------------------------------------------------------------------------- worker


def run_worker(config: Config, *, burst: bool = False) -> int:
    """Run an rq worker for the pipeline's queue, in this process (the signing key is loaded once)."""
    from redis import Redis

    from service.bootstrap import Services, signer_for
    from workers import jobs

    _logging()
    url = config.settings.redis.url
    if not url:
        raise ConfigError("redis.url är tom — sätt den (eller MINNES_REDIS_URL), eller använd `minnes run`")
    services = Services(config)
    jobs.configure(services)
    try:
        signer_for(config)
    except Exception as exc:  # noqa: BLE001 - the sign job reports it; the worker still serves the rest
        log.error("signeringsnyckeln kan inte laddas: %s", exc)
    connection = Redis.from_url(url)
    from workers.queue import MinnesWorker, worker_name

    worker = MinnesWorker([config.settings.worker.queue], connection=connection, name=worker_name())
    if burst:
        services.pipeline.sweep()
    worker.work(burst=burst, logging_level=os.environ.get("MINNES_LOG_LEVEL", "INFO"), with_scheduler=False)
    return 0


# --------------------------------------------------------------------------- intake


def run_intake(config: Config) -> int:
    """Watch the mailbox (maildir or IMAP) and hand new messages to the pipeline."""
    from service.bootstrap import Services

    _logging()
    stop = threading.Event()
    _stop_on_signals(stop)
    with Services(config) as services:
        accept = _acceptor(services)
        intake = config.settings.intake
        if intake.source == "imap":
            from workers.imap import ImapIntake, imap_secret

            secret = imap_secret(intake.imap, config.secret(intake.imap.password_env))
            ImapIntake(intake.imap, secret, accept, max_message_bytes=intake.max_message_bytes).run(stop)
        else:
            from workers.maildir import MaildirIntake

            log.info("bevakar maildir %s", intake.maildir)
            MaildirIntake(
                intake.maildir, accept, poll_seconds=intake.poll_seconds,
                max_message_bytes=intake.max_message_bytes,
            ).run(stop)
    return 0


def _acceptor(services):  # noqa: ANN001, ANN202
    def accept(raw: bytes, ref: dict) -> None:
        if not raw.strip():
            from workers.intake import MessageRefused

            raise MessageRefused("tomt meddelande")
        result = services.pipeline.accept(
            raw, source=str(ref.get("source", "intake")), source_ref=ref, size=ref.get("size")
        )
        log.info("inkommande #%s %s", result.id, "taget" if result.created else "fanns redan")

    return accept


# --------------------------------------------------------------------------- sweeper


def run_sweeper(config: Config, *, once: bool = False) -> int:
    """Re-enqueue unfinished work from the database, every ``worker.sweep_seconds``."""
    from service.bootstrap import Services

    _logging()
    stop = threading.Event()
    if not once:
        _stop_on_signals(stop)
    retention_day: dt.date | None = None  # the day this sweeper last asked for retention
    with Services(config) as services:
        while True:
            try:
                counts = services.pipeline.sweep()
                if any(counts.values()):
                    log.info("svep: %s", counts)
            except Exception:  # noqa: BLE001 - keep sweeping; the next round may succeed
                log.exception("svepet misslyckades")
            today = dt.datetime.now(dt.UTC).date()
            if today != retention_day:  # asked once a day here; the database says who runs it
                retention_day = today
                _daily_retention(services)
            if once or stop.wait(config.settings.worker.sweep_seconds):
                return 0


def _daily_retention(services: object) -> None:
    """Apply retention once a day (the first sweeper of the day claims it in the database)."""
    from service.steps.retention import report_lines, run_daily

    try:
        done = run_daily(services.pipeline.context)
        if done is not None and (done.drafts or done.minutes):
            for line in report_lines(done, dry_run=False):
                log.info("%s", line)
    except Exception:  # noqa: BLE001 - retention waits for the next day's sweeper
        log.exception("gallringen misslyckades")


# --------------------------------------------------------------------------- web


# --------------------------------------------------------------------------- run


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


REDIS_PASSWORD_FILE = "redis-password"
"""The file in ``storage.state_path`` that keeps the local redis-server's generated password."""


def local_redis_password(config: Config) -> str:
    """Return the local redis-server's password, generated once into state_path (folder 0700, file 0600)."""
    from service.config.state import state_secret

    return state_secret(Path(config.settings.storage.state_path), REDIS_PASSWORD_FILE)


def local_redis_url(config: Config) -> str:
    """Return the URL, password included, of the redis-server that `minnes run` starts."""
    from urllib.parse import quote

    password = quote(local_redis_password(config), safe="")
    return f"redis://:{password}@127.0.0.1:{config.settings.redis.port}/0"


def _redis_conf(config: Config, data_dir: Path) -> str:
    """Return the local redis-server's configuration: loopback only, a password, nothing kept on disk."""
    password = local_redis_password(config)
    return "\n".join(
        [
            f"port {int(config.settings.redis.port)}",
            "bind 127.0.0.1",
            "protected-mode yes",
            f'requirepass "{password}"',
            'save ""',
            "appendonly no",
            f'dir "{data_dir}"',
            "daemonize no",
            "loglevel warning",
            "",
        ]
    )


def _check_local_redis(config: Config) -> None:
    """Make sure the redis-server on the local port wants this installation's password, and takes it."""
    from redis import Redis
    from redis.exceptions import AuthenticationError, RedisError

    port = config.settings.redis.port
    try:
        Redis(host="127.0.0.1", port=port, socket_timeout=5).ping()
    except AuthenticationError:
        pass  # NOAUTH: it wants a password, as it should
    except RedisError as exc:
        raise ConfigError(f"det som lyssnar på port {port} svarar inte som redis-server ({exc})") from None
    else:
        raise ConfigError(
            f"redis-servern på port {port} släpper in vem som helst utan lösenord — stoppa den, "
            "eller välj en annan [redis] port, så startar `minnes run` en egen med lösenord"
        )
    try:
        Redis.from_url(local_redis_url(config), socket_timeout=5).ping()
    except RedisError as exc:
        raise ConfigError(
            f"redis-servern på port {port} tar inte lösenordet i "
            f"{Path(config.settings.storage.state_path) / REDIS_PASSWORD_FILE} ({exc}) — stoppa den, "
            "eller välj en annan [redis] port"
        ) from None


def start_local_redis(config: Config) -> tuple[str, subprocess.Popen | None]:
    """Start a password-protected redis-server for this installation on 127.0.0.1 (or reuse our own)."""
    port = config.settings.redis.port
    url = local_redis_url(config)
    if _port_open("127.0.0.1", port):
        _check_local_redis(config)
        log.info("använder redis som redan kör på port %s", port)
        return url, None
    exe = shutil.which("redis-server")
    if not exe:
        raise ConfigError("redis-server saknas — installera paketet redis-server eller sätt redis.url")
    data_dir = Path(config.settings.storage.path).parent / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    # The configuration, password included, goes in on stdin: it is neither in `ps` nor on disk.
    proc = subprocess.Popen(
        [exe, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdin is not None
    proc.stdin.write(_redis_conf(config, data_dir).encode())
    proc.stdin.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _port_open("127.0.0.1", port):
            return url, proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)
    raise ConfigError(f"redis-server kunde inte starta på port {port}")


def place_sample(config: Config) -> Path | None:
    """On first start, put the sample draft in the maildir inbox so a newcomer sees minutes at once."""
    from workers.maildir import deliver_to_maildir

    if config.settings.intake.source != "maildir":
        return None
    marker = Path(config.settings.storage.path).parent / ".sample-placed"
    sample = config.directory / "samples" / "utkast.eml"
    if marker.exists() or not sample.exists():
        return None
    path = deliver_to_maildir(config.settings.intake.maildir, sample.read_bytes(), "sample-utkast.eml")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("1\n")
    return path


def _print_demo_link(config: Config, admin: str) -> None:
    """Print a one-time login link for the demo admin, once the page answers."""
    from service.bootstrap import Services
    from service.steps.login import demo_login_link
    from service.web.serve import listen_address

    host, port = listen_address(config, None, None)
    for _ in range(150):
        if _port_open(host, port):
            break
        time.sleep(0.2)
    with Services(config, queue=False) as services:
        link = demo_login_link(services, admin)
    print(f"\nLogga in som {admin} (engångslänk i ett dygn, för den första webbläsare som öppnar den):"
          f"\n\n    {link}\n", flush=True)


def run_all(config: Config, *, sample: bool = True, admin: str = "") -> int:
    """Run intake, a worker, the sweeper and the web page, restarting any that dies, until Ctrl-C."""
    from service.bootstrap import Services, signer_for

    _logging()
    stop = threading.Event()
    _stop_on_signals(stop)
    redis_proc = None
    env = dict(os.environ)
    env["MINNES_CONFIG"] = str(config.directory)
    env.setdefault("WEB_CONCURRENCY", "2")  # one machine: two gunicorn processes are plenty
    if not config.settings.redis.url:
        url, redis_proc = start_local_redis(config)
        env["MINNES_REDIS_URL"] = url
    with Services(config, queue=False):
        pass  # creates the schema once, before the children race for it
    signer_for(config)  # makes the trial key once, before the worker needs it
    if sample:
        placed = place_sample(config)
        if placed:
            log.info("exempelutkast lagt i inkorgen: %s", placed)
    commands = {
        "worker": ["worker"],
        "intake": ["intake"],
        "sweeper": ["sweep"],
        "web": ["web"],
    }
    procs: dict[str, subprocess.Popen] = {}
    restarts: dict[str, float] = {}

    def spawn(name: str) -> None:
        argv = [sys.executable, "-m", "service.cli", *commands[name], "--config", str(config.directory)]
        procs[name] = subprocess.Popen(argv, env=env)

    for name in commands:
        spawn(name)
    log.info("Minnes kör: arkivsidan %s — avsluta med Ctrl-C", config.settings.web.base_url)
    if admin:
        _print_demo_link(config, admin)
    elif config.settings.web.auth == "magic_link":
        log.info("logga in med en länk per e-post; för en demoadministratör: minnes run --admin DIN@ADRESS")
    try:
        while not stop.wait(0.5):
            for name, proc in list(procs.items()):
                if proc.poll() is not None:
                    wait = restarts.get(name, 0.5)
                    log.warning("%s avslutades (kod %s); startar om om %.1f s", name, proc.returncode, wait)
                    if stop.wait(wait):
                        break
                    restarts[name] = min(wait * 2, 30.0)
                    spawn(name)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
    return 0
