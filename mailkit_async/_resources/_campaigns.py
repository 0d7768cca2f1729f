"""``client.campaigns``: campaign management."""

from __future__ import annotations

from ..models import Campaign
from ._base import Resource, invoke

__all__ = ["CampaignsResource"]


class CampaignsResource(Resource):
    """Campaign management: list, create, update, schedule and test campaigns."""

    async def list(self, id_message: int | None = None) -> list[Campaign]:
        """All campaigns of the account, or just one (``mailkit.campaigns.list``).

        An unknown ``id_message`` gives an empty list, not an error (Mailkit's behaviour).
        """
        return await invoke(
            self._client, "mailkit.campaigns.list", {"ID_message": id_message}, list[Campaign]
        )
