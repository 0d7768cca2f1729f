"""Campaign delivery functions: sendmail, sendmail_mass and its results, sendsms."""

from __future__ import annotations

from .._exceptions import ConfigurationError
from .._spec import FunctionSpec, JsonLayout, Param, as_any
from .._types import WireValue
from ._helpers import PARTIAL, id_param, struct_param

__all__ = ["SPECS", "flags_as_text", "mass_recipients_for_xmlrpc"]


def mass_recipients_for_xmlrpc(value: object) -> WireValue:
    """sendmail_mass recipients for XML-RPC, where ``create_email`` is ``"TRUE"`` text.

    JSON carries the same flag as a real boolean.
    """
    if not isinstance(value, list):
        raise ConfigurationError("recipients must be a list of structs")
    out: list[WireValue] = []
    for item in value:
        flag = item.get("create_email") if isinstance(item, dict) else None
        if isinstance(flag, bool):
            item = {**item, "create_email": "TRUE" if flag else "FALSE"}
        out.append(item)
    return out


def flags_as_text(value: object) -> WireValue:
    """A struct for XML-RPC with its boolean members as ``"TRUE"``/``"FALSE"`` text.

    sendsms's ``campaign`` struct carries ``use_utf``/``allow_split`` as JSON booleans
    but as text on XML-RPC.
    """
    if not isinstance(value, dict):
        raise ConfigurationError("expected a struct")
    return {k: ("TRUE" if v else "FALSE") if isinstance(v, bool) else v for k, v in value.items()}


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.sendmail",
        "sendmail",
        idempotent=False,
        at_most_once=True,
        params=(
            id_param("mailinglist_id", required=True, quoted=False),
            id_param("campaign_id", required=True, quoted=False),
            struct_param("main", required=True),
            struct_param("recipient"),
            struct_param("contact"),
            struct_param("custom"),
            # Trailing and optional: left out when there is nothing to attach, as the
            # official PHP client does (an empty struct could read as a bad attachment).
            struct_param("attachment", default=False),
        ),
        documentation=PARTIAL,
        category="campaign delivery",
    ),
    FunctionSpec(
        "mailkit.sendsms",
        "sendsms",
        idempotent=False,
        at_most_once=True,
        params=(
            Param("campaign", json=as_any, xml=flags_as_text, required=True),
            struct_param("recipient", required=True),
            struct_param("content"),
        ),
        # The answer is not documented at all (see SendSmsResult): a bare "OK" is
        # accepted as success rather than read as an error text.
        success_strings=("OK",),
        documentation=PARTIAL,
        category="campaign delivery",
    ),
    FunctionSpec(
        "mailkit.sendmail_mass",
        "sendmail_mass",
        idempotent=False,
        at_most_once=True,
        params=(
            Param("recipients", json=as_any, xml=mass_recipients_for_xmlrpc, required=True),
            struct_param("options", default=False),
        ),
        json_layout=JsonLayout.TOP_LEVEL,
        omit_none_members=True,
        documentation=PARTIAL,
        category="campaign delivery",
    ),
    FunctionSpec(
        "mailkit.sendmail_mass.results",
        "sendmail_mass_results",
        idempotent=True,
        params=(
            # XML-RPC is positional: without an ID_send the slot carries 0 ("any delivery",
            # inferred: the page marks ID_send optional but shows no empty value).
            id_param("ID_send", quoted=False, default=0),
            id_param("request_id", required=True, quoted=False),
        ),
        documentation=PARTIAL,
        category="campaign delivery",
    ),
)
