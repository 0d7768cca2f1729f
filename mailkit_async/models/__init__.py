"""Typed results and inputs of Mailkit functions (frozen attrs classes)."""

from ._campaigns import Campaign
from ._common import Attachment, RecipientData
from ._delivery import (
    MassErrorCode,
    MassRecipient,
    MassRecipientError,
    MassResults,
    MassSendResult,
)
from ._lists import AddUserResult, AddUserStatus, MailingList, MailingListCreated
from ._reports import DeliveryStatus, MessageRecipient

__all__ = [
    "AddUserResult",
    "AddUserStatus",
    "Attachment",
    "Campaign",
    "DeliveryStatus",
    "MailingList",
    "MailingListCreated",
    "MassErrorCode",
    "MassRecipient",
    "MassRecipientError",
    "MassResults",
    "MassSendResult",
    "MessageRecipient",
    "RecipientData",
]
