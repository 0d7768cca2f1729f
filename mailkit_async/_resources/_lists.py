"""``client.mailinglist``: mailing lists and the recipients in them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final

from .._exceptions import ConfigurationError, ResponseValidationError
from .._types import WireValue
from ..models import (
    AddUserResult,
    Engagement,
    ImportRecipient,
    ImportResult,
    ListRecipient,
    MailingList,
    MailingListCreated,
    RecipientData,
    UnsubscribedRecipient,
)
from ..models._common import b64
from ._base import Caller, Resource, drop_none, invoke
from ._pages import check_page_size, follow_cursor
from ._shapes import blank_nulls, group_ids, says_ok

__all__ = ["MAX_GETSTATUS_LIMIT", "MailingListResource", "expect_ok", "require_bool"]

MAX_GETSTATUS_LIMIT: Final = 10_000
"""The most rows ``mailkit.mailinglist.getstatus`` returns per call."""
DEFAULT_ENGAGEMENT_PAGE: Final = 25_000
"""Mailkit's own default ``limit`` of ``mailkit.mailinglist.engagement``."""

# Aliases: inside the class, ``list`` names the ``list()`` method.
_Recipients = list[ListRecipient]
_Scores = list[Engagement]
_Unsubscribes = list[UnsubscribedRecipient]


def require_bool(name: str, value: object, function: str) -> bool:
    """``value`` if it is a real ``bool``: choices with side effects are never guessed."""
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"{name} must be True or False, not {type(value).__name__}", function=function
        )
    return value


def _adduser_answer(value: WireValue) -> WireValue:
    # DOI answers a bare "Sent subscribe email"; a direct insert answers the record's ID
    # as "ID_email" in JSON but as "data" in XML-RPC.
    if isinstance(value, str):
        return {"confirmation_sent": True}
    if isinstance(value, dict):
        out = dict(value)
        if "data" in out and "ID_email" not in out:
            out["ID_email"] = out.pop("data")
        if out.get("error") == "Sent subscribe email":
            out.pop("error")
            out["confirmation_sent"] = True
        return out
    return value


def _unsubscribed_answer(value: WireValue) -> WireValue:
    if isinstance(value, list):
        return [
            {k: group_ids(v) if k.upper() == "ID_UNSUBSCRIBE_GROUP" else v for k, v in row.items()}
            if isinstance(row, dict)
            else row
            for row in value
        ]
    return value


