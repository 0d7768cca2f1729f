"""``client.report``: campaign and delivery reports, and the paged raw exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Final, Literal

from .._types import WireValue
from ..models import (
    CampaignOverview,
    DeliveryReport,
    FeedbackBucket,
    LinkReport,
    LinkVisitor,
    MessageBounce,
    MessageRecipient,
    MessageReport,
    RawBounce,
    RawMessage,
    RawResponse,
)
from ._base import Resource, invoke
from ._pages import check_page_size, follow_cursor

__all__ = ["ReportResource"]

_TEXT_TOTALS: Final = frozenset({"SUBJECT", "UTM", "SEND_DATE"})


def _rows(value: WireValue) -> WireValue:
    """A list answer; Mailkit's "no data" spellings (``""``, an empty struct) become ``[]``."""
    if value is None or value == "" or value == {}:
        return []
    return value


def _message_totals(value: WireValue) -> WireValue:
    """report.message: ``""`` means no data; an empty count (XML-RPC ``FAILED_COUNT``) is 0."""
    if value is None or value == "" or value == []:
        return {}
    if isinstance(value, dict):
        return {k: 0 if v == "" and k.upper() not in _TEXT_TOTALS else v for k, v in value.items()}
    return value


def _visitors(value: WireValue) -> WireValue:
    """links.visitors: a visitor without access details may carry ``DATA`` as ``""`` or ``[]``."""
    value = _rows(value)
    if not isinstance(value, list):
        return value
    out: list[WireValue] = []
    for row in value:
        if isinstance(row, dict):
            key = next((k for k in row if k.upper() == "DATA"), None)
            if key is not None and row[key] in ("", [], None):
                row = {k: v for k, v in row.items() if k != key}
        out.append(row)
    return out


def _raw_bounces(value: WireValue) -> WireValue:
    """raw.bounces: the message ID comes as ``ID_SEND_MESSGE``; a fixed spelling is taken too."""
    value = _rows(value)
    if not isinstance(value, list):
        return value
    out: list[WireValue] = []
    for row in value:
        if isinstance(row, dict) and "ID_SEND_MESSGE" not in row:
            fixed = next((k for k in row if k.upper() == "ID_SEND_MESSAGE"), None)
            if fixed is not None:
                row = {("ID_SEND_MESSGE" if k == fixed else k): v for k, v in row.items()}
        out.append(row)
    return out


