"""The rq jobs: each takes one id and runs one idempotent pipeline step; a worker runs these and no others."""

from __future__ import annotations

import threading

from service.bootstrap import Services
from service.config import load_config

_services: Services | None = None
_lock = threading.Lock()


def configure(services: Services) -> None:
    """Use these services for jobs run in this process."""
    global _services
    _services = services


def services() -> Services:
    """Return this process's services, loading the configuration from $MINNES_CONFIG if needed."""
    global _services
    with _lock:
        if _services is None:
            _services = Services(load_config())
        return _services


def process(inbound_id: int) -> None:
    """Parse, route, authorise and structure one inbound message."""
    services().pipeline.process(inbound_id)


def sign(minutes_id: int) -> None:
    """Render and sign one minutes version and create its deliveries."""
    services().pipeline.sign(minutes_id)


def distribute(minutes_id: int) -> None:
    """Send one minutes version to every recipient still due."""
    services().pipeline.distribute(minutes_id)


def send_mail(mail_id: int) -> None:
    """Send one receipt, rejection or report."""
    services().pipeline.send_mail(mail_id)
