"""Configuration folders written the way an administrator writes them (contracts/config.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from service.config import Config, load_config

CORPUS_CONFIG = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "config"
"""The corpus's configuration: its workplaces and rosters are reused by the tests."""


def write_config(
    folder: Path,
    *,
    redis_url: str = "",
    smtp_port: int | None = None,
    database_url: str | None = None,
    imap: dict | None = None,
    extra: str = "",
    storage_url: str = "",
    storage_endpoint: str = "",
) -> Path:
    """Write minnes.toml plus the corpus workplaces into ``folder``; return the folder.

    ``storage_url`` and ``storage_endpoint`` put the files in S3-compatible object storage.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(CORPUS_CONFIG / "workplaces", folder / "workplaces", dirs_exist_ok=True)
    var = folder / "var"
    delivery = (
        f'method = "smtp"\nsender = "Minnes <minnes@exempelby.se>"\nretry_base_seconds = 0.2\n\n'
        f'[delivery.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        if smtp_port
        else f'method = "outbox"\noutbox = "{var}/outbox"\nsender = "Minnes <minnes@exempelby.se>"\n'
    )
    intake = f'source = "maildir"\nmaildir = "{var}/inbox"\npoll_seconds = 0.2\n'
    if imap:
        intake = 'source = "imap"\npoll_seconds = 0.2\n'
    imap_section = ""
    if imap:
        imap_section = "\n[intake.imap]\n" + "".join(
            f"{k} = {v!r}\n".replace("'", '"') if isinstance(v, str) else f"{k} = {v}\n"
            for k, v in imap.items()
        )
    text = f"""
[intake]
{intake}mailbox_address = "apt@exempelby.se"
trusted_authserv_id = "mx.exempelby.se"
{imap_section}
[redis]
url = "{redis_url}"

[database]
url = "{database_url or f"sqlite:///{var}/minnes.db"}"

[storage]
path = "{var}/files"
url = "{storage_url}"
endpoint_url = "{storage_endpoint}"

[delivery]
{delivery}
[signing]
pkcs12 = "{var}/signing.p12"

[web]
listen = "127.0.0.1:0"
base_url = "http://127.0.0.1:8080"
auth = "header"
trusted_user_header = "X-Remote-User"
trusted_proxies = ["127.0.0.1"]
admins = ["it.admin@exempelby.se"]

[worker]
sweep_seconds = 0.5
stale_seconds = 5
{extra}
"""
    (folder / "minnes.toml").write_text(text, encoding="utf-8")
    return folder


def make_config(folder: Path, **kwargs: object) -> Config:
    """Write and load a configuration."""
    return load_config(write_config(folder, **kwargs))
