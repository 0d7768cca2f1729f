"""The bulk sending engine: batching, a concurrency limit, results polling, full accounting.

Public entry points are ``client.bulk()`` (a ``BulkSender``) and ``client.settle_bulk()``;
the pieces it is built from (``BatchSpec``, ``send_batch``, ``poll_once``, the job
state) are exported too, for running batches as jobs on a queue.
"""

from ._batch import BatchResult, BatchSpec
from ._engine import BulkSender, make_sender, settle_job
from ._options import BulkOptions, SettlePolicy
from ._outcomes import Outcome, RecipientOutcome, normalize_address
from ._polling import PollRound, poll_once, settle
from ._progress import BulkProgress
from ._report import BulkReport
from ._send import send_batch
from ._state import BatchRecord, BulkJobState, RecipientNote

__all__ = [
    "BatchRecord",
    "BatchResult",
    "BatchSpec",
    "BulkJobState",
    "BulkOptions",
    "BulkProgress",
    "BulkReport",
    "BulkSender",
    "Outcome",
    "PollRound",
    "RecipientNote",
    "RecipientOutcome",
    "SettlePolicy",
    "make_sender",
    "normalize_address",
    "poll_once",
    "send_batch",
    "settle",
    "settle_job",
]
