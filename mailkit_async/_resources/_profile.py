"""``client.profile``: the account's sender addresses and saved recipient queries."""

from __future__ import annotations

from ..models import SavedQuery, SenderAddress
from ._base import Resource, invoke
from ._reshape import rows

__all__ = ["ProfileResource"]


class ProfileResource(Resource):
    """Account profile: sender addresses and saved recipient queries (``mailkit.profile.*``)."""

    async def emails_list(self) -> list[SenderAddress]:
        """The account's sender (From) addresses (``mailkit.profile.emails.list``).

        The XML-RPC answer is an array; the JSON one is not documented (a third-party
        client reads an ``emails`` array inside an object): both shapes are accepted.
        """
        return await invoke(
            self._client,
            "mailkit.profile.emails.list",
            {},
            list[SenderAddress],
            adapt=lambda value: rows(value, "emails", "data"),
        )

    async def queries_list(self) -> list[SavedQuery]:
        """The account's saved recipient conditions (``mailkit.profile.queries.list``).

        The answer wraps the list in ``data`` (JSON form inferred from the XML-RPC one).
        """
        return await invoke(
            self._client,
            "mailkit.profile.queries.list",
            {},
            list[SavedQuery],
            adapt=lambda value: rows(value, "data"),
        )
