"""Compose the mail Minnes sends: distribution, receipt, rejection and delivery report.

The pieces live in their own modules, and are all importable from here as before:

- :mod:`service.mail.message`: what every mail shares (policy, common headers, addresses, bodies
  rendered from ``templates/mail/``);
- :mod:`service.mail.message_ids`: Message-IDs derived from what a mail is about;
- :mod:`service.mail.distribution`: the minutes to one person, the PDF attached;
- :mod:`service.mail.distribution_batch`: a fan-out's mails put together from shared bytes;
- :mod:`service.mail.replies`: the receipt and the rejection, threaded under the draft;
- :mod:`service.mail.delivery_report`: who was not reached, and why.
"""

from __future__ import annotations

from service.domain.wording import swedish_date  # re-exported for older callers
from service.mail.delivery_report import delivery_report, explain_reason
from service.mail.distribution import distribution
from service.mail.distribution_batch import DistributionBatch
from service.mail.message import KINDS, POLICY, TEMPLATES, ComposeError, render_body, sender_domain
from service.mail.message_ids import distribution_message_id
from service.mail.replies import confirm_request, hold_notice, receipt, rejection

__all__ = [
    "KINDS",
    "POLICY",
    "TEMPLATES",
    "ComposeError",
    "confirm_request",
    "DistributionBatch",
    "delivery_report",
    "distribution",
    "distribution_message_id",
    "explain_reason",
    "hold_notice",
    "receipt",
    "rejection",
    "render_body",
    "sender_domain",
    "swedish_date",
]
