"""``client.campaigns``: campaign management."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Final, Literal

from .._exceptions import ConfigurationError
from .._types import WireValue
from ..models import (
    Campaign,
    CampaignDelivery,
    CampaignSaved,
    MessageRecord,
    MessageTestResult,
    ScheduleCancelled,
    ScheduleCreated,
    ScheduleList,
    TimeZone,
)
from ..models._common import b64
from ._base import Resource, invoke
from ._reshape import answer_text, find_int, message_record, rows, schedule_list

__all__ = ["CampaignsResource", "campaign_settings"]

_SEND_DATE_FORMAT: Final = "%Y-%m-%d %H:%M"
_SettingValue = str | int | bool | Sequence[str] | None


def _setting_text(name: str, value: object) -> str:
    # Flags are spelled "TRUE"/"FALSE" (the update page's test_mode/google_analytics
    # spelling; its generate_txt example says "true", Mailkit takes either).
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise ConfigurationError(f"{name}: unsupported value of type {type(value).__name__}")


def campaign_settings(values: Mapping[str, _SettingValue]) -> dict[str, str]:
    """Campaign struct members for create/update: every given value as base64 text.

    Mailkit wants every member base64-encoded, IDs and flags included; flags become
    ``"TRUE"``/``"FALSE"`` and lists of addresses comma-separated text first.
    """
    return {k: b64(_setting_text(k, v)) for k, v in values.items() if v is not None}


def _saved(fallback: int | None) -> Callable[[WireValue], WireValue]:
    def adapt(value: WireValue) -> WireValue:
        found = find_int(value, ("ID_message", "data"))
        return {"ID_message": found if found is not None else fallback}

    return adapt


def _send_date(value: datetime | str) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ConfigurationError(
                "send_date must be a naive datetime; name its zone with time_zone",
                function="mailkit.campaigns.single.schedule",
            )
        return value.strftime(_SEND_DATE_FORMAT)
    if value == "now":
        return value
    raise ConfigurationError(
        "send_date must be a datetime or 'now'", function="mailkit.campaigns.single.schedule"
    )


def _test_result(value: WireValue) -> WireValue:
    text = answer_text(value, "OK")
    version = text.removeprefix("OK version").strip() if text.startswith("OK version") else None
    return {"answer": text, "version": version or None}


class CampaignsResource(Resource):
    """Campaign management: list, create, update, schedule, test and history."""

    async def list(self, id_message: int | None = None) -> builtins.list[Campaign]:
        """All campaigns of the account, or just one (``mailkit.campaigns.list``).

        An unknown ``id_message`` gives an empty list, not an error (Mailkit's behaviour).
        """
        return await invoke(
            self._client, "mailkit.campaigns.list", {"ID_message": id_message}, list[Campaign]
        )

    async def create(
        self,
        name: str,
        *,
        subject: str | None = None,
        id_allow_email: int | None = None,
        type_message: Literal["email", "sms"] | None = None,
        id_mailing_list: int | None = None,
        id_delivery_feed: int | None = None,
        id_query: int | None = None,
        id_template: int | None = None,
        google_analytics: bool | None = None,
        analytic_name: str | None = None,
        id_tagset: int | None = None,
        content: str | None = None,
        reply_to: str | None = None,
        unsubscribe_email: str | None = None,
        web_template: bool | None = None,
        style_inline: bool | None = None,
        id_unsubscribe_group: int | None = None,
    ) -> CampaignSaved:
        """Create a campaign and return its new ID (``mailkit.campaigns.create``).

        Values are plain Python values; the library base64-encodes every member as
        Mailkit requires. ``reply_to``, ``unsubscribe_email``, ``web_template``,
        ``style_inline`` and ``id_unsubscribe_group`` come from a third-party copy of
        the page (unverified). Not safe to repeat: a retry could create a second
        campaign, so a call that may have reached Mailkit is never retried.

        Args:
            name: The campaign's name.
            subject: The subject line.
            id_allow_email: The sender address (``profile.emails_list()``).
            type_message: ``"email"`` or ``"sms"``.
            id_mailing_list: The recipient list.
            id_delivery_feed: A delivery feed as the recipient source instead.
            id_query: A saved recipient condition (``profile.queries_list()``).
            id_template: The template to apply.
            google_analytics: Tag links for Google Analytics.
            analytic_name: The campaign name used in that tagging.
            id_tagset: The link-tracking tag set.
            content: The message body.
            reply_to: The Reply-To address.
            unsubscribe_email: The address for unsubscribe handling.
            web_template: The web/micro-site template flag.
            style_inline: Inline the CSS.
            id_unsubscribe_group: The unsubscribe topic.
        """
        members = campaign_settings(
            {
                "name": name,
                "subject": subject,
                "ID_allow_email": id_allow_email,
                "type_message": type_message,
                "ID_mailing_list": id_mailing_list,
                "ID_delivery_feed": id_delivery_feed,
                "ID_query": id_query,
                "ID_template": id_template,
                "google_analytics": google_analytics,
                "analytic_name": analytic_name,
                "ID_tagset": id_tagset,
                "content": content,
                "reply_to": reply_to,
                "unsubscribe_email": unsubscribe_email,
                "web_template": web_template,
                "style_inline": style_inline,
                "ID_unsubscribe_group": id_unsubscribe_group,
            }
        )
        return await invoke(
            self._client,
            "mailkit.campaigns.create",
            members,
            CampaignSaved,
            adapt=_saved(None),
        )

    async def update(
        self,
        id_message: int,
        *,
        update: bool = True,
        name: str | None = None,
        subject: str | None = None,
        id_allow_email: int | None = None,
        type_send: str | None = None,
        generate_txt: bool | None = None,
        id_mailing_list: int | None = None,
        id_delivery_feed: int | None = None,
        id_query: int | None = None,
        id_template: int | None = None,
        test_mode: bool | None = None,
        test_emails: Sequence[str] | None = None,
        google_analytics: bool | None = None,
        analytic_name: str | None = None,
        id_tagset: int | None = None,
        content: str | None = None,
        reply_to: str | None = None,
        unsubscribe_email: str | None = None,
        web_template: bool | None = None,
        style_inline: bool | None = None,
        id_unsubscribe_group: int | None = None,
    ) -> CampaignSaved:
        """Change a campaign's settings or content (``mailkit.campaigns.update``).

        Only the arguments given are sent, base64-encoded by the library. Mailkit's
        page is cut short: the members after ``google_analytics`` are create's, by
        analogy, and the answer is not documented (the result names the campaign the
        call was made for). ``update`` is sent as the page's ``"true"``/``"false"``
        flag; its effect is not described. Not safe to repeat.

        Args:
            id_message: The campaign to change.
            update: The page's ``update (true/false)`` flag.
            type_send: The message format (the example says ``"txthtml"``).
            generate_txt: Generate the plain-text part from the HTML.
            test_mode: Put the campaign in test mode.
            test_emails: The addresses test sends go to (sent comma-separated).
            name: See :meth:`create` for this and the remaining members.
            subject: The subject line.
            id_allow_email: The sender address.
            id_mailing_list: The recipient list.
            id_delivery_feed: A delivery feed as the recipient source.
            id_query: A saved recipient condition.
            id_template: The template.
            google_analytics: Tag links for Google Analytics.
            analytic_name: The campaign name used in that tagging.
            id_tagset: The link-tracking tag set.
            content: The message body.
            reply_to: The Reply-To address.
            unsubscribe_email: The address for unsubscribe handling.
            web_template: The web/micro-site template flag.
            style_inline: Inline the CSS.
            id_unsubscribe_group: The unsubscribe topic.
        """
        if isinstance(test_emails, str):
            test_emails = [test_emails]
        members = campaign_settings(
            {
                "name": name,
                "subject": subject,
                "ID_allow_email": id_allow_email,
                "type_send": type_send,
                "generate_txt": generate_txt,
                "ID_mailing_list": id_mailing_list,
                "ID_delivery_feed": id_delivery_feed,
                "ID_query": id_query,
                "ID_template": id_template,
                "test_mode": test_mode,
                "test_emails": test_emails,
                "google_analytics": google_analytics,
                "analytic_name": analytic_name,
                "ID_tagset": id_tagset,
                "content": content,
                "reply_to": reply_to,
                "unsubscribe_email": unsubscribe_email,
                "web_template": web_template,
                "style_inline": style_inline,
                "ID_unsubscribe_group": id_unsubscribe_group,
            }
        )
        return await invoke(
            self._client,
            "mailkit.campaigns.update",
            {"ID_message": id_message, "update": update, **members},
            CampaignSaved,
            adapt=_saved(id_message),
        )

    async def single_schedule(
        self,
        id_message: int,
        send_date: datetime | Literal["now"],
        *,
        subject: str | None = None,
        time_zone: str | None = None,
        id_template: int | None = None,
        id_query: int | None = None,
        id_delivery_feed: int | None = None,
    ) -> ScheduleCreated:
        """Schedule one delivery of a campaign (``mailkit.campaigns.single.schedule``).

        Several deliveries may be pending per campaign; list them with
        :meth:`schedule_list` and cancel one with :meth:`schedule_cancel`. Mailkit's
        answer is not documented: ``id_send_message_queue`` is filled only when the
        answer carries it. Not safe to repeat (a retry could schedule twice).

        Args:
            id_message: The campaign.
            send_date: ``"now"`` or a naive datetime (minute precision), read in
                ``time_zone``.
            subject: A subject for this delivery instead of the campaign's.
            time_zone: A zone name from :meth:`schedule_timezones`; the account's
                zone when None.
            id_template: A template for this delivery.
            id_query: A saved recipient condition.
            id_delivery_feed: A delivery feed as the recipient source.
        """

        def adapt(value: WireValue) -> WireValue:
            queue = find_int(value, ("ID_send_message_queue", "data"))
            return {"ID_message": id_message, "ID_send_message_queue": queue}

        return await invoke(
            self._client,
            "mailkit.campaigns.single.schedule",
            {
                "ID_message": id_message,
                "subject": subject,
                "send_date": _send_date(send_date),
                "time_zone": time_zone,
                "ID_template": id_template,
                "ID_query": id_query,
                "ID_delivery_feed": id_delivery_feed,
            },
            ScheduleCreated,
            adapt=adapt,
        )

    async def schedule_list(self, id_message: int) -> ScheduleList:
        """The campaign's pending deliveries (``mailkit.campaigns.schedule.list``).

        Mailkit's "nothing pending" (an empty string) reads as ``entries == ()``.
        """
        return await invoke(
            self._client,
            "mailkit.campaigns.schedule.list",
            {"ID_message": id_message},
            ScheduleList,
            adapt=schedule_list,
        )

    async def schedule_timezones(self) -> builtins.list[TimeZone]:
        """The zone names scheduling accepts (``mailkit.campaigns.schedule.timezones``).

        The JSON answer is not documented; it is read like the XML-RPC one.
        """
        return await invoke(
            self._client,
            "mailkit.campaigns.schedule.timezones",
            {},
            list[TimeZone],
            adapt=lambda value: rows(value, "data"),
        )

    async def schedule_cancel(
        self, id_message: int, id_send_message_queue: int
    ) -> ScheduleCancelled:
        """Cancel one pending delivery (``mailkit.campaigns.schedule.cancel``).

        Inferred: Mailkit's page for this function could not be read. The arguments
        (the campaign and the ``id_send_message_queue`` of a :meth:`schedule_list`
        entry) follow the other scheduling calls, and any success answer is accepted.
        Not safe to repeat.
        """

        def adapt(value: WireValue) -> WireValue:
            return {
                "ID_message": id_message,
                "ID_send_message_queue": id_send_message_queue,
                "answer": answer_text(value, "OK"),
            }

        return await invoke(
            self._client,
            "mailkit.campaigns.schedule.cancel",
            {"ID_message": id_message, "ID_send_message_queue": id_send_message_queue},
            ScheduleCancelled,
            adapt=adapt,
        )

    async def messages(self, id_message: int) -> builtins.list[MessageRecord]:
        """The records ``mailkit.campaigns.messages`` lists for a campaign.

        Inferred: the function's page could not be read. It is called with the
        campaign's ID and decoded leniently: every record keeps all its members in
        ``MessageRecord.fields``.
        """
        return await invoke(
            self._client,
            "mailkit.campaigns.messages",
            {"ID_message": id_message},
            list[MessageRecord],
            adapt=lambda value: [message_record(r) for r in rows(value, "data")],
        )

    async def messages_last(self, id_message: int) -> MessageRecord | None:
        """The record ``mailkit.campaigns.messages.last`` returns, or None for none.

        Inferred, like :meth:`messages`: called with the campaign's ID, decoded
        leniently; a list answer gives its first record.
        """
        found = await invoke(
            self._client,
            "mailkit.campaigns.messages.last",
            {"ID_message": id_message},
            list[MessageRecord],
            adapt=lambda value: [message_record(r) for r in rows(value, "data")[:1]],
        )
        return found[0] if found else None

    async def messages_test(
        self,
        id_message: int,
        email: str,
        *,
        id_preview_email: int | None = None,
        version: Literal["A", "B"] | None = None,
        content: Mapping[str, str | bytes] | None = None,
    ) -> MessageTestResult:
        """Send a test copy of a campaign to one address (``campaigns.messages.test``).

        Mailkit allows one test per 30 seconds; a second one sooner raises
        ``RateLimitError``. Not safe to repeat (each call sends an e-mail).

        Args:
            id_message: The campaign.
            email: Where the test goes.
            id_preview_email: A recipient record whose data fills the personalisation.
            version: ``"A"`` or ``"B"``: the variant of an A/B campaign (the ``A/B``
                parameter).
            content: Template variables (``[% shared.NAME -%]``), plain values; the
                library base64-encodes them.
        """
        if version not in (None, "A", "B"):
            raise ConfigurationError(
                "version must be 'A', 'B' or None", function="mailkit.campaigns.messages.test"
            )
        return await invoke(
            self._client,
            "mailkit.campaigns.messages.test",
            {
                "ID_message": id_message,
                "email": email,
                "ID_preview_email": id_preview_email,
                "A/B": version,
                "content": {k: b64(v) for k, v in content.items()} if content else None,
            },
            MessageTestResult,
            adapt=_test_result,
        )

    async def history(
        self, *, id_message: int | None = None, list_count: int | None = None
    ) -> builtins.list[CampaignDelivery]:
        """The latest deliveries, newest first (``mailkit.campaigns.history``).

        Args:
            id_message: One campaign's deliveries; every campaign's when None (sent as
                the documented empty ``ID_message``).
            list_count: How many (1-50); Mailkit's default is 10.
        """
        if list_count is not None and not 1 <= list_count <= 50:
            raise ConfigurationError(
                f"list_count must be 1..50, got {list_count}", function="mailkit.campaigns.history"
            )
        return await invoke(
            self._client,
            "mailkit.campaigns.history",
            {"list_count": list_count, "ID_message": "" if id_message is None else id_message},
            list[CampaignDelivery],
        )
