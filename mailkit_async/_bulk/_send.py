"""Send exactly one batch: encode it once, post it at most once, account for everyone.

``send_batch`` is the one place a ``sendmail_mass`` call is made, through the client's
own call path (``_call_encoded``: hooks, DEBUG lines, redaction). An attempt is
repeated only when it provably never left (``RequestNotSentError``: refused, DNS,
connect or pool-acquire timeout), within the client's retry policy and deadline, even
when the policy says ``retry_unsafe``. Every other failure ends the batch ``UNKNOWN``
and is never retried: Mailkit has no idempotency key, so a second call could send
every e-mail twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import (
    APIError,
    ClientClosedError,
    ConfigurationError,
    MailkitError,
    RequestNotSentError,
)
from ._batch import BatchOutline, BatchResult, BatchSpec, outline_of, without_tracebacks
from ._matching import record_from_answer
from ._state import NOT_SENT, REFUSED, UNKNOWN, BatchRecord, BatchStatus

if TYPE_CHECKING:
    from .._client import MailkitClient

__all__ = [
    "FUNCTION",
    "PreparedBatch",
    "call_batch",
    "encode_batch",
    "fit_batch",
    "not_sent",
    "outcome_unknown",
    "send_batch",
]

FUNCTION: Final = "mailkit.sendmail_mass"


def encode_batch(client: MailkitClient, batch: BatchSpec) -> bytes | None:
    """The request body for ``batch`` on the client's wire, or None for a custom transport.

    Raises ``ConfigurationError`` (``EncodeError``) for a value the wire cannot carry or
    a body above the client's request limit; nothing is sent then.
    """
    return client._encode(FUNCTION, batch.params())


@attrs.frozen
class PreparedBatch:
    """A batch ready to send (``body``), or one that cannot be sent (``error``).

    ``start`` and ``stop`` locate its recipients in the batch it was cut from.
    """

    spec: BatchSpec
    body: bytes | None
    error: ConfigurationError | None
    start: int
    stop: int


def fit_batch(client: MailkitClient, batch: BatchSpec, max_bytes: int) -> list[PreparedBatch]:
    """Encode ``batch``, halving it until every part fits ``max_bytes`` and encodes.

    A single recipient that is too large or holds a value the wire cannot carry comes
    back with an ``error`` and is not sent; the others are unaffected. Parts get the
    batch's ID with ``.1``, ``.2``... appended.
    """
    pieces: list[tuple[int, int, bytes | None, ConfigurationError | None]] = []
    # Ranges still to encode, the next one last. A loop rather than recursive closures:
    # closures that call each other form a reference cycle, which would keep the batch's
    # structs and bodies alive until the garbage collector happens to run.
    ranges = [(0, len(batch))]
    while ranges:
        start, stop = ranges.pop()
        part = (
            batch if (start, stop) == (0, len(batch)) else batch.part(batch.batch_id, start, stop)
        )
        error: ConfigurationError | None = None
        try:
            body = encode_batch(client, part)
        except ConfigurationError as exc:
            without_tracebacks(exc)
            body, error = None, exc
        size = 0 if body is None else len(body)
        if (error is not None or size > max_bytes) and stop - start > 1:
            middle = (start + stop) // 2
            ranges += [(middle, stop), (start, middle)]  # the first half goes first
            continue
        if size > max_bytes:
            error = ConfigurationError(
                f"this recipient alone makes a {size}-byte request, above"
                f" max_batch_bytes={max_bytes}",
                function=FUNCTION,
            )
            body = None
        pieces.append((start, stop, body, error))
    if len(pieces) == 1:
        start, stop, body, error = pieces[0]
        return [PreparedBatch(batch, body, error, start, stop)]
    return [
        PreparedBatch(batch.part(f"{batch.batch_id}.{n}", start, stop), body, error, start, stop)
        for n, (start, stop, body, error) in enumerate(pieces, 1)
    ]


def _final(outline: BatchOutline, status: BatchStatus, reason: str) -> BatchRecord:
    """A batch record that no results call can change any more."""
    return BatchRecord(
        outline.batch_id,
        outline.campaign_id,
        outline.mailinglist_id,
        status,
        len(outline),
        outline.addresses,
        reason=reason,
        sent_at=time.time(),
        settled=True,
        settled_by="final",
    )


def not_sent(outline: BatchOutline, error: MailkitError | None, reason: str) -> BatchResult:
    """The result of a batch the library did not send: every recipient ``REJECTED``, unsent."""
    return BatchResult(_final(outline, NOT_SENT, reason), error)


def outcome_unknown(outline: BatchOutline, reason: str) -> BatchResult:
    """The result of a batch whose call may have reached Mailkit without an answer."""
    return BatchResult(_final(outline, UNKNOWN, reason))


def _describe(error: BaseException) -> str:
    text = error.message if isinstance(error, MailkitError) else str(error)
    return f"{type(error).__name__}: {text}"


def _failed(outline: BatchOutline, error: MailkitError, may_have_left: bool) -> BatchResult:
    if isinstance(error, APIError):
        # Mailkit answered, refusing the whole call: nothing was sent
        return BatchResult(_final(outline, REFUSED, error.message), error)
    if not may_have_left:
        return not_sent(outline, error, f"not sent: {_describe(error)}")
    return BatchResult(_final(outline, UNKNOWN, f"outcome unknown: {_describe(error)}"), error)


async def send_batch(
    client: MailkitClient,
    batch: BatchSpec,
    *,
    body: bytes | None = None,
    clock: Callable[[], float] = time.time,
) -> BatchResult:
    """Send ``batch`` as one ``sendmail_mass`` call and account for every recipient.

    Never raises for Mailkit or transport failures; the result says what happened:
    ``answered`` (listed recipients accepted), ``refused`` (Mailkit's error answer, all
    rejected), ``unknown`` (the call may have reached Mailkit, no usable answer) or
    ``not_sent``. The call is made at most once; only attempts that provably never left
    are repeated. ``body`` is the already encoded request (see ``fit_batch``). The
    call goes through the client's own path, so its hooks and DEBUG lines see it.

    Cancelling this coroutine while the call is in flight leaves its outcome unknown:
    the caller must then account for the batch as ``UNKNOWN`` (the bulk sender does).
    """
    if len(batch) == 0:
        raise ConfigurationError("a batch needs at least one recipient", function=FUNCTION)
    outline = outline_of(batch)
    if body is None:
        try:
            body = encode_batch(client, batch)
        except ConfigurationError as exc:
            return not_sent(outline, exc, f"not sent: {_describe(exc)}")
    # Without a body (a custom transport), the transport encodes the parameters itself.
    request = batch.params() if body is None else body
    return await call_batch(client, outline, request, clock=clock)


async def call_batch(
    client: MailkitClient,
    outline: BatchOutline,
    request: bytes | dict[str, Any],
    *,
    clock: Callable[[], float] = time.time,
) -> BatchResult:
    """``send_batch`` once the batch is encoded: only its outline is kept from here on.

    ``request`` is the encoded body, or the call's parameters for a custom transport
    (which encodes them itself). Once the body is encoded, the caller can free the
    recipient structs before the call goes out.
    """
    tracker = _Attempts()
    try:
        if isinstance(request, bytes):
            value = await client._call_encoded(
                FUNCTION, request, at_most_once=True, on_attempt=tracker.seen
            )
        else:
            value = await client._call(
                FUNCTION, request, at_most_once=True, on_attempt=tracker.seen
            )
    except (RequestNotSentError, ClientClosedError, ConfigurationError) as error:
        return _failed(outline, error, may_have_left=False)
    except MailkitError as error:
        return _failed(outline, error, may_have_left=tracker.may_have_left)
    return BatchResult(record_from_answer(outline, value, clock()))


class _Attempts:
    """Whether the last attempt may have reached the server.

    With ``at_most_once`` an attempt is only repeated after one that provably never
    left, so the last attempt speaks for all of them.
    """

    __slots__ = ("may_have_left",)

    def __init__(self) -> None:
        self.may_have_left = False

    def seen(self, number: int, error: MailkitError | None, pause: float | None) -> None:
        """The client's report of one finished attempt."""
        self.may_have_left = not isinstance(error, RequestNotSentError | APIError)
