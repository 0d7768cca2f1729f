"""Small shared type aliases."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

WireValue: TypeAlias = (
    "bool | int | float | str | bytes | datetime | list[WireValue] | dict[str, WireValue] | None"
)
"""The neutral value tree both wire formats decode to and encode from."""

__all__ = ["WireValue", "datetime"]