def _import_records(
    recipients: Iterable[ImportRecipient | str], function: str
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in recipients:
        record = ImportRecipient(item) if isinstance(item, str) else item
        if not isinstance(record, ImportRecipient) or not record.email.strip():
            raise ConfigurationError(
                "each recipient is an ImportRecipient or an address", function=function
            )
        try:
            out.append(record.to_wire())
        except ValueError as exc:
            raise ConfigurationError(str(exc), function=function) from None
    if not out:
        raise ConfigurationError("no recipients to import", function=function)
    return out


class MailingListResource(Resource):
    """Mailing lists: list, create, delete, and add, edit, import and read recipients."""

    async def list(self) -> list[MailingList]:
        """Every mailing list of the account (``mailkit.mailinglist.list``)."""
        return await invoke(self._client, "mailkit.mailinglist.list", {}, list[MailingList])

    async def create(self, name: str, description: str | None = None) -> MailingListCreated:
        """Create an empty mailing list (``mailkit.mailinglist.create``).

        Raises ``ConflictError`` when a list with that name exists.
        """
        return await invoke(
            self._client,
            "mailkit.mailinglist.create",
            {"name": name, "description": description},
            MailingListCreated,
        )

    async def adduser(
        self,
        mailinglist_id: int,
        email: str,
        data: RecipientData | None = None,
        *,
        confirm: bool = False,
        template_id: int | None = None,
        email_from: str | None = None,
        name_from: str | None = None,
        return_url: str | None = None,
        ip_src: str | None = None,
        form_url: str | None = None,
    ) -> AddUserResult:
        """Insert a recipient into a list, or update the record (``mailinglist.adduser``).

        Args:
            mailinglist_id: The list.
            email: The recipient's address (the record's key).
            data: Personal data, address and custom fields (plain text; the library
                base64-encodes it).
            confirm: Double opt-in: send a confirmation e-mail instead of adding the
                recipient at once.
            template_id: The template whose confirmation e-mail is sent.
            email_from: Sender address of the confirmation e-mail.
            name_from: Sender name of the confirmation e-mail.
            return_url: Where the recipient lands after confirming.
            ip_src: IP address of the person who gave consent (evidence).
            form_url: URL of the form where consent was given.
        """
        data = data or RecipientData()
        personal = {"email": email, **data.personal(encode=False)}
        for key, value in (
            ("ID_template", template_id),
            ("email_from", email_from),
            ("name_from", name_from),
            ("return_url", return_url),
        ):
            if value is not None:
                personal[key] = str(value)
        params = {"ip_src": ip_src, "form_url": form_url}
        return await invoke(
            self._client,
            "mailkit.mailinglist.adduser",
            {
                "ID_user_list": mailinglist_id,
                "confirm": confirm,
                "personal": {k: b64(v) for k, v in personal.items()},
                "address": data.address(),
                "custom": data.customs(),
                "params": {k: v for k, v in params.items() if v is not None},
            },
            AddUserResult,
            adapt=_adduser_answer,
        )

    async def delete(self, mailinglist_id: int, *, keep_list: bool) -> None:
        """Delete a mailing list, or only empty it (``mailkit.mailinglist.delete``).

        ``keep_list`` has no default because both choices destroy data: False deletes
        the list with its recipients (and statistics not shared with other lists);
        True removes every recipient but keeps the empty list. Raises
        ``NotFoundError`` for an unknown list. The answer's shape is inferred from
        public client code (Mailkit's page was not readable).
        """
        function = "mailkit.mailinglist.delete"
        flag = require_bool("keep_list", keep_list, function)
        params = {"ID_user_list": mailinglist_id, "keep_list": flag}
        await expect_ok(self._client, function, params)

    async def edituser(
        self, mailinglist_id: int, recipient: int | str, data: RecipientData
    ) -> None:
        """Change the profile of a recipient in a list (``mailkit.mailinglist.edituser``).

        Args:
            mailinglist_id: The list holding the record.
            recipient: The record's ``ID_email``, or its address (as the official PHP
                library passes). The address itself cannot be changed.
            data: The fields to set, as plain text (the library base64-encodes them);
                fields left None keep their value.

        Raises ``NotFoundError`` for an unknown list or record.
        """
        function = "mailkit.mailinglist.edituser"
        try:
            branches = {
                "personal": data.personal(),
                "address": data.address(),
                "custom": data.customs(),
            }
        except ValueError as exc:
            raise ConfigurationError(str(exc), function=function) from None
        params = {"ID_user_list": mailinglist_id, "ID_email": recipient, **branches}
        await expect_ok(self._client, function, params)

    async def import_(
        self, mailinglist_id: int, recipients: Iterable[ImportRecipient | str]
    ) -> ImportResult:
        """Insert or update many recipients of one list in one call (``mailinglist.import``).

        Named ``import_`` because ``import`` is a Python keyword. Values travel as plain
        text, one flat record per recipient; public integrations send at most about
        5 000 recipients per call (the whole request must stay under 128 MB). Not
        safe to repeat automatically: a call that may have reached Mailkit is never
        retried.
        """
        function = "mailkit.mailinglist.import"
        return await invoke(
            self._client,
            function,
            {"ID_user_list": mailinglist_id, "recipients": _import_records(recipients, function)},
            ImportResult,
        )

    async def getstatus(
        self,
        mailinglist_id: int,
        *,
        status: str | None = None,
        change_date: datetime | None = None,
        start_id: int | None = None,
        limit: int | None = None,
    ) -> _Recipients:
        """One page of a list's recipients (``mailkit.mailinglist.getstatus``).

        Args:
            mailinglist_id: The list.
            status: Only records in this status (``enabled``, ``unknown``,
                ``temporary``, ``permanent``, ``unsubscribe``).
            change_date: Only records changed at or after this moment.
            start_id: The ``ID_email`` the page starts at (included).
            limit: Rows per page, at most 10 000.

        :meth:`iter_getstatus` pages through the whole list.
        """
        if limit is not None and not 1 <= limit <= MAX_GETSTATUS_LIMIT:
            raise ConfigurationError(
                f"limit must be 1..{MAX_GETSTATUS_LIMIT}", function="mailkit.mailinglist.getstatus"
            )
        return await invoke(
            self._client,
            "mailkit.mailinglist.getstatus",
            {
                "ID_user_list": mailinglist_id,
                "status": status,
                "change_date": change_date,
                "ID_email": start_id,
                "limit": limit,
            },
            _Recipients,
            adapt=blank_nulls,
        )

    def iter_getstatus(
        self,
        mailinglist_id: int,
        *,
        status: str | None = None,
        change_date: datetime | None = None,
        page_size: int = MAX_GETSTATUS_LIMIT,
    ) -> AsyncIterator[ListRecipient]:
        """Every recipient of a list, page by page, each once and in ID order.

        Holds one page (``page_size`` rows, 2..10 000) at a time::

            async for recipient in client.mailinglist.iter_getstatus(list_id):
                ...
        """
        size = check_page_size(page_size, "mailkit.mailinglist.getstatus", MAX_GETSTATUS_LIMIT)

        async def page(start: int | None) -> _Recipients:
            return await self.getstatus(
                mailinglist_id, status=status, change_date=change_date, start_id=start, limit=size
            )

        return follow_cursor(page, _row_id, 0, page_size=size)

    async def unsubscribed(self, since: date | None = None) -> _Unsubscribes:
        """Every unsubscribe of the whole account since ``since`` (``mailinglist.unsubscribed``).

        Account-wide, not per list, and not paged: the whole period comes in one answer.
        """
        return await invoke(
            self._client,
            "mailkit.mailinglist.unsubscribed",
            {"range_from": since},
            _Unsubscribes,
            adapt=_unsubscribed_answer,
        )

    async def engagement(
        self, mailinglist_id: int, *, start_id: int | None = None, limit: int | None = None
    ) -> _Scores:
        """One page of engagement scores of a list (``mailkit.mailinglist.engagement``).

        ``start_id`` is the ``ID_email`` the page starts at (included); Mailkit's
        default ``limit`` is 25 000. Scores change daily, so a full refresh starts
        from the beginning; :meth:`iter_engagement` pages through the list.
        """
        return await invoke(
            self._client,
            "mailkit.mailinglist.engagement",
            {"ID_user_list": mailinglist_id, "ID_email": start_id, "limit": limit},
            _Scores,
        )

    def iter_engagement(
        self, mailinglist_id: int, *, page_size: int = DEFAULT_ENGAGEMENT_PAGE
    ) -> AsyncIterator[Engagement]:
        """Every engagement score of a list, page by page, each once and in ID order."""
        size = check_page_size(page_size, "mailkit.mailinglist.engagement")

        async def page(start: int | None) -> _Scores:
            return await self.engagement(mailinglist_id, start_id=start, limit=size)

        return follow_cursor(page, _row_id, 0, page_size=size)


def _row_id(row: ListRecipient | Engagement) -> int:
    return row.id_email


async def expect_ok(client: Caller, function: str, params: Mapping[str, Any]) -> None:
    """Call a function whose only answer is Mailkit's "OK"; anything else is refused."""
    value = await client.call(function, drop_none(params))
    if not says_ok(value):
        shown = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ResponseValidationError(
            f"expected Mailkit's OK, got {shown}", function=function, errors=[]
        )
