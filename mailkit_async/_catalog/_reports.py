"""Reporting functions: overviews, per-delivery reports and the raw exports."""

from __future__ import annotations

import re
from datetime import date

import attrs

from .._exceptions import ConfigurationError
from .._spec import Documentation, FunctionSpec, Param
from .._types import WireValue
from ._helpers import INFERRED, PARTIAL, id_param, text_param

__all__ = ["SPECS", "ReportSpec", "as_date_text"]

_FULL = Documentation.FULL
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_date_text(value: object) -> WireValue:
    """A day as Mailkit's ``YYYY-MM-DD`` text, from a ``date`` (or a ``datetime``'s day)."""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value.strip()):
        return value.strip()
    raise ConfigurationError(f"expected a date (YYYY-MM-DD), got {type(value).__name__}")


@attrs.frozen
class ReportSpec(FunctionSpec):
    """A report whose bare empty-string answer means "no rows", not an error.

    Mailkit answers some reads with ``""`` when there is nothing to report; any other
    bare string is still an error text.
    """

    def is_success_string(self, text: str) -> bool:
        """Whether a bare string answer means success: ``""`` always does here."""
        return not text.strip() or super().is_success_string(text)


def _date(name: str) -> Param:
    return Param(name, json=as_date_text, xml=as_date_text)


def _filter(name: str) -> Param:
    # XML-RPC is positional: to reach the cursor and limit, the filters before them
    # must be sent. Which value means "no filter" is not documented; 0 is inferred.
    return id_param(name, default=0)


def _per_delivery(
    function: str, method: str, *extra: Param, documentation: Documentation = PARTIAL
) -> ReportSpec:
    """A report on one delivery: ``ID_send`` first on XML-RPC, then ``extra`` in order."""
    params = (id_param("ID_send", required=True), *extra)
    return ReportSpec(
        function,
        method,
        idempotent=True,
        params=params,
        xml_slots=tuple(p.name for p in params),
        documentation=documentation,
        category="reporting",
    )


SPECS: tuple[FunctionSpec, ...] = (
    ReportSpec(
        "mailkit.report",
        "report.overview",
        idempotent=True,
        params=(_date("range_from"), _date("range_to")),
        xml_slots=("range_from", "range_to"),
        documentation=PARTIAL,
        category="reporting",
    ),
    ReportSpec(
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
    ReportSpec(
        "mailkit.report.raw.messages",
        "report.raw_messages",
        idempotent=True,
        params=(
            _filter("ID_message"),
            _filter("ID_send"),
            _filter("ID_send_message"),
            id_param("limit"),
        ),
        xml_slots=("ID_message", "ID_send", "ID_send_message", "limit"),
        documentation=PARTIAL,
        category="reporting",
    ),
    ReportSpec(
        "mailkit.report.raw.bounces",
        "report.raw_bounces",
        idempotent=True,
        params=(
            _filter("ID_message"),
            _filter("ID_send"),
            _filter("ID_undelivered_log"),
            id_param("limit"),
        ),
        xml_slots=("ID_message", "ID_send", "ID_undelivered_log", "limit"),
        documentation=PARTIAL,
        category="reporting",
    ),
    ReportSpec(
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
        xml_slots=("ID_message", "ID_send", "ID_send_message", "ID_log", "limit"),
        documentation=INFERRED,
        category="reporting",
    ),
)
