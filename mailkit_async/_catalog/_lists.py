"""Mailing list and e-mail record management functions."""

from __future__ import annotations

from .._spec import FunctionSpec, JsonLayout, Param, as_bool, as_flag_text
from ._helpers import INFERRED, PARTIAL, id_param, struct_param, text_param

__all__ = ["SPECS"]

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.mailinglist.list",
        "mailinglist.list",
        idempotent=True,
        json_layout=JsonLayout.BARE,
        # Mailkit's page is not readable; shape from the official PHP library's fixtures.
        documentation=INFERRED,
        category="mailing list management",
    ),
    FunctionSpec(
        "mailkit.mailinglist.create",
        "mailinglist.create",
        idempotent=False,
        params=(text_param("name", required=True), text_param("description", default="")),
        xml_slots=("name", "description"),
        category="mailing list management",
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
        xml_slots=("ID_user_list", "confirm", "personal", "address", "custom", "params"),
        success_strings=("Sent subscribe email",),
        documentation=PARTIAL,
        category="mailing list management",
    ),
)
