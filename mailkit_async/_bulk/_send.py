"""Send exactly one batch: encode it once, post it at most once, account for everyone.

``send_batch`` is the one place a ``sendmail_mass`` call is made. An attempt is
repeated only when it provably never left (``RequestNotSentError``: refused, DNS,
connect or pool-acquire timeout), within the client's retry policy and deadline. Every
other failure ends the batch ``UNKNOWN`` and is never retried: Mailkit has no
idempotency key, so a second call could send every e-mail twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import attrs

from .._exceptions import (
    APIError,
    ClientClosedError,
    ConfigurationError,
    MailkitError,
    RequestNotSentError,
)
from .._retry import retry_call
from .._transport import RpcTransport
from .._types import WireValue
from ._batch import BatchResult, BatchSpec
from ._matching import record_from_answer
from ._state import NOT_SENT, REFUSED, UNKNOWN, BatchRecord, BatchStatus

if TYPE_CHECKING:
    from .._client import MailkitClient

__all__ = [
    "FUNCTION",
    "PreparedBatch",
    "encode_batch",
    "fit_batch",
    "not_sent",
    "outcome_unknown",
    "send_batch",
]

FUNCTION: Final = "mailkit.sendmail_mass"
logger = logging.getLogger("mailkit_async.bulk")


def encode_batch(client: MailkitClient, batch: BatchSpec) -> bytes | None:
    """The request body for ``batch`` on the client's wire, or None for a custom transport.

    Raises ``ConfigurationError`` (``EncodeError``) for a value the wire cannot carry or
    a body above the client's request limit; nothing is sent then.
    """
    transport = client.transport
    if not isinstance(transport, RpcTransport):
        return None
    return transport.encode(FUNCTION, batch.params(), credentials=client._credentials)


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

    def visit(start: int, stop: int) -> None:
        part = (
            batch if (start, stop) == (0, len(batch)) else batch.part(batch.batch_id, start, stop)
        )
        try:
            body = encode_batch(client, part)
        except ConfigurationError as exc:
            if stop - start > 1:
                split(start, stop)
            else:
                pieces.append((start, stop, None, exc))
            return
        if body is not None and len(body) > max_bytes:
            if stop - start > 1:
                split(start, stop)
            else:
                error = ConfigurationError(
                    f"this recipient alone makes a {len(body)}-byte request, above"
                    f" max_batch_bytes={max_bytes}",
                    function=FUNCTION,
                )
                pieces.append((start, stop, None, error))
            return
        pieces.append((start, stop, body, None))

    def split(start: int, stop: int) -> None:
        middle = (start + stop) // 2
        visit(start, middle)
        visit(middle, stop)

    visit(0, len(batch))
    if len(pieces) == 1:
        start, stop, body, error = pieces[0]
        return [PreparedBatch(batch, body, error, start, stop)]
    return [
        PreparedBatch(batch.part(f"{batch.batch_id}.{n}", start, stop), body, error, start, stop)
        for n, (start, stop, body, error) in enumerate(pieces, 1)
    ]


def not_sent(batch: BatchSpec, error: MailkitError | None, reason: str) -> BatchResult:
    """The result of a batch the library did not send: every recipient ``REJECTED``, unsent."""
    record = BatchRecord(
        batch.batch_id,
        batch.campaign_id,
        batch.mailinglist_id,
        NOT_SENT,
        len(batch),
        tuple(batch.addresses),
        reason=reason,
        sent_at=time.time(),
        settled=True,
        settled_by="final",
    )
    return BatchResult(record, error)


def outcome_unknown(batch: BatchSpec, reason: str) -> BatchResult:
    """The result of a batch whose call may have reached Mailkit without an answer."""
    record = BatchRecord(
        batch.batch_id,
        batch.campaign_id,
        batch.mailinglist_id,
        UNKNOWN,
        len(batch),
        tuple(batch.addresses),
        reason=reason,
        sent_at=time.time(),
        settled=True,
        settled_by="final",
    )
    return BatchResult(record)


def _describe(error: BaseException) -> str:
    text = error.message if isinstance(error, MailkitError) else str(error)
    return f"{type(error).__name__}: {text}"


def _failed(batch: BatchSpec, error: MailkitError, may_have_left: bool) -> BatchResult:
    status: BatchStatus
    if isinstance(error, APIError):
        status = REFUSED  # Mailkit answered, refusing the whole call: nothing was sent
        reason = error.message
    elif not may_have_left:
        return not_sent(batch, error, f"not sent: {_describe(error)}")
    else:
        status = UNKNOWN
        reason = f"outcome unknown: {_describe(error)}"
    record = BatchRecord(
        batch.batch_id,
        batch.campaign_id,
        batch.mailinglist_id,
        status,
        len(batch),
        tuple(batch.addresses),
        reason=reason,
        sent_at=time.time(),
        settled=True,
        settled_by="final",
    )
    return BatchResult(record, error)


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
    are repeated. ``body`` is the already encoded request (see ``fit_batch``).

    Cancelling this coroutine while the call is in flight leaves its outcome unknown:
    the caller must then account for the batch as ``UNKNOWN`` (the bulk sender does).
    """
    if len(batch) == 0:
        raise ConfigurationError("a batch needs at least one recipient", function=FUNCTION)
    transport = client.transport
    if body is None and isinstance(transport, RpcTransport):
        try:
            body = encode_batch(client, batch)
        except ConfigurationError as exc:
            return not_sent(batch, exc, f"not sent: {_describe(exc)}")
    tracker = _Attempts()
    try:
        if client.closed:
            raise ClientClosedError("the client is closed", function=FUNCTION)
        if body is not None and isinstance(transport, RpcTransport):
            value = await _post_once(client, transport, body, tracker)
        else:
            tracker.may_have_left = True
            value = await client.call(FUNCTION, batch.params())
    except (RequestNotSentError, ClientClosedError, ConfigurationError) as error:
        return _failed(batch, error, may_have_left=False)
    except MailkitError as error:
        return _failed(batch, error, may_have_left=tracker.may_have_left)
    return BatchResult(record_from_answer(batch, value, clock()))


class _Attempts:
    """Whether any attempt so far may have reached the server."""

    __slots__ = ("count", "may_have_left")

    def __init__(self) -> None:
        self.count = 0
        self.may_have_left = False


async def _post_once(
    client: MailkitClient, transport: RpcTransport, body: bytes, tracker: _Attempts
) -> WireValue:
    """Post an encoded ``sendmail_mass`` body, repeating only attempts that never left."""
    timeout = client._timeout

    async def attempt(time_left: float) -> WireValue:
        tracker.count += 1
        tracker.may_have_left = True
        per_attempt = attrs.evolve(timeout, total=min(timeout.total, time_left))
        started = time.monotonic()
        try:
            return await transport.send(FUNCTION, body, timeout=per_attempt)
        except MailkitError as error:
            if isinstance(error, RequestNotSentError | APIError):
                # Never left, or Mailkit refused it: a retry happens only after these.
                tracker.may_have_left = False
            if error.function is None:
                error.function = FUNCTION
            scrub = getattr(getattr(client, "_redactor", None), "scrub", None)
            if scrub is not None:
                scrub(error)
            logger.debug(
                "%s batch attempt %d failed after %.3fs: %s",
                FUNCTION,
                tracker.count,
                time.monotonic() - started,
                type(error).__name__,
            )
            raise

    return await retry_call(
        attempt,
        idempotent=False,
        policy=client._retry,
        deadline=time.monotonic() + timeout.deadline,
        budget=client._budget,
    )
