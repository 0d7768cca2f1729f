"""Campaign delivery functions: sendmail, sendmail_mass and its results, sendsms."""

from __future__ import annotations

from .._exceptions import ConfigurationError
from .._spec import FunctionSpec, JsonLayout, Param, as_any
from .._types import WireValue
from ._helpers import PARTIAL, id_param, struct_param

__all__ = ["SPECS", "mass_recipients_for_xmlrpc"]


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


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.sendmail_mass",
        "sendmail_mass",
        idempotent=False,
        params=(
            Param("recipients", json=as_any, xml=mass_recipients_for_xmlrpc, required=True),
            struct_param("options", default=False),
        ),
        json_layout=JsonLayout.TOP_LEVEL,
        xml_slots=("recipients", "options"),
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
        xml_slots=("ID_send", "request_id"),
        documentation=PARTIAL,
        category="campaign delivery",
    ),
)
