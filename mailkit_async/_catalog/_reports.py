"""Reporting functions: overviews, per-delivery reports and the raw exports."""

from __future__ import annotations

from .._spec import FunctionSpec
from ._helpers import id_param

__all__ = ["SPECS"]

SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "mailkit.report.message.recipients",
        "report.message_recipients",
        idempotent=True,
        params=(id_param("ID_send", required=True),),
        xml_slots=("ID_send",),
        category="reporting",
    ),
)
