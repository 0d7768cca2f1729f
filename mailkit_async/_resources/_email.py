"""``client.email``: one recipient's records, history, unsubscribes, topics and erasure.

A recipient is named by record ID (``int``, the ``ID_email`` of one list record) or
by address (``str``; an e-mail address, or a phone number for SMS recipients).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._catalog._lists import EmailRef
from .._exceptions import APIError, ConfigurationError, NotFoundError, error_for_message
from .._types import WireValue
from ..models import (
    EmailMoved,
    EmailRecord,
    EmailsDeleted,
    EmailUnsubscribed,
    HistoryMessage,
    Revalidated,
    UnsubscribeStatus,
    WipeQueued,
)
from ._base import Resource, drop_none, invoke
from ._lists import require_bool
from ._shapes import blank_nulls

__all__ = ["EmailResource"]

_Records = list[EmailRecord]
_History = list[HistoryMessage]
_NO_TEXT = error_for_message("").message
"""What an ``APIError`` says when Mailkit's error text was empty."""
_OPT_OUT_DAYS = range(14, 91)
"""Mailkit's documented range for a temporary unsubscribe."""


def _ref(recipient: object, function: str) -> EmailRef:
    try:
        return EmailRef.of(recipient)
    except ConfigurationError as exc:
        raise ConfigurationError(exc.message, function=function) from None


def _lookup(ref: EmailRef) -> dict[str, Any]:
    """``email`` only for an address; ``ID_email`` always (it holds the XML-RPC slot)."""
    return {"email": ref if ref.address is not None else None, "ID_email": ref}


def _move_answer(email_id: int, list_id: int, function: str) -> Callable[[WireValue], WireValue]:
    def adapt(value: WireValue) -> WireValue:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            # XML-RPC reports only 1 (moved) or 0 (unknown record or list).
            if value == 0:
                raise error_for_message("Invalid ID_email or email", function=function)
            return {"ID_email_source": email_id, "ID_user_list": list_id}
        if isinstance(value, dict):
            rest = dict(value)
            common = {
                "ID_email_source": rest.pop("ID_email_source", email_id),
                "ID_user_list": rest.pop("ID_user_list", list_id),
            }
            return {**common, "details": rest or None}
        return value

    return adapt


def _deleted_answer(value: WireValue) -> WireValue:
    if isinstance(value, int | str) and not isinstance(value, bool):
        return {"emails": value}
    return value


def _unsubscribe_answer(value: WireValue) -> WireValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"ID_email": value}
    return value


def _unsubscribe_status_answer(value: WireValue) -> WireValue:
    if isinstance(value, str):
        return {"unsubscribed": value}
    if isinstance(value, dict):
        rest = dict(value)
        unsubscribed = rest.pop("unsubscribe", None)
        timeout = rest.get("timeout")
        if isinstance(timeout, dict):
            rest["timeout"] = timeout.get("date")
        return {"unsubscribed": unsubscribed, "details": rest}
    return value


_REVALIDATE_TEXTS = {"Sent subscribe email": True, "Email has been revalidated": False}


def _revalidate_answer(value: WireValue) -> WireValue:
    text = value.get("error") if isinstance(value, dict) else value
    if isinstance(text, str):
        for known, sent in _REVALIDATE_TEXTS.items():
            if text.strip().startswith(known):
                return {"confirmation_sent": sent}
    return value


