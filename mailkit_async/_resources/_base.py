"""What every resource namespace shares: a typed call through the client."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import cattrs

from .._catalog import spec_for
from .._codec import structure
from .._types import WireValue

if TYPE_CHECKING:
    from .._client import MailkitClient

__all__ = ["Caller", "Resource", "drop_none", "invoke", "strip_envelope"]


class Caller(Protocol):
    """What typed methods need from a client: ``call`` and the converter."""

    converter: cattrs.Converter

    async def call(self, function: str, params: Mapping[str, Any] | None = None) -> WireValue:
        """Call a Mailkit function by name."""
        ...


T = TypeVar("T")

_SUCCESS_TEXTS = frozenset({"", "OK"})


def strip_envelope(value: WireValue) -> WireValue:
    """Drop the ``error_status`` envelope (and an ``error`` that only says OK)."""
    if isinstance(value, dict) and ("error_status" in value or "error" in value):
        error = value.get("error")
        return {
            k: v
            for k, v in value.items()
            if k != "error_status" and not (k == "error" and error in _SUCCESS_TEXTS)
        }
    return value


def drop_none(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters the caller actually gave."""
    return {k: v for k, v in params.items() if v is not None}


async def invoke(
    client: Caller,
    function: str,
    params: Mapping[str, Any],
    result: type[T],
    *,
    adapt: Callable[[WireValue], WireValue] | None = None,
) -> T:
    """Call ``function`` and structure the answer into ``result``.

    ``adapt`` reshapes an answer whose JSON and XML-RPC forms differ before it is
    structured, so both wires give the same typed result.
    """
    value = strip_envelope(await client.call(function, drop_none(params)))
    if adapt is not None:
        value = adapt(value)
    spec = spec_for(function)
    return structure(
        value,
        result,
        function=function,
        converter=client.converter,
        idempotent=bool(spec and spec.idempotent),
    )


class Resource:
    """A namespace of typed methods bound to one client."""

    def __init__(self, client: MailkitClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
