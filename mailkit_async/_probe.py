"""What the HTTP layer learns about one attempt, handed up without widening any interface.

The client puts a fresh ``AttemptProbe`` in a context variable before each attempt;
``AiohttpSender`` fills it in (whether a connection was obtained, the HTTP status, the
bodies when debug logging of bodies is on). A coroutine awaited directly shares its
caller's context, so the client reads the probe after the attempt. A custom transport
that ignores the probe simply leaves it empty.
"""

from __future__ import annotations

from contextvars import ContextVar

import attrs

__all__ = ["AttemptProbe", "current_probe", "probing"]


@attrs.define
class AttemptProbe:
    """Facts about one attempt.

    Attributes:
        capture_bodies: Whether the sender should keep the request and response bodies.
        connected: A connection was obtained, so the request may have left.
        status: The HTTP status of the answer, when one arrived.
        request_body: The body sent (only with ``capture_bodies``).
        response_body: The body received (only with ``capture_bodies``).
    """

    capture_bodies: bool = False
    connected: bool = False
    status: int | None = None
    request_body: bytes | None = attrs.field(default=None, repr=False)
    response_body: bytes | None = attrs.field(default=None, repr=False)


_CURRENT: ContextVar[AttemptProbe | None] = ContextVar("mailkit_async_probe", default=None)


def current_probe() -> AttemptProbe | None:
    """The probe of the attempt running in this context, if the client set one."""
    return _CURRENT.get()


class probing:
    """Context manager making ``probe`` the current one for the duration of the block."""

    __slots__ = ("_probe", "_token")

    def __init__(self, probe: AttemptProbe) -> None:
        self._probe = probe

    def __enter__(self) -> AttemptProbe:
        self._token = _CURRENT.set(self._probe)
        return self._probe

    def __exit__(self, *exc_info: object) -> None:
        _CURRENT.reset(self._token)
