"""The table of every Mailkit API function, assembled from one module per API area."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._spec import FunctionSpec
from ._campaigns import SPECS as _CAMPAIGNS
from ._delivery import SPECS as _DELIVERY
from ._lists import SPECS as _LISTS
from ._reports import SPECS as _REPORTS

__all__ = ["FUNCTIONS", "spec_for"]

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(
    {s.name: s for s in (*_CAMPAIGNS, *_LISTS, *_DELIVERY, *_REPORTS)}
)
"""Every documented Mailkit function by name, read-only."""


def spec_for(function: str) -> FunctionSpec | None:
    """The spec of a documented function, or None for a name the table does not know."""
    return FUNCTIONS.get(function)
