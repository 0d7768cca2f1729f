"""Campaign management results."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["Campaign"]


@attrs.frozen
class Campaign:
    """One campaign as ``mailkit.campaigns.list`` describes it."""

    id_message: int
    name: str = ""
    subject: str = ""
    subject_b: str = ""
    msg_type: str = ""
    campaign_type: str = ""
    use_ab: bool = False
    test_mode: bool = False
    send_date: datetime | None = None
    time_zone: str = ""
    last_sent: datetime | None = None
    repeat: bool = False
    repeat_count: int | None = None
    period: str = ""
    days: str = ""
    status: str = ""
    type: str = ""
    user_list: tuple[int, ...] = ()
    """Mailing-list IDs (an array in JSON, sometimes a lone int in XML-RPC)."""
