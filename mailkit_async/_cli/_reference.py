"""``mailkit-async functions``: the function reference table, from ``FUNCTIONS``."""

from __future__ import annotations

from .._catalog import FUNCTIONS
from .._spec import Documentation

__all__ = ["reference_table"]

_NOTES = {
    Documentation.FULL: "",
    Documentation.PARTIAL: "partly documented",
    Documentation.INFERRED: "shape inferred",
}


def reference_table() -> str:
    """A Markdown table: function, typed method, safe to repeat, documentation note."""
    lines = [
        "| Mailkit function | Typed method | Safe to repeat | Note |",
        "|---|---|---|---|",
    ]
    for spec in sorted(FUNCTIONS.values(), key=lambda s: (s.category, s.name)):
        safe = "yes" if spec.idempotent else "no"
        lines.append(
            f"| `{spec.name}` | `client.{spec.method}()` | {safe} | {_NOTES[spec.documentation]} |"
        )
    return "\n".join(lines)
