"""Delivery inputs and results: ``sendmail``, ``sendmail_mass`` and its results, ``sendsms``."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._common import Attachment, b64, wire
from ._lists import AddUserStatus

__all__ = [
    "MassErrorCode",
    "MassRecipient",
    "MassRecipientError",
    "MassResults",
    "MassSendResult",
    "SendMailResult",
    "SendSmsResult",
]


@attrs.frozen
class MassRecipient:
    """One recipient of a ``sendmail_mass`` call.

    Attributes:
        send_to: The recipient's address.
        subject: A subject for this recipient instead of the campaign's.
        message_data: A message body for this recipient (sent base64-encoded).
        create_email: Add the address to the mailing list when it is not there yet;
            with False such a recipient is not sent to. None leaves Mailkit's default.
        customs: Personalisation data (first_name, last_name, custom1..custom25);
            stored on the recipient's record.
        content: Template variables, available as ``[% shared.NAME -%]`` (values sent
            base64-encoded; nested lists and dicts are sent as they are).
        attachments: Files to attach (transactional campaigns only).
        template_file: The older pages' ``template_file`` member, passed through.
    """

    send_to: str
    subject: str | None = None
    message_data: str | bytes | None = None
    create_email: bool | None = None
    customs: Mapping[str, str] | None = None
    content: Mapping[str, Any] | None = None
    attachments: tuple[Attachment, ...] = ()
    template_file: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> MassRecipient:
        """A recipient from a dict of the documented fields, with plain (not base64) values.

        ``attachment`` (the wire name) and ``attachments`` are both accepted, as dicts
        or ``Attachment`` objects; ``mailinglist_id``/``campaign_id`` are ignored here
        (the call sets them for every recipient).
        """
        fields = {k: v for k, v in data.items() if k not in ("mailinglist_id", "campaign_id")}
        raw_files = fields.pop("attachment", None) or fields.pop("attachments", None) or ()
        files = tuple(f if isinstance(f, Attachment) else Attachment(**f) for f in raw_files)
        try:
            return cls(**fields, attachments=files)
        except TypeError as exc:
            raise ValueError(f"not a sendmail_mass recipient: {exc}") from None

    def to_wire(self, campaign_id: int, mailinglist_id: int) -> dict[str, Any]:
        """The recipient struct of a ``sendmail_mass`` call (flags as Python bools)."""
        out: dict[str, Any] = {
            "send_to": self.send_to,
            "mailinglist_id": mailinglist_id,
            "campaign_id": campaign_id,
        }
        if self.subject is not None:
            out["subject"] = self.subject
        if self.message_data is not None:
            out["message_data"] = b64(self.message_data)
        if self.create_email is not None:
            out["create_email"] = self.create_email
        if self.customs:
            out["customs"] = dict(self.customs)
        if self.content:
            out["content"] = {
                k: b64(v) if isinstance(v, str | bytes) else v for k, v in self.content.items()
            }
        if self.attachments:
            out["attachment"] = [a.to_wire() for a in self.attachments]
        if self.template_file is not None:
            out["template_file"] = self.template_file
        return out


@attrs.frozen
class MassSendResult:
    """The immediate answer of ``mailkit.sendmail_mass``.

    Mailkit processes the messages later; ``request_id`` is the handle for
    ``sendmail_mass_results``, which reports recipients that failed.
    """

    data: str = ""
    """``"OK"``: the campaign will be sent."""
    request_id: int | None = None
    recipients: tuple[str, ...] = attrs.field(default=(), metadata=wire("list"))
    """The addresses Mailkit took into the request."""


class MassErrorCode(enum.IntEnum):
    """Why Mailkit did not deliver to one recipient of a ``sendmail_mass`` call."""

    ATTACHMENT_FAILED = 1
    INVALID_EMAIL = 2
    MISSING_EMAIL = 3
    INVALID_MAILINGLIST = 4
    INVALID_CAMPAIGN = 5
    UNSUBSCRIBED = 6
    MISSING_SENDER = 7
    INVALID_TEMPLATE = 8


@attrs.frozen
class MassRecipientError:
    """One failed recipient in ``mailkit.sendmail_mass.results``.

    The IDs may be 0 when Mailkit could not create the record.
    """

    email: str
    error_code: int
    info: str = ""
    date: datetime | None = None
    id_email: int = 0
    id_send: int = 0
    id_send_message: int = 0

    @property
    def reason(self) -> MassErrorCode | None:
        """``error_code`` as a ``MassErrorCode``, or None for a code not documented."""
        try:
            return MassErrorCode(self.error_code)
        except ValueError:
            return None


@attrs.frozen
class MassResults:
    """The answer of ``mailkit.sendmail_mass.results``.

    ``status`` is ``"OK"`` when no recipient failed *so far*: Mailkit says OK while it
    is still processing, so OK alone does not mean finished.
    """

    status: str
    results: tuple[MassRecipientError, ...] = ()


def _status_code(status: int | None) -> AddUserStatus | None:
    try:
        return AddUserStatus(status) if status is not None else None
    except ValueError:
        return None


@attrs.frozen
class SendMailResult:
    """The answer of ``mailkit.sendmail``: the records the message was filed under.

    JSON carries the values as numeric text and XML-RPC as ``<i4>``; both give ints.
    The field names follow the official PHP client (emailId, sendingId, messageId);
    Mailkit's page does not show the answer.

    Attributes:
        id_email: The recipient's e-mail record (``data``).
        id_send: The delivery the message belongs to (``data2``), for the
            ``report.message*`` functions.
        id_message: The message's ID (``data3``).
        status: What happened to the recipient record, an ``AddUserStatus`` value
            (kept as int so that a new code never breaks decoding).
    """

    id_email: int | None = attrs.field(default=None, metadata=wire("data"))
    id_send: int | None = attrs.field(default=None, metadata=wire("data2"))
    id_message: int | None = attrs.field(default=None, metadata=wire("data3"))
    status: int | None = None

    @property
    def status_code(self) -> AddUserStatus | None:
        """``status`` as an ``AddUserStatus``, or None when absent or not documented."""
        return _status_code(self.status)

    @property
    def sent(self) -> bool:
        """Whether Mailkit accepted the message for sending (no "not sent" or fault code)."""
        return self.status in (AddUserStatus.UPDATED, AddUserStatus.INSERTED)


@attrs.frozen
class SendSmsResult:
    """The answer of ``mailkit.sendsms``.

    Mailkit does not document this answer. It is decoded leniently: every field is
    optional and, by analogy with ``sendmail``, read from ``data``/``data2``/``data3``/
    ``status``; a bare text answer (such as ``"OK"``) lands in ``text``.
    """

    id_email: int | None = attrs.field(default=None, metadata=wire("data"))
    id_send: int | None = attrs.field(default=None, metadata=wire("data2"))
    id_message: int | None = attrs.field(default=None, metadata=wire("data3"))
    status: int | None = None
    text: str = ""

    @property
    def status_code(self) -> AddUserStatus | None:
        """``status`` as an ``AddUserStatus``, or None when absent or not documented."""
        return _status_code(self.status)
