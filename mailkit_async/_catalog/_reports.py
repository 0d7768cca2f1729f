"""Reporting functions: overviews, per-delivery reports and the raw exports."""

from __future__ import annotations

from typing import Any

from .._spec import Documentation, FunctionSpec, Param, as_date_text
from ._helpers import INFERRED, PARTIAL, id_param, text_param

__all__ = ["SPECS"]

_FULL = Documentation.FULL


def _report(*args: Any, **kwargs: Any) -> FunctionSpec:
    """A report's spec: a bare ``""`` answer means "no rows", not an error."""
    return FunctionSpec(*args, **{**kwargs, "empty_is_no_data": True})


def _date(name: str) -> Param:
    return Param(name, json=as_date_text, xml=as_date_text)


def _filter(name: str) -> Param:
    # XML-RPC is positional: to reach the cursor and limit, the filters before them
    # must be sent. Which value means "no filter" is not documented; 0 is inferred.
    return id_param(name, default=0)


def _per_delivery(
    function: str, method: str, *extra: Param, documentation: Documentation = PARTIAL
) -> FunctionSpec:
    """A report on one delivery: ``ID_send`` first on XML-RPC, then ``extra`` in order."""
    params = (id_param("ID_send", required=True), *extra)
    return _report(
        function,
        method,
        idempotent=True,
        params=params,
        documentation=documentation,
        category="reporting",
    )


SPECS: tuple[FunctionSpec, ...] = (
    _report(
        "mailkit.report",
        "report.overview",
        idempotent=True,
        params=(_date("range_from"), _date("range_to")),
        documentation=PARTIAL,
        category="reporting",
    ),
    _report(
        "mailkit.report.campaign",
        "report.campaign",
        idempotent=True,
        # JSON lists the dates first; XML-RPC puts ID_message first.
        params=(_date("range_from"), _date("range_to"), id_param("ID_message", required=True)),
        xml_slots=("ID_message", "range_from", "range_to"),
        documentation=PARTIAL,
        category="reporting",
    ),
    _per_delivery("mailkit.report.message", "report.message"),
    _per_delivery(
        "mailkit.report.message.recipients", "report.message_recipients", documentation=_FULL
    ),
    # JSON lists period first; XML-RPC takes ID_send first.
    _per_delivery(
        "mailkit.report.message.feedback", "report.message_feedback", text_param("period")
    ),
    _per_delivery("mailkit.report.message.links", "report.message_links", documentation=_FULL),
    _per_delivery(
        "mailkit.report.message.links.visitors",
        "report.message_links_visitors",
        id_param("ID_url", required=True),
    ),
    _per_delivery("mailkit.report.message.bounces", "report.message_bounces"),
    _report(
        "mailkit.report.raw.messages",
        "report.raw_messages",
        idempotent=True,
        params=(
            _filter("ID_message"),
            _filter("ID_send"),
            _filter("ID_send_message"),
            id_param("limit"),
        ),
        documentation=PARTIAL,
        category="reporting",
    ),
    _report(
        "mailkit.report.raw.bounces",
        "report.raw_bounces",
        idempotent=True,
        params=(
            _filter("ID_message"),
            _filter("ID_send"),
            _filter("ID_undelivered_log"),
            id_param("limit"),
        ),
        documentation=PARTIAL,
        category="reporting",
    ),
    _report(
        "mailkit.report.raw.responses",
        "report.raw_responses",
        idempotent=True,
        params=(
            _filter("ID_message"),
            _filter("ID_send"),
            _filter("ID_send_message"),
            _filter("ID_log"),
            id_param("limit"),
        ),
        # The page is unreadable: parameter names come from public client code and the
        # XML-RPC order is chosen by analogy with raw.messages / raw.bounces.
        documentation=INFERRED,
        category="reporting",
    ),
)
