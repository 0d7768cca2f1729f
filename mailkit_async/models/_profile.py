"""Account profile results: sender addresses and saved recipient queries."""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["SavedQuery", "SenderAddress"]


@attrs.frozen
class SenderAddress:
    """A sender (From) address of the account (``mailkit.profile.emails.list``).

    ``id_allow_email`` is what ``campaigns.create``/``update`` take as the sender.
    ``status`` and ``spf`` are Mailkit's texts (``"active"``, ``"TRUE"``), kept as
    text so an unlisted value never breaks decoding.
    """

    id_allow_email: int
    email: str = ""
    name: str = ""
    status: str = ""
    spf: str = ""

    @property
    def usable(self) -> bool:
        """Whether the address may be used for sending (status ``"active"``)."""
        return self.status.strip().lower() == "active"

    @property
    def spf_valid(self) -> bool:
        """Whether the domain's SPF record is in order (``spf`` is ``"TRUE"``)."""
        return self.spf.strip().upper() == "TRUE"


@attrs.frozen
class SavedQuery:
    """A saved recipient condition (``mailkit.profile.queries.list``).

    ``id_query`` is what ``campaigns.create``/``update``/``single_schedule`` take as
    the recipient filter. The page shows only part of each record: members beyond
    those below are not known.
    """

    id_query: int
    name: str = ""
    description: str = ""
    date: datetime | None = None
    """When the query was created."""
    create_name: str = ""
    """The user who created it (inferred from the name)."""
    change_date: datetime | None = None
    change_name: str = ""
    """The user who changed it last (inferred from the name)."""
