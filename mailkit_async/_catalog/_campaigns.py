"""Campaign management, profile and file manager functions."""

from __future__ import annotations

from .._spec import FunctionSpec, JsonLayout
from ._helpers import id_param

__all__ = ["SPECS"]

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.campaigns.list",
        "campaigns.list",
        idempotent=True,
        params=(id_param("ID_message"),),
        json_layout=JsonLayout.TOP_LEVEL,
        xml_slots=("ID_message",),
        category="campaign management",
    ),
)