class ReportResource(Resource):
    """Reports: overviews, per-delivery statistics and the raw exports.

    Every report is safe to repeat, so failed calls are retried. Empty answers
    (Mailkit's ``""`` for "no data") give empty results.
    """

    async def overview(
        self, *, range_from: date | None = None, range_to: date | None = None
    ) -> list[CampaignOverview]:
        """One row per campaign with totals for a period (``mailkit.report``).

        Without a range Mailkit reports about the last month. On XML-RPC, which is
        positional, ``range_to`` needs ``range_from`` too.
        """
        return await invoke(
            self._client,
            "mailkit.report",
            {"range_from": range_from, "range_to": range_to},
            list[CampaignOverview],
            adapt=_rows,
        )

    async def campaign(
        self, id_message: int, *, range_from: date | None = None, range_to: date | None = None
    ) -> list[DeliveryReport]:
        """One row per delivery of a campaign in a period (``mailkit.report.campaign``).

        Each row's ``id_send`` is the key for the ``message*`` reports. Without a
        range Mailkit reports about the last three months.
        """
        return await invoke(
            self._client,
            "mailkit.report.campaign",
            {"ID_message": id_message, "range_from": range_from, "range_to": range_to},
            list[DeliveryReport],
            adapt=_rows,
        )

    async def message(self, id_send: int) -> MessageReport:
        """Totals of one delivery (``mailkit.report.message``)."""
        return await invoke(
            self._client,
            "mailkit.report.message",
            {"ID_send": id_send},
            MessageReport,
            adapt=_message_totals,
        )

    async def message_recipients(self, id_send: int) -> list[MessageRecipient]:
        """Every recipient of one delivery with status and counts.

        Calls ``mailkit.report.message.recipients``. The whole delivery comes in one
        answer; for very large deliveries the raw exports page through the same data.
        """
        return await invoke(
            self._client,
            "mailkit.report.message.recipients",
            {"ID_send": id_send},
            list[MessageRecipient],
            adapt=_rows,
        )

    async def message_feedback(
        self, id_send: int, *, period: Literal["DAY", "WEEK", "MONTH"] | None = None
    ) -> list[FeedbackBucket]:
        """Reactions to one delivery over time (``mailkit.report.message.feedback``).

        ``period`` is how long after the send the series covers (Mailkit's default is
        ``"DAY"``); buckets are hours or days accordingly.
        """
        return await invoke(
            self._client,
            "mailkit.report.message.feedback",
            {"ID_send": id_send, "period": period},
            list[FeedbackBucket],
            adapt=_rows,
        )

    async def message_links(self, id_send: int) -> list[LinkReport]:
        """Clicks per link of one delivery (``mailkit.report.message.links``)."""
        return await invoke(
            self._client,
            "mailkit.report.message.links",
            {"ID_send": id_send},
            list[LinkReport],
            adapt=_rows,
        )

    async def message_links_visitors(self, id_send: int, id_url: int) -> list[LinkVisitor]:
        """Who clicked one link of a delivery, from where (``report.message.links.visitors``).

        ``id_url`` is a ``LinkReport.id_url`` of the same delivery.
        """
        return await invoke(
            self._client,
            "mailkit.report.message.links.visitors",
            {"ID_send": id_send, "ID_url": id_url},
            list[LinkVisitor],
            adapt=_visitors,
        )

    async def message_bounces(self, id_send: int) -> list[MessageBounce]:
        """Bounced messages of one delivery with SMTP status (``report.message.bounces``)."""
        return await invoke(
            self._client,
            "mailkit.report.message.bounces",
            {"ID_send": id_send},
            list[MessageBounce],
            adapt=_rows,
        )

    async def raw_messages(
        self,
        *,
        id_message: int | None = None,
        id_send: int | None = None,
        id_send_message: int | None = None,
        limit: int | None = None,
    ) -> list[RawMessage]:
        """One page of the sent-message export (``mailkit.report.raw.messages``).

        Rows start AT ``id_send_message`` (inclusive) and number at most ``limit``
        (Mailkit's default and maximum: 25000). :meth:`iter_raw_messages` pages for
        you. Mailkit discourages the raw exports for interactive use.
        """
        return await invoke(
            self._client,
            "mailkit.report.raw.messages",
            {
                "ID_message": id_message,
                "ID_send": id_send,
                "ID_send_message": id_send_message,
                "limit": limit,
            },
            list[RawMessage],
            adapt=_rows,
        )

    async def raw_bounces(
        self,
        *,
        id_message: int | None = None,
        id_send: int | None = None,
        id_undelivered_log: int | None = None,
        limit: int | None = None,
    ) -> list[RawBounce]:
        """One page of the bounce export (``mailkit.report.raw.bounces``).

        Rows start AT ``id_undelivered_log`` (inclusive); :meth:`iter_raw_bounces`
        pages for you.
        """
        return await invoke(
            self._client,
            "mailkit.report.raw.bounces",
            {
                "ID_message": id_message,
                "ID_send": id_send,
                "ID_undelivered_log": id_undelivered_log,
                "limit": limit,
            },
            list[RawBounce],
            adapt=_raw_bounces,
        )

    async def raw_responses(
        self,
        *,
        id_message: int | None = None,
        id_send: int | None = None,
        id_send_message: int | None = None,
        id_log: int | None = None,
        limit: int | None = None,
    ) -> list[RawResponse]:
        """One page of the reaction export (``mailkit.report.raw.responses``).

        Inferred, not documented: Mailkit's page could not be read. Parameter names
        come from public client code; on XML-RPC the order (ID_message, ID_send,
        ID_send_message, ID_log, limit) is chosen by analogy with the other raw
        exports and filters left out are sent as 0. Prefer JSON for this function.
        Rows start AT ``id_log`` (inclusive); :meth:`iter_raw_responses` pages for you.
        """
        return await invoke(
            self._client,
            "mailkit.report.raw.responses",
            {
                "ID_message": id_message,
                "ID_send": id_send,
                "ID_send_message": id_send_message,
                "ID_log": id_log,
                "limit": limit,
            },
            list[RawResponse],
            adapt=_rows,
        )

    def iter_raw_messages(
        self,
        *,
        id_message: int | None = None,
        id_send: int | None = None,
        start: int | None = None,
        page_size: int = 25000,
    ) -> AsyncIterator[RawMessage]:
        """Every row of the sent-message export, one page in memory at a time.

        Pages follow the ``ID_send_message`` cursor from ``start`` (inclusive); each
        row is yielded once, in ID order. Each page is one retried, safe call::

            async for row in client.report.iter_raw_messages(id_send=send_id):
                ...
        """
        size = check_page_size(page_size, "mailkit.report.raw.messages")

        async def fetch(cursor: int | None) -> list[RawMessage]:
            return await self.raw_messages(
                id_message=id_message, id_send=id_send, id_send_message=cursor, limit=size
            )

        return follow_cursor(fetch, lambda row: row.id_send_message, start)

    def iter_raw_bounces(
        self,
        *,
        id_message: int | None = None,
        id_send: int | None = None,
        start: int | None = None,
        page_size: int = 25000,
    ) -> AsyncIterator[RawBounce]:
        """Every row of the bounce export, following ``ID_undelivered_log`` from ``start``.

        Same paging as :meth:`iter_raw_messages`.
        """
        size = check_page_size(page_size, "mailkit.report.raw.bounces")

        async def fetch(cursor: int | None) -> list[RawBounce]:
            return await self.raw_bounces(
                id_message=id_message, id_send=id_send, id_undelivered_log=cursor, limit=size
            )

        return follow_cursor(fetch, lambda row: row.id_undelivered_log, start)

    def iter_raw_responses(
        self,
        *,
        id_message: int | None = None,
        id_send: int | None = None,
        start: int | None = None,
        page_size: int = 25000,
    ) -> AsyncIterator[RawResponse]:
        """Every row of the reaction export, following ``ID_log`` from ``start``.

        Same paging as :meth:`iter_raw_messages`; the function's shape is inferred (see
        :meth:`raw_responses`).
        """
        size = check_page_size(page_size, "mailkit.report.raw.responses")

        async def fetch(cursor: int | None) -> list[RawResponse]:
            return await self.raw_responses(
                id_message=id_message, id_send=id_send, id_log=cursor, limit=size
            )

        return follow_cursor(fetch, lambda row: row.id_log, start)
