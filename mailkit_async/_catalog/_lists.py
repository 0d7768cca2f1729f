"""Mailing list and e-mail record management functions.

Several ``mailkit.email.*`` functions name a recipient either by record ID or by
address. XML-RPC has one positional slot that takes either; JSON has two keys,
``email`` and ``ID_email``. Typed methods pass an ``EmailRef`` under both names and
the converters below put the address and the ID where each wire wants them; the key
that does not apply is left out, except for ``mailkit.email.unsubscribe``, whose page
documents both keys with the unused one ``null``. Plain values given to
``client.call()`` travel as given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from .._exceptions import ConfigurationError
from .._spec import (
    MISSING,
    Converter,
    Fixed,
    FunctionSpec,
    Group,
    JsonLayout,
    Param,
    _Missing,
    as_any,
    as_bool,
    as_date_text,
    as_datetime_text,
    as_flag_text,
    as_id_or_text,
    as_int,
    as_numeric_text,
    as_text,
)
from .._types import WireValue
from ._helpers import INFERRED, PARTIAL, id_param, struct_param, text_param

__all__ = [
    "SPECS",
    "EmailRef",
    "ref_address_json",
    "ref_id_json",
    "ref_id_or_address",
]

_CATEGORY = "mailing list management"


@attrs.frozen
class EmailRef:
    """A recipient named by record ID (``ID_email``) or by address, for either wire."""

    email_id: int | None = None
    address: str | None = None

    @classmethod
    def of(cls, recipient: object) -> EmailRef:
        """An ``int`` is a record ID, a ``str`` an address (or phone number)."""
        if isinstance(recipient, EmailRef):
            return recipient
        if isinstance(recipient, int) and not isinstance(recipient, bool) and recipient > 0:
            return cls(email_id=recipient)
        if isinstance(recipient, str) and recipient.strip():
            return cls(address=recipient.strip())
        raise ConfigurationError(
            "a recipient is a positive record ID (int) or an address (str),"
            f" not {type(recipient).__name__}"
        )

    def either(self) -> int | str:
        """The ID if known, else the address."""
        return self.email_id if self.email_id is not None else str(self.address)


def ref_address_json(value: object) -> WireValue | _Missing:
    """The JSON ``email`` key: the address of an ``EmailRef`` (left out for an ID), or text."""
    if isinstance(value, EmailRef):
        return MISSING if value.address is None else value.address
    return as_text(value)


def ref_id_json(value: object) -> WireValue | _Missing:
    """The JSON ``ID_email`` key: the quoted ID of an ``EmailRef`` (left out for an address).

    A plain value is kept: quoted digits for an ID, the text for an address (the form
    ``mailkit.email.delete`` documents).
    """
    if isinstance(value, EmailRef):
        return MISSING if value.email_id is None else str(value.email_id)
    plain = as_id_or_text(value)
    return str(plain) if isinstance(plain, int) else plain


def _or_null(converter: Callable[[object], WireValue | _Missing]) -> Converter:
    """``converter``, but a key it would leave out is sent as JSON ``null`` instead.

    ``mailkit.email.unsubscribe`` documents both ``email`` and ``ID_email`` with one
    of them null; the other functions show only the key that applies.
    """

    def convert(value: object) -> WireValue:
        result = converter(value)
        return None if result is MISSING else result

    return convert


def ref_id_or_address(value: object) -> WireValue:
    """The XML-RPC recipient slot: an ``<int>`` ID or a ``<string>`` address."""
    if isinstance(value, EmailRef):
        return value.either()
    return as_id_or_text(value)


def _ref_text(value: object) -> WireValue:
    """A recipient slot typed ``<string>`` whether it holds an ID or an address."""
    return str(ref_id_or_address(value))


def _optional_id_json(value: object) -> WireValue:
    """An ID as quoted digits; ``""`` stays ``""`` (the JSON example's "no delivery")."""
    return "" if value == "" else as_numeric_text(value)


def _optional_id_xml(value: object) -> WireValue:
    """An ID as ``<int>``; ``""`` becomes 0 (no delivery)."""
    return 0 if value == "" else as_int(value)


def _lower_flag_text(value: object) -> WireValue:
    """``"true"`` / ``"false"``, the lower-case flag text of the unsubscribe example."""
    return str(as_flag_text(value)).lower()


def _int_list(value: object) -> WireValue:
    """A list of integer IDs (a tuple or other iterable is listed)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ConfigurationError(f"expected a list of IDs, got {type(value).__name__}")
    return [as_int(v) for v in value]


def _email_ref_param(name: str, *, required: bool = False, null: bool = False) -> Param:
    """``ID_email`` for functions whose XML-RPC slot takes an ID or an address.

    With ``null`` the JSON key is sent as null when the recipient is an address.
    """
    json = _or_null(ref_id_json) if null else ref_id_json
    return Param(name, json=json, xml=ref_id_or_address, required=required)


_ADDRESS = Param("email", json=ref_address_json, xml=as_text)
"""The JSON-only ``email`` key; XML-RPC carries the address in the ``ID_email`` slot."""


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.mailinglist.list",
        "mailinglist.list",
        idempotent=True,
        json_layout=JsonLayout.BARE,
        # Mailkit's page is not readable; shape from the official PHP library's fixtures.
        documentation=INFERRED,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.create",
        "mailinglist.create",
        idempotent=False,
        params=(text_param("name", required=True), text_param("description", default="")),
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.delete",
        "mailinglist.delete",
        idempotent=False,
        params=(
            id_param("ID_user_list", required=True, quoted=False),
            # The PHP library sends "TRUE"/"FALSE" text on both wires.
            Param("keep_list", json=as_flag_text, xml=as_flag_text, xml_default="FALSE"),
        ),
        success_strings=("OK",),
        documentation=INFERRED,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.adduser",
        "mailinglist.adduser",
        idempotent=False,
        params=(
            id_param("ID_user_list", required=True),
            Param("confirm", json=as_flag_text, xml=as_bool, xml_default=False),
            struct_param("personal", required=True),
            struct_param("address"),
            struct_param("custom"),
            struct_param("params"),
        ),
        success_strings=("Sent subscribe email",),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.edituser",
        "mailinglist.edituser",
        idempotent=False,
        params=(
            id_param("ID_user_list", required=True),
            # Typed <string> on XML-RPC; the PHP library also passes an address here.
            Param("ID_email", json=as_text, xml=as_text, required=True),
            struct_param("personal"),
            struct_param("address"),
            struct_param("custom"),
        ),
        xml_slots=(
            "ID_user_list",
            "ID_email",
            Fixed("", "keep_values"),
            "personal",
            "address",
            "custom",
        ),
        success_strings=("OK",),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.import",
        "mailinglist.import_",
        idempotent=False,
        params=(
            id_param("ID_user_list", required=True, quoted=False),
            Param("recipients", json=as_any, xml=as_any, required=True),
        ),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.getstatus",
        "mailinglist.getstatus",
        idempotent=True,
        params=(
            id_param("ID_user_list", required=True),
            text_param("status", default=""),
            Param("change_date", json=as_datetime_text, xml=as_datetime_text, xml_default=""),
            Param("ID_email", json=as_numeric_text, xml=as_numeric_text, xml_default="0"),
            Param("limit", json=as_numeric_text, xml=as_numeric_text),
        ),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.unsubscribed",
        "mailinglist.unsubscribed",
        idempotent=True,
        params=(Param("range_from", json=as_date_text, xml=as_date_text),),
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.mailinglist.engagement",
        "mailinglist.engagement",
        idempotent=True,
        params=(
            id_param("ID_user_list", required=True),
            id_param("ID_email", default=0),
            id_param("limit", quoted=False),
        ),
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.getstatus",
        "email.getstatus",
        idempotent=True,
        params=(
            _ADDRESS,
            # 0 fills the slot when only ID_send_message is given (inferred: no example).
            Param("ID_email", json=ref_id_json, xml=ref_id_or_address, xml_default=0),
            id_param("ID_send_message"),
        ),
        xml_slots=("ID_email", "ID_send_message"),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.getstatus.history",
        "email.getstatus_history",
        idempotent=True,
        params=(text_param("email"), id_param("ID_email")),
        xml_slots=(Group(("email", "ID_email")),),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.move",
        "email.move",
        idempotent=False,
        params=(
            id_param("ID_email", required=True, quoted=False),
            id_param("ID_user_list", required=True, quoted=False),
        ),
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.delete",
        "email.delete",
        idempotent=False,
        params=(_email_ref_param("ID_email", required=True),),
        # XML-RPC answers the deleted IDs bare: one <int>, or "id,id" text for an address.
        success_strings=tuple("0123456789"),
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.unsubscribe",
        "email.unsubscribe",
        idempotent=False,
        params=(
            Param("send_optout", json=as_flag_text, xml=as_bool),
            Param("email", json=_or_null(ref_address_json), xml=as_text),
            _email_ref_param("ID_email", required=True, null=True),
            Param("ID_send_message", json=_optional_id_json, xml=_optional_id_xml, xml_default=0),
            Param("timeout", json=_lower_flag_text, xml=as_bool),
            Param("timeout_days", json=as_numeric_text, xml=as_int),
        ),
        xml_slots=(
            "ID_email",
            "ID_send_message",
            "send_optout",
            Group(("timeout", "timeout_days")),
        ),
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.unsubscribe.getstatus",
        "email.unsubscribe_getstatus",
        idempotent=True,
        params=(_ADDRESS, _email_ref_param("ID_email")),
        xml_slots=("ID_email",),
        # XML-RPC answers only "TRUE" or "FALSE"; listed rather than string_result so
        # that error texts such as "Unauthorized" are still raised.
        success_strings=("TRUE", "FALSE"),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.revalidate",
        "email.revalidate",
        idempotent=False,
        params=(
            _ADDRESS,
            _email_ref_param("ID_email"),
            id_param("ID_message", default=0),
            id_param("ID_template"),
            Param("agreement", json=as_flag_text, xml=as_bool, required=True),
            text_param("channel", default=""),
            text_param("language"),
        ),
        xml_slots=("ID_email", "ID_message", "agreement", "channel", Fixed(0, "dummy"), "language"),
        success_strings=("Sent subscribe email", "Email has been revalidated"),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.topics",
        "email.topics",
        idempotent=False,
        params=(
            Param("ID_topics", json=_int_list, xml=_int_list),
            text_param("email", required=True),
            Param("activate_all", json=as_flag_text, xml=as_bool),
        ),
        xml_slots=(Group(("ID_topics", "email", "activate_all")),),
        # Answer not documented; a bare "OK" is accepted as success.
        success_strings=("OK",),
        documentation=PARTIAL,
        category=_CATEGORY,
    ),
    FunctionSpec(
        "mailkit.email.wipe",
        "email.wipe",
        idempotent=False,
        params=(_ADDRESS, Param("ID_email", json=ref_id_json, xml=_ref_text)),
        xml_slots=("ID_email",),
        category=_CATEGORY,
    ),
)
