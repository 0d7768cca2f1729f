"""Structural redaction: keep the API secret out of errors, their chains and debug logs.

``Redactor(secret)`` knows every form the secret can take on its way to a message:
raw, JSON-escaped (ASCII-only and not), XML-escaped, percent-encoded and as a Python
``repr``. ``text()`` replaces each with ``***`` (also a cut-off start of one before an
excerpt's ellipsis); ``scrub()`` cleans an error in place, with its chain.

A cleaned chain keeps library errors and transport exceptions (aiohttp's, ``OSError``,
``TimeoutError``) whose text holds no secret; every other link (a parser's exception
such as orjson's, lxml's, cattrs', ``KeyError``, ``UnicodeDecodeError``,
``RecursionError``) is cut, because those carry pieces of the body.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from typing import Final

import aiohttp

from ._exceptions import MailkitError
from ._secret import REDACTED

__all__ = ["Redactor", "secret_forms"]

_MIN_PARTIAL: Final = 8
_ELLIPSES: Final = ("…", "...")
_KEPT_CAUSES: Final = (aiohttp.ClientError, OSError, TimeoutError)


def secret_forms(secret: str) -> list[str]:
    """Every spelling of ``secret`` a message could contain, longest first."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret, quote=False),
        html.escape(secret, quote=True),
        secret.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;"),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        # repr() of a longer text escapes whichever quote it had to use.
        secret.replace("\\", "\\\\").replace("'", "\\'"),
        secret.replace("\\", "\\\\").replace('"', '\\"'),
    }
    lowered = {f.lower() for f in forms if "%" in f}
    return sorted((f for f in forms | lowered if f), key=len, reverse=True)


class Redactor:
    """Scrubs one secret, in every spelling, from text, bytes and errors."""

    __slots__ = ("_forms",)

    def __init__(self, secret: str) -> None:
        self._forms = tuple(secret_forms(secret))

    def __repr__(self) -> str:
        return "Redactor(***)"

    def contains(self, text: str) -> bool:
        """Whether ``text`` holds the secret in any spelling."""
        return any(form in text for form in self._forms)

    def text(self, text: str) -> str:
        """``text`` with every spelling of the secret replaced by ``***``."""
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        for ellipsis in _ELLIPSES:
            if ellipsis in text:
                text = self._cut_tails(text, ellipsis)
        return text

    def _cut_tails(self, text: str, ellipsis: str) -> str:
        """Redact a start of the secret that an excerpt cut off right before ``ellipsis``."""
        for form in self._forms:
            for size in range(len(form) - 1, _MIN_PARTIAL - 1, -1):
                tail = form[:size] + ellipsis
                if tail in text:
                    text = text.replace(tail, REDACTED + ellipsis)
                    break
        return text

    def bytes(self, data: bytes, limit: int) -> str:
        """Up to ``limit`` characters of a body, decoded leniently and redacted."""
        text = data.decode("utf-8", errors="replace")
        text = self.text(text)
        return text if len(text) <= limit else text[:limit] + "…"

    def scrub(self, error: BaseException) -> None:
        """Clean ``error`` and its ``__cause__``/``__context__`` chain in place."""
        seen: set[int] = set()
        pending: list[BaseException] = [error]
        while pending:
            current = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            if isinstance(current, MailkitError):
                self._scrub_attributes(current)
            cause, context = current.__cause__, current.__context__
            if cause is not None and not self._keep(cause):
                current.__cause__ = cause = None
                current.__suppress_context__ = True
            if context is not None and not self._keep(context):
                current.__context__ = context = None
            pending.extend(link for link in (cause, context) if link is not None)

    def _keep(self, link: BaseException) -> bool:
        if isinstance(link, MailkitError):
            return True
        if not isinstance(link, _KEPT_CAUSES):
            return False
        return not self.contains(str(link)) and not self.contains(repr(link.args))

    def _scrub_attributes(self, error: MailkitError) -> None:
        error.args = tuple(self.text(a) if isinstance(a, str) else a for a in error.args)
        for name, value in list(vars(error).items()):
            if isinstance(value, str):
                setattr(error, name, self.text(value))
            elif isinstance(value, list) and any(isinstance(v, str) for v in value):
                setattr(error, name, [self.text(v) if isinstance(v, str) else v for v in value])
