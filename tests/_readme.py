"""Regenerate the README's function table: ``python -m tests._readme``."""

from __future__ import annotations

import re
from pathlib import Path

from mailkit_async._cli._reference import reference_table

README = Path(__file__).parents[1] / "README.md"
_BLOCK = re.compile(r"(<!-- functions:start -->\n).*?(<!-- functions:end -->)", re.S)


def rendered(text: str) -> str:
    """The README text with a fresh function table between the markers."""
    return _BLOCK.sub(lambda m: m.group(1) + reference_table() + "\n" + m.group(2), text)


if __name__ == "__main__":
    README.write_text(rendered(README.read_text(encoding="utf-8")), encoding="utf-8")
