"""``client.email``: Recipient records: status, history, move, delete, unsubscribe, topics, wipe (``mailkit.email.*``)."""

from __future__ import annotations

from ._base import Resource

__all__ = ["EmailResource"]


class EmailResource(Resource):
    """Recipient records: status, history, move, delete, unsubscribe, topics, wipe (``mailkit.email.*``)."""
