"""How a bulk job batches, limits, closes and settles: ``BulkOptions`` and ``SettlePolicy``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import attrs

from ._progress import BulkProgress

__all__ = ["BulkOptions", "SettlePolicy"]


_positive = attrs.validators.gt(0.0)
_not_negative = attrs.validators.ge(0.0)
_positive_int = attrs.validators.gt(0)


@attrs.frozen
class SettlePolicy:
    """When the results of a sent batch count as final ("settled").

    ``mailkit.sendmail_mass.results`` answers ``OK`` while Mailkit is still processing,
    so ``OK`` alone never settles a batch. Polling only reads: settling never sends
    anything again, so the at-most-once promise of the send holds. A batch settles
    when its first poll is at least ``first_delay`` after the send, the last
    ``stable_polls`` answers were identical, and they span at least ``stable_window``
    seconds; or, whatever the answers, once ``deadline`` seconds have passed since the
    send (the last answer then stands). Between polls the pause starts at ``interval``
    and grows by ``multiplier`` up to ``max_interval``, with +/- ``jitter`` (a fraction)
    of random spread, and never runs past the deadline. Times are wall-clock seconds,
    so a saved job state can be resumed by another process.

    Attributes:
        first_delay: Seconds after the send before the first poll (Mailkit advises at
            least 30 minutes).
        interval: The first pause between polls.
        multiplier: How much each pause grows.
        max_interval: The longest pause.
        stable_polls: Identical answers in a row needed to settle.
        stable_window: Seconds those identical answers must span.
        deadline: Seconds after the send when the batch settles in any case.
        jitter: Random spread of each pause, as a fraction (0 for none).
    """

    first_delay: float = attrs.field(default=1800.0, validator=_not_negative)
    interval: float = attrs.field(default=300.0, validator=_positive)
    multiplier: float = attrs.field(default=2.0, validator=_positive)
    max_interval: float = attrs.field(default=1800.0, validator=_positive)
    stable_polls: int = attrs.field(default=2, validator=_positive_int)
    stable_window: float = attrs.field(default=900.0, validator=_not_negative)
    deadline: float = attrs.field(default=6 * 3600.0, validator=_positive)
    jitter: float = attrs.field(default=0.1, validator=_not_negative)


@attrs.frozen
class BulkOptions:
    """How ``client.bulk()`` batches, limits and closes.

    The engine sends each recipient at most once. Only an attempt that provably never
    left (connection refused, DNS failure, connect or pool-acquire timeout) is tried
    again, within the client's retry policy and deadline; any other failure leaves the
    batch's recipients ``UNKNOWN``.

    Attributes:
        max_batch_recipients: Recipients per ``sendmail_mass`` call at most.
        max_batch_bytes: Encoded request size per call at most (Mailkit's own limit is
            128 MB). A batch whose body would be larger is split before sending.
        max_in_flight: ``sendmail_mass`` calls under way at the same time.
        linger: Seconds a partly filled batch waits for more recipients, so that
            callers sending one recipient at a time still share calls.
        max_queued: Recipients waiting to be sent at most; submitters wait while the
            queue is full, so memory does not grow with the job. None means two batches.
        id_send: ``"today"`` merges the job's calls into the campaign's delivery of the
            day (one report instead of one per call).
        close_timeout: Seconds closing waits for queued and in-flight batches. Batches
            not started by then end ``REJECTED`` (not sent); calls still in flight are
            cancelled and end ``UNKNOWN``.
        on_error: What leaving the ``async with`` block with an exception does to
            recipients still queued: ``"discard"`` (default) ends them ``REJECTED``
            without sending; ``"flush"`` sends them as a normal close does.
        keep_outcomes: Keep every accepted recipient's address for ``report.outcomes``.
            False keeps only counts plus the rejected and unknown recipients, so memory
            stays flat however many recipients are sent.
        settle: When results polling counts a batch as final.
        on_progress: Called with a ``BulkProgress`` snapshot after each batch is built,
            sent or polled (on the event loop: keep it quick).
    """

    max_batch_recipients: int = attrs.field(default=500, validator=_positive_int)
    max_batch_bytes: int = attrs.field(default=16 * 1024 * 1024, validator=_positive_int)
    max_in_flight: int = attrs.field(default=4, validator=_positive_int)
    linger: float = attrs.field(default=0.05, validator=_not_negative)
    max_queued: int | None = None
    id_send: str | None = None
    close_timeout: float = attrs.field(default=60.0, validator=_not_negative)
    on_error: Literal["discard", "flush"] = "discard"
    keep_outcomes: bool = True
    settle: SettlePolicy = SettlePolicy()
    on_progress: Callable[[BulkProgress], object] | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.max_queued is not None and self.max_queued < self.max_batch_recipients:
            raise ValueError("max_queued must be at least max_batch_recipients")
        if self.on_error not in ("discard", "flush"):
            raise ValueError(f"on_error must be 'discard' or 'flush', not {self.on_error!r}")
        if self.id_send is not None and not isinstance(self.id_send, str):
            raise ValueError("id_send must be text such as 'today'")

    @property
    def queue_capacity(self) -> int:
        """``max_queued``, or two batches when it is None."""
        return self.max_queued or 2 * self.max_batch_recipients
