"""Campaign management, profile and file manager functions."""

from __future__ import annotations

from .._exceptions import ConfigurationError
from .._spec import (
    Fixed,
    FunctionSpec,
    Group,
    JsonLayout,
    Param,
    as_any,
    as_int,
    as_numeric_text,
    as_text,
)
from .._types import WireValue
from ._helpers import INFERRED, PARTIAL, id_param, struct_param, text_param

__all__ = ["SPECS", "as_id_text_or_empty", "as_lower_flag_text"]

_CAMPAIGNS = "campaign management"
_PROFILE = "profile"
_FILES = "file manager"


def as_lower_flag_text(value: object) -> WireValue:
    """A flag as the lower-case ``"true"``/``"false"`` text of campaigns.update's placeholder."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower()
    raise ConfigurationError(f"expected a flag (bool), got {type(value).__name__}")


def as_id_text_or_empty(value: object) -> WireValue:
    """An ID as numeric text, or ``""``, which campaigns.history documents as "all"."""
    if value == "":
        return ""
    return as_numeric_text(value)


def _encoded(name: str) -> Param:
    # campaigns.create/update struct members: base64 text (the typed methods encode),
    # a <string> member on XML-RPC and a flat key of "parameters" in JSON.
    return Param(name)


_CREATE_MEMBERS = (
    "name",
    "subject",
    "ID_allow_email",
    "type_message",
    "ID_mailing_list",
    "ID_delivery_feed",
    "ID_query",
    "ID_template",
    "google_analytics",
    "analytic_name",
    "ID_tagset",
    "content",
    # Seen only in a third-party copy of the page's example (unverified).
    "reply_to",
    "unsubscribe_email",
    "web_template",
    "style_inline",
    "ID_unsubscribe_group",
)
_UPDATE_MEMBERS = (
    "name",
    "subject",
    "ID_allow_email",
    "type_send",
    "generate_txt",
    "ID_mailing_list",
    "ID_delivery_feed",
    "ID_query",
    "ID_template",
    "test_mode",
    "test_emails",
    "google_analytics",
    # The page is cut after google_analytics; the rest is create's list, by analogy.
    "analytic_name",
    "ID_tagset",
    "content",
    "reply_to",
    "unsubscribe_email",
    "web_template",
    "style_inline",
    "ID_unsubscribe_group",
)
_SCHEDULE_TARGETS = ("ID_query", "ID_delivery_feed")


_CAMPAIGN_SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.campaigns.list",
        "campaigns.list",
        idempotent=True,
        params=(id_param("ID_message"),),
        json_layout=JsonLayout.TOP_LEVEL,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.create",
        "campaigns.create",
        idempotent=False,
        params=tuple(_encoded(n) for n in _CREATE_MEMBERS),
        # One struct on XML-RPC; its members sit flat in JSON "parameters" (the JSON
        # form is from a working third-party client, the page shows XML-RPC only).
        xml_slots=(Group(_CREATE_MEMBERS),),
        documentation=PARTIAL,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.update",
        "campaigns.update",
        idempotent=False,
        params=(
            id_param("ID_message", xml_text=True, required=True),
            Param("update", json=as_lower_flag_text, xml=as_lower_flag_text, xml_default="true"),
            *(_encoded(n) for n in _UPDATE_MEMBERS),
        ),
        # JSON is not documented: flat "parameters", by analogy with create.
        xml_slots=("ID_message", "update", Group(_UPDATE_MEMBERS)),
        success_strings=("OK",),
        documentation=PARTIAL,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.single.schedule",
        "campaigns.single_schedule",
        idempotent=False,
        params=(
            id_param("ID_message", required=True),
            text_param("subject", default=""),
            text_param("send_date", required=True),
            text_param("time_zone", default=""),
            id_param("ID_template", xml_text=True, default=""),
            id_param("ID_query", xml_text=True),
            id_param("ID_delivery_feed", xml_text=True),
        ),
        xml_slots=(
            "ID_message",
            "subject",
            "send_date",
            "time_zone",
            Fixed("", label="condition"),
            "ID_template",
            Group(_SCHEDULE_TARGETS),
        ),
        success_strings=("OK",),
        documentation=PARTIAL,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.schedule.list",
        "campaigns.schedule_list",
        idempotent=True,
        params=(id_param("ID_message", required=True),),
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.schedule.timezones",
        "campaigns.schedule_timezones",
        idempotent=True,
        json_layout=JsonLayout.BARE,
        documentation=PARTIAL,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.schedule.cancel",
        "campaigns.schedule_cancel",
        idempotent=False,
        # No copy of the page exists: keyed by the campaign and the pending delivery's
        # ID_SEND_MESSAGE_QUEUE from schedule.list, which is pure inference.
        params=(
            id_param("ID_message", required=True),
            id_param("ID_send_message_queue", required=True),
        ),
        success_strings=("OK",),
        documentation=INFERRED,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.messages",
        "campaigns.messages",
        idempotent=True,
        params=(id_param("ID_message", required=True),),
        documentation=INFERRED,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.messages.last",
        "campaigns.messages_last",
        idempotent=True,
        params=(id_param("ID_message", required=True),),
        documentation=INFERRED,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.messages.test",
        "campaigns.messages_test",
        idempotent=False,
        at_most_once=True,
        params=(
            id_param("ID_message", required=True),
            text_param("email", required=True),
            id_param("ID_preview_email", default=0),
            text_param("A/B", default=""),
            struct_param("content", default=False),
        ),
        # The trailing struct carries one member, "content" (variables, base64 values).
        xml_slots=("ID_message", "email", "ID_preview_email", "A/B", Group(("content",))),
        success_strings=("OK version A", "OK version B", "OK"),
        documentation=PARTIAL,
        category=_CAMPAIGNS,
    ),
    FunctionSpec(
        "mailkit.campaigns.history",
        "campaigns.history",
        idempotent=True,
        params=(
            Param("list_count", json=as_int, xml=as_int),
            Param("ID_message", json=as_id_text_or_empty, xml=as_id_text_or_empty),
        ),
        xml_slots=(Group(("list_count", "ID_message")),),
        category=_CAMPAIGNS,
    ),
)

_PROFILE_SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.profile.emails.list",
        "profile.emails_list",
        idempotent=True,
        json_layout=JsonLayout.BARE,
        documentation=PARTIAL,
        category=_PROFILE,
    ),
    FunctionSpec(
        "mailkit.profile.queries.list",
        "profile.queries_list",
        idempotent=True,
        # JSON sends an empty "parameters" object.
        documentation=PARTIAL,
        category=_PROFILE,
    ),
)

# Mailkit documents the file manager for XML-RPC only; the JSON forms below put the
# same names in "parameters", by analogy with the other functions.
_FILE_SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.filemanager.upload",
        "filemanager.upload",
        idempotent=False,
        params=(Param("files", json=as_any, xml=as_any, required=True),),
        documentation=PARTIAL,
        category=_FILES,
    ),
    FunctionSpec(
        "mailkit.filemanager.list",
        "filemanager.list",
        idempotent=True,
        params=(id_param("ID_folder", xml_text=True, default=""),),
        documentation=PARTIAL,
        category=_FILES,
    ),
    FunctionSpec(
        "mailkit.filemanager.delete",
        "filemanager.delete",
        idempotent=False,
        # The page names both slots only by placeholders; those are the names here.
        params=(
            id_param("ID_file/ID_folder", required=True),
            Param("file/dir", json=as_text, xml=as_text, required=True),
        ),
        success_strings=("DELETED",),
        documentation=PARTIAL,
        category=_FILES,
    ),
)

SPECS: tuple[FunctionSpec, ...] = (*_CAMPAIGN_SPECS, *_PROFILE_SPECS, *_FILE_SPECS)