class EmailResource(Resource):
    """Recipient records: status, history, move, delete, unsubscribe, topics, wipe."""

    async def getstatus(
        self, recipient: int | str | None = None, *, id_send_message: int | None = None
    ) -> _Records:
        """The stored records of a recipient (``mailkit.email.getstatus``).

        An address gives one record per list that holds it; ``id_send_message``
        names the recipient of one delivered message instead. Raises
        ``NotFoundError`` when nothing matches (Mailkit answers an empty error text).
        """
        function = "mailkit.email.getstatus"
        if recipient is None and id_send_message is None:
            raise ConfigurationError("give a recipient or id_send_message", function=function)
        params: dict[str, Any] = {"ID_send_message": id_send_message}
        if recipient is not None:
            params.update(_lookup(_ref(recipient, function)))
        try:
            return await invoke(self._client, function, params, _Records, adapt=blank_nulls)
        except APIError as exc:
            if type(exc) is APIError and exc.message == _NO_TEXT:
                raise NotFoundError(
                    "no recipient record matches", function=function, code=exc.code
                ) from exc
            raise

    async def getstatus_history(self, recipient: int | str) -> _History:
        """The messages delivered to a recipient in about the last year.

        Calls ``mailkit.email.getstatus.history``. A record ID limits the history to
        deliveries of that record's list; an address covers every list holding it.
        """
        ref = _ref(recipient, "mailkit.email.getstatus.history")
        return await invoke(
            self._client,
            "mailkit.email.getstatus.history",
            {"email": ref.address, "ID_email": ref.email_id},
            _History,
            adapt=blank_nulls,
        )

    async def move(self, email_id: int, mailinglist_id: int) -> EmailMoved:
        """Move a record into another list (``mailkit.email.move``).

        The record gets a new ``ID_email`` in the destination list, reported in
        ``details`` over JSON only. Raises ``NotFoundError`` for an unknown record
        (over XML-RPC also for an unusable list, which that wire does not tell apart).
        """
        function = "mailkit.email.move"
        return await invoke(
            self._client,
            function,
            {"ID_email": email_id, "ID_user_list": mailinglist_id},
            EmailMoved,
            adapt=_move_answer(email_id, mailinglist_id, function),
        )

    async def delete(self, recipient: int | str) -> EmailsDeleted:
        """Delete one record, or every record of an address (``mailkit.email.delete``).

        Returns the IDs of the deleted records. Raises ``NotFoundError`` when nothing
        matches.
        """
        ref = _ref(recipient, "mailkit.email.delete")
        return await invoke(
            self._client,
            "mailkit.email.delete",
            {"ID_email": ref.either()},
            EmailsDeleted,
            adapt=_deleted_answer,
        )

    async def unsubscribe(
        self,
        recipient: int | str,
        *,
        send_optout: bool,
        id_send_message: int | None = None,
        timeout_days: int | None = None,
    ) -> EmailUnsubscribed:
        """Unsubscribe a recipient, for good or for a while (``mailkit.email.unsubscribe``).

        Args:
            recipient: A record ID, or an address / phone number.
            send_optout: Whether Mailkit mails the person an opt-out confirmation.
                Required: Mailkit's own default is to send one.
            id_send_message: The delivered message the unsubscribe is credited to.
            timeout_days: Unsubscribe for this many days (14-90) instead of for good.

        Raises ``NotFoundError`` for an unknown recipient.
        """
        function = "mailkit.email.unsubscribe"
        optout = require_bool("send_optout", send_optout, function)
        ref = _ref(recipient, function)
        if timeout_days is not None and (
            isinstance(timeout_days, bool) or timeout_days not in _OPT_OUT_DAYS
        ):
            raise ConfigurationError("timeout_days must be 14..90", function=function)
        return await invoke(
            self._client,
            function,
            {
                "send_optout": optout,
                # Mailkit's JSON wants both keys, the unused one null.
                "email": ref,
                "ID_email": ref,
                "ID_send_message": "" if id_send_message is None else id_send_message,
                "timeout": True if timeout_days is not None else None,
                "timeout_days": timeout_days,
            },
            EmailUnsubscribed,
            adapt=_unsubscribe_answer,
        )

    async def unsubscribe_getstatus(self, recipient: int | str) -> UnsubscribeStatus:
        """Whether a recipient is unsubscribed (``mailkit.email.unsubscribe.getstatus``).

        Both wires report ``unsubscribed``; XML-RPC reports nothing more, while JSON
        adds ``details``: the topics the address left and when a temporary
        unsubscribe ends.
        """
        ref = _ref(recipient, "mailkit.email.unsubscribe.getstatus")
        return await invoke(
            self._client,
            "mailkit.email.unsubscribe.getstatus",
            _lookup(ref),
            UnsubscribeStatus,
            adapt=_unsubscribe_status_answer,
        )

    async def revalidate(
        self,
        recipient: int | str,
        *,
        agreement: bool,
        campaign_id: int | None = None,
        template_id: int | None = None,
        channel: str | None = None,
        language: str | None = None,
    ) -> Revalidated:
        """Subscribe an unsubscribed recipient again (``mailkit.email.revalidate``).

        Deprecated by Mailkit in favour of ``mailinglist.adduser`` but still served.

        Args:
            recipient: A record ID or an address.
            agreement: True when the person's consent is already on record (they are
                re-subscribed at once); False mails them a confirmation request.
            campaign_id: The campaign whose template's subscribe e-mail is used.
            template_id: The template whose subscribe e-mail is used (JSON only).
            channel: How consent was obtained.
            language: Language of the confirmation e-mail (``"CZ"``, ``"EN"``...).

        Raises ``ConflictError`` when the recipient is not unsubscribed.
        """
        function = "mailkit.email.revalidate"
        consent = require_bool("agreement", agreement, function)
        ref = _ref(recipient, function)
        return await invoke(
            self._client,
            function,
            {
                **_lookup(ref),
                "ID_message": campaign_id,
                "ID_template": template_id,
                "agreement": consent,
                "channel": channel,
                "language": language,
            },
            Revalidated,
            adapt=_revalidate_answer,
        )

    async def topics(
        self,
        email: str,
        topics: Iterable[int] | None = None,
        *,
        activate_all: bool = False,
        unsubscribe_all: bool = False,
    ) -> None:
        """Set which campaign topics an address receives (``mailkit.email.topics``).

        Exactly one choice, stated outright (Mailkit reads "no topics" as "leave every
        topic", so nothing is left to a default):

        - ``topics=[3, 7]``: receive these topics only;
        - ``activate_all=True``: receive every topic;
        - ``topics=(), unsubscribe_all=True``: leave every topic.

        Anything else raises ``ConfigurationError`` before a request is made. The
        answer's shape is not documented: any non-error answer is success. The
        current opt-outs are read with :meth:`unsubscribe_getstatus`.
        """
        function = "mailkit.email.topics"
        wanted = None if topics is None else list(topics)
        activate = require_bool("activate_all", activate_all, function)
        leave_all = require_bool("unsubscribe_all", unsubscribe_all, function)
        if activate and (wanted or leave_all):
            raise ConfigurationError(
                "activate_all=True subscribes every topic; give no topics and no"
                " unsubscribe_all with it",
                function=function,
            )
        if leave_all and wanted != []:
            raise ConfigurationError(
                "unsubscribe_all=True must come with an explicit topics=()", function=function
            )
        if not activate and not leave_all and not wanted:
            raise ConfigurationError(
                "no topics given: pass the topic IDs to keep, activate_all=True, or"
                " topics=() with unsubscribe_all=True to leave every topic",
                function=function,
            )
        params = {
            "ID_topics": None if activate else wanted,
            "email": email,
            "activate_all": activate,
        }
        await self._client.call(function, drop_none(params))

    async def wipe(self, recipient: int | str, *, confirm_wipe: bool) -> WipeQueued:
        """Queue the complete erasure of a person's data (``mailkit.email.wipe``).

        Irreversible, so ``confirm_wipe=True`` must be passed. Mailkit erases in a
        daily batch: success means queued. Raises ``NotFoundError`` for an unknown
        recipient and ``ConflictError`` when an erasure is already queued.
        """
        function = "mailkit.email.wipe"
        if confirm_wipe is not True:
            raise ConfigurationError(
                "wipe erases the person's data for good: pass confirm_wipe=True",
                function=function,
            )
        ref = _ref(recipient, function)
        return await invoke(self._client, function, _lookup(ref), WipeQueued)
