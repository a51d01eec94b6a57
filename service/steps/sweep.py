"""Sweep: ask every step for its unfinished work and hand it on again; Redis may have lost it.

The sweeper knows no step's states: each step module offers ``SWEPT``, an
:class:`~service.steps.context.Unfinished` that hands back its abandoned claims and names the ids still
to do. All of them answer in one transaction; the work is enqueued (or settled here) after it.
"""

from __future__ import annotations

import datetime as dt

from service.archive.db import utcnow
from service.steps import confirm, distribute, followup, justering, mail, process, review, settle, sign
from service.steps.context import STEPS, StepContext, SweepTimes, Unfinished

SWEPT: tuple[Unfinished, ...] = (
    process.SWEPT, confirm.SWEPT, justering.SWEPT, review.SWEPT, sign.SWEPT, distribute.SWEPT, settle.SWEPT,
    followup.SWEPT, mail.SWEPT,
)
"""The steps the sweeper asks, in the order their work is handed on."""


def sweep_times(ctx: StepContext) -> SweepTimes:
    """Return the moments this sweep judges claims by."""
    from service.mail.transport import SEND_DEADLINE_TIMEOUTS

    now = utcnow()
    worker = ctx.settings.worker
    # A send is cut off after SEND_DEADLINE_TIMEOUTS SMTP timeouts, and the claims a fan-out holds are
    # renewed after every mail: a live process on another host never loses its claim, so no mail goes
    # twice while its sender still works on it.
    smtp_timeout = ctx.settings.delivery.smtp.timeout
    sending = max(worker.stale_seconds, (SEND_DEADLINE_TIMEOUTS + 2) * smtp_timeout)
    return SweepTimes(
        now=now,
        stale=now - dt.timedelta(seconds=worker.stale_seconds),
        sending_stale=now - dt.timedelta(seconds=sending),
    )


def sweep(ctx: StepContext) -> dict[str, int]:
    """Re-enqueue whatever the database says is unfinished and not in progress; return how much per job."""
    times = sweep_times(ctx)
    with ctx.db.session() as s:
        found = [(step, step.find(s, times)) for step in SWEPT]
    counts = {name: 0 for name in STEPS}
    for step, idents in found:
        for ident in idents:
            if step.resume is None:
                ctx.enqueue(step.step, ident)
            else:
                step.resume(ctx, ident)
        if step.step in counts:
            counts[step.step] = len(idents)
    return counts
