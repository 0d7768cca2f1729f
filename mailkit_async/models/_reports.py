"""Reporting results."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = ["DeliveryStatus", "MessageRecipient"]


class DeliveryStatus(enum.StrEnum):
    """Delivery states of one message in ``report.message.recipients``."""

    SENT = "sent"
    FAILED = "failed"
    """Bounced."""
    WAIT = "wait"
    """Queued; the receiving side has not answered yet."""
    WAIT_AB = "wait_ab"
    """Held for the A/B test evaluation."""


@attrs.frozen
class MessageRecipient:
    """One recipient of a campaign delivery (``mailkit.report.message.recipients``)."""

    id_send_message: int
    id_email: int
    email: str
    status: str = ""
    """A ``DeliveryStatus`` value; kept as text so a new state never breaks decoding."""
    date: datetime | None = None
    read_count: int = 0
    click_count: int = 0
    ab_version: str = ""
