"""Delivery methods, which live on the client itself: ``client.sendmail_mass`` etc."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import cattrs

from .._exceptions import ConfigurationError
from .._spec import as_int
from .._types import WireValue
from ..models import (
    Attachment,
    MassRecipient,
    MassResults,
    MassSendResult,
    RecipientData,
    SendMailResult,
    SendSmsResult,
)
from ..models._common import b64
from ._base import invoke

__all__ = ["DeliveryMethods", "mass_recipients", "sendmail_params", "sendsms_params"]


def mass_recipients(
    recipients: Iterable[MassRecipient | Mapping[str, Any]],
    campaign_id: int,
    mailinglist_id: int,
) -> list[dict[str, Any]]:
    """The wire structs of a sendmail_mass call (one campaign for all, as Mailkit requires)."""
    out = []
    for item in recipients:
        if isinstance(item, Mapping):
            for key, expected in (("campaign_id", campaign_id), ("mailinglist_id", mailinglist_id)):
                if key in item and int(item[key]) != expected:
                    raise ConfigurationError(
                        f"recipient {item.get('send_to')!r} has {key}={item[key]}, but one"
                        f" sendmail_mass call sends {key}={expected} to everyone",
                        function="mailkit.sendmail_mass",
                    )
            try:
                item = MassRecipient.from_mapping(item)
            except ValueError as exc:
                raise ConfigurationError(str(exc), function="mailkit.sendmail_mass") from None
        out.append(item.to_wire(campaign_id, mailinglist_id))
    if not out:
        raise ConfigurationError("no recipients to send to", function="mailkit.sendmail_mass")
    return out


def _encoded(values: Mapping[str, str | bytes] | None) -> dict[str, str]:
    return {str(k): b64(v) for k, v in (values or {}).items()}


def _customs(data: RecipientData, *, encode: bool, function: str) -> dict[str, str]:
    try:
        return data.customs(encode=encode)
    except ValueError as exc:
        raise ConfigurationError(str(exc), function=function) from None


def _id(value: object, name: str, function: str) -> int:
    try:
        return cast("int", as_int(value))
    except ConfigurationError as exc:
        raise ConfigurationError(f"{name}: {exc.message}", function=function) from None


def sendmail_params(
    campaign_id: int,
    mailinglist_id: int,
    send_to: str,
    data: RecipientData | None = None,
    *,
    subject: str | None = None,
    message_data: str | bytes | None = None,
    content: Mapping[str, str | bytes] | None = None,
    attachments: Sequence[Attachment] = (),
) -> dict[str, Any]:
    """The documented parameters of one ``mailkit.sendmail`` call, base64 where Mailkit wants it.

    Empty blocks are None: left out of JSON, sent as empty structs on XML-RPC (whose
    positions must be kept). One attachment is a struct, several a list of them.
    """
    function = "mailkit.sendmail"
    data = data or RecipientData()
    main: dict[str, Any] = {"send_to": send_to}
    if subject is not None:
        main["subject"] = subject
    if message_data is not None:
        main["message_data"] = b64(message_data)
    if content:
        main["content"] = _encoded(content)
    files = [a.to_wire() for a in attachments]
    return {
        "mailinglist_id": _id(mailinglist_id, "mailinglist_id", function),
        "campaign_id": _id(campaign_id, "campaign_id", function),
        "main": main,
        "recipient": data.personal() or None,
        "contact": data.address() or None,
        "custom": _customs(data, encode=True, function=function) or None,
        "attachment": (files[0] if len(files) == 1 else files) or None,
    }


def sendsms_params(
    campaign_id: int,
    mailinglist_id: int,
    mobile: str,
    data: RecipientData | None = None,
    *,
    email: str | None = None,
    text: str | None = None,
    content: Mapping[str, str | bytes] | None = None,
    use_utf: bool | None = None,
    allow_split: bool | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """The documented parameters of one ``mailkit.sendsms`` call.

    Recipient fields travel as plain text (as Mailkit's examples show); the SMS text
    and template variables are base64. Flags are Python bools here; the layout writes
    them as JSON booleans or XML-RPC ``"TRUE"``/``"FALSE"`` text.
    """
    function = "mailkit.sendsms"
    if not isinstance(mobile, str) or not mobile.strip():
        # A number would lose its leading "+" or zeros (and overflow <i4>): text only.
        raise ConfigurationError("mobile must be text such as '+420777123456'", function=function)
    data = data or RecipientData()
    campaign: dict[str, Any] = {
        "ID_message": _id(campaign_id, "campaign_id", function),
        "ID_user_list": _id(mailinglist_id, "mailinglist_id", function),
    }
    for key, flag in (("use_utf", use_utf), ("allow_split", allow_split)):
        if flag is not None:
            if not isinstance(flag, bool):
                raise ConfigurationError(f"{key} must be a bool", function=function)
            campaign[key] = flag
    if source is not None:
        campaign["source"] = source
    recipient: dict[str, Any] = {
        "email": email or "",
        **data.personal(encode=False),
        **data.address(encode=False),
        **_customs(data, encode=False, function=function),
        "mobile": mobile.strip(),
    }
    sms: dict[str, Any] = {}
    if text is not None:
        sms["sms_data"] = b64(text)
    if content:
        sms["content"] = _encoded(content)
    return {"campaign": campaign, "recipient": recipient, "content": sms or None}


def _sms_answer(value: WireValue) -> WireValue:
    # The answer is undocumented: a bare text (such as "OK") is kept as text.
    return {"text": value} if isinstance(value, str) else value


class DeliveryMethods:
    """``sendmail``, ``sendmail_mass``, ``sendmail_mass_results`` and ``sendsms``."""

    if TYPE_CHECKING:
        converter: cattrs.Converter

        async def call(
            self, function: str, params: Mapping[str, Any] | None = None
        ) -> WireValue: ...

    async def sendmail(
        self,
        campaign_id: int,
        mailinglist_id: int,
        send_to: str,
        data: RecipientData | None = None,
        *,
        subject: str | None = None,
        message_data: str | bytes | None = None,
        content: Mapping[str, str | bytes] | None = None,
        attachments: Sequence[Attachment] = (),
    ) -> SendMailResult:
        """Send one campaign message to one address (``mailkit.sendmail``).

        The address is inserted into (or updated in) the mailing list with ``data``,
        and the campaign's template is sent to it. Not safe to repeat: a call that may
        have reached Mailkit is never retried.

        Args:
            campaign_id: The campaign (``ID_message``) whose template is sent.
            mailinglist_id: The list the recipient is filed in.
            send_to: The recipient's address.
            data: Personal data, address and custom fields (plain text; the library
                base64-encodes them).
            subject: A subject instead of the campaign's.
            message_data: A message body instead of the campaign's.
            content: Template variables by name (values base64-encoded for you).
            attachments: Files to attach (transactional campaigns only).
        """
        return await invoke(
            self,
            "mailkit.sendmail",
            sendmail_params(
                campaign_id,
                mailinglist_id,
                send_to,
                data,
                subject=subject,
                message_data=message_data,
                content=content,
                attachments=attachments,
            ),
            SendMailResult,
        )

    async def sendsms(
        self,
        campaign_id: int,
        mailinglist_id: int,
        mobile: str,
        data: RecipientData | None = None,
        *,
        email: str | None = None,
        text: str | None = None,
        content: Mapping[str, str | bytes] | None = None,
        use_utf: bool | None = None,
        allow_split: bool | None = None,
        source: str | None = None,
    ) -> SendSmsResult:
        """Send one SMS of an SMS campaign to one number (``mailkit.sendsms``).

        Not safe to repeat: a call that may have reached Mailkit is never retried.
        Mailkit does not document the answer; see ``SendSmsResult``.

        Args:
            campaign_id: The SMS campaign (``ID_message``).
            mailinglist_id: The list the recipient belongs to.
            mobile: The number in international format, as text (``"+420777123456"``).
            data: Personalisation data (sent as plain text).
            email: The recipient's e-mail address, if known.
            text: Own SMS text instead of the campaign's (base64-encoded for you).
            content: Template variables by name (base64-encoded for you).
            use_utf: Send as a Unicode SMS.
            allow_split: Allow a long text to go out as several SMS.
            source: The sender name shown on the phone.
        """
        return await invoke(
            self,
            "mailkit.sendsms",
            sendsms_params(
                campaign_id,
                mailinglist_id,
                mobile,
                data,
                email=email,
                text=text,
                content=content,
                use_utf=use_utf,
                allow_split=allow_split,
                source=source,
            ),
            SendSmsResult,
            adapt=_sms_answer,
        )

    async def sendmail_mass(
        self,
        campaign_id: int,
        mailinglist_id: int,
        recipients: Iterable[MassRecipient | Mapping[str, Any]],
        *,
        id_send: str | None = None,
    ) -> MassSendResult:
        """Send one campaign to many recipients in one call (``mailkit.sendmail_mass``).

        Not safe to repeat: a call that may have reached Mailkit is never retried. For
        large or continuous sends use :meth:`bulk`, which batches, limits concurrency
        and accounts for every recipient.

        Args:
            campaign_id: The campaign every recipient gets.
            mailinglist_id: The list the recipients are filed in.
            recipients: ``MassRecipient`` objects or dicts of the same fields.
            id_send: ``"today"`` merges this call into the campaign's delivery of the
                day, for one report instead of one per call.
        """
        return await invoke(
            self,
            "mailkit.sendmail_mass",
            {
                "recipients": mass_recipients(recipients, campaign_id, mailinglist_id),
                "options": {"id_send": id_send} if id_send is not None else None,
            },
            MassSendResult,
        )

    async def sendmail_mass_results(
        self, request_id: int, *, id_send: int | None = None
    ) -> MassResults:
        """Recipients of a sendmail_mass call that failed, so far.

        Calls ``mailkit.sendmail_mass.results``. Mailkit advises waiting at least 30
        minutes after the send; ``status == "OK"`` only means "no failures so far",
        also while the request is still being processed.
        """
        return await invoke(
            self,
            "mailkit.sendmail_mass.results",
            {"ID_send": id_send, "request_id": request_id},
            MassResults,
        )
