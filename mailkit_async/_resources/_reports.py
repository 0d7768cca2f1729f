"""``client.report``: campaign and delivery reports."""

from __future__ import annotations

from ..models import MessageRecipient
from ._base import Resource, invoke

__all__ = ["ReportResource"]


class ReportResource(Resource):
    """Reports: overviews, per-delivery statistics and the raw exports."""

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
        )
