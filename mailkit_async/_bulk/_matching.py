"""Match Mailkit's answers to the recipients of a batch (pure functions, no I/O).

Recipients are matched by normalised address (``normalize_address``), never by
position: the ``list`` of a ``sendmail_mass`` answer and the rows of its results call
may come in any order. Each batch holds an address at most once (``split_duplicates``
makes sure), so an address names exactly one recipient of the batch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Final

from .._types import WireValue
from ..models import MassResults
from ._batch import BatchOutline
from ._outcomes import Outcome, normalize_address
from ._state import ANSWERED, UNKNOWN, BatchRecord, RecipientNote

__all__ = ["apply_results", "record_from_answer", "results_digest", "split_duplicates"]

logger = logging.getLogger("mailkit_async.bulk")

NOT_LISTED: Final = "not in the list of Mailkit's answer"


def _keys(addresses: Sequence[str]) -> list[str]:
    return list(map(str.lower, map(str.strip, addresses)))


# For ASCII text, the characters ``normalize_address`` changes (upper case letters)
# or may strip (white space) are flagged 1, everything else 0.
_CHANGED_BY_NORMALISING: Final = bytes(
    1 if "A" <= chr(code) <= "Z" or chr(code).isspace() else 0 for code in range(256)
)


def _distinct(addresses: Sequence[str]) -> bool:
    """Whether no two ``addresses`` are the same once normalised."""
    count = len(addresses)
    if len(set(addresses)) != count:
        return False
    # Distinct as given: when no address has a character that normalising changes or
    # strips (checked on one joined ASCII text in one pass), they stay distinct.
    joined = "".join(addresses)
    if joined.isascii() and 1 not in joined.encode("ascii").translate(_CHANGED_BY_NORMALISING):
        return True
    return len(set(_keys(addresses))) == count


def split_duplicates(addresses: Sequence[str]) -> list[list[int]] | None:
    """Positions of ``addresses`` split so that no part holds an address twice.

    None when there is no duplicate (the common case). Otherwise the n-th occurrence of
    an address goes to part n, keeping the submission order inside each part; each
    part becomes its own call, so every recipient still gets its own outcome.
    """
    if _distinct(addresses):
        return None
    keys = _keys(addresses)
    parts: list[list[int]] = []
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        if occurrence == len(parts):
            parts.append([])
        parts[occurrence].append(index)
    return parts


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _listed(value: object) -> list[str] | None:
    """The answer's ``list`` as text addresses (a lone string or comma text is accepted)."""
    if isinstance(value, list):
        return [item if isinstance(item, str) else str(item) for item in value]
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    return None


def _ok(data: object) -> bool:
    return str(data).strip().upper() in ("", "OK")


def record_from_answer(outline: BatchOutline, value: WireValue, sent_at: float) -> BatchRecord:
    """The record of a batch Mailkit answered without an error.

    Addresses in the answer's ``list`` are accepted. An address missing from the list
    is ``UNKNOWN`` (Mailkit did not say it took it; results polling may still report
    it as failed). An answer without a ``list`` leaves every recipient ``UNKNOWN``, and
    one whose ``data`` is neither empty nor ``OK`` does too, since neither is documented.
    """
    addresses = outline.addresses
    record = BatchRecord(
        outline.batch_id,
        outline.campaign_id,
        outline.mailinglist_id,
        ANSWERED,
        len(addresses),
        addresses,
        sent_at=sent_at,
    )
    answer: dict[str, Any] = value if isinstance(value, dict) else {}
    record.request_id = _as_int(answer.get("request_id"))
    data = answer.get("data", "")
    raw_list = answer.get("list")
    if isinstance(raw_list, list) and tuple(raw_list) == addresses and _ok(data):
        return record  # Mailkit echoes the addresses in order: all accepted
    listed = _listed(raw_list)
    if not isinstance(value, dict) or listed is None or not _ok(data):
        record.status = UNKNOWN
        record.reason = (
            f"unexpected answer (data={str(data)[:40]!r}, list present: {listed is not None})"
        )
        return record
    missing = set(_keys(addresses)).difference(_keys(listed))
    if missing:
        for address in addresses:
            key = normalize_address(address)
            if key in missing:
                record.notes[key] = RecipientNote(address, Outcome.UNKNOWN, None, NOT_LISTED)
    return record


def results_digest(results: MassResults) -> str:
    """A short fingerprint of a results answer, to tell whether it changed."""
    rows = sorted((normalize_address(r.email), r.error_code, r.info) for r in results.results)
    text = repr((results.status.strip().upper(), rows))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def apply_results(record: BatchRecord, results: MassResults) -> bool:
    """Mark the recipients a results answer names as ``REJECTED``; True if anything changed.

    Rows are matched by address. When the record keeps its addresses, a row naming an
    address that was not in the batch is logged and ignored; otherwise the row is
    trusted, since a results call only reports its own request's recipients. A
    rejection is never undone by a later answer.
    """
    originals = {normalize_address(a): a for a in record.recipients} if record.recipients else None
    changed = False
    for row in results.results:
        key = normalize_address(row.email)
        if originals is not None and key not in originals:
            logger.warning("batch %s: results name an address it did not send", record.batch_id)
            continue
        if row.id_send and record.id_send is None:
            record.id_send = row.id_send
            changed = True
        send_to = originals[key] if originals is not None else row.email
        note = RecipientNote(send_to, Outcome.REJECTED, row.error_code, row.info)
        if record.notes.get(key) != note:
            record.notes[key] = note
            changed = True
    return changed
