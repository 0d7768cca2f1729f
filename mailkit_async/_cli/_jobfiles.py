"""The files a bulk job leaves behind: the outcomes (NDJSON) and the job state (JSON).

The outcomes file has one line per recipient::

    {"send_to": "a@example.cz", "state": "accepted", "sent": true, "error_code": null,
     "reason": null, "info": "", "batch_id": "...", "request_id": 17,
     "campaign_id": 3, "mailinglist_id": 5}

``state`` is ``accepted``, ``rejected`` or ``unknown`` (see ``Outcome``); ``sent`` is
false for recipients the job never sent (safe to send again). While a job runs, the
lines of each batch are appended as it ends; at the end the file is rewritten in
full (atomically) from the final report. The state file is exactly
``BulkJobState.to_dict()``, so ``client.settle_bulk`` can resume it in Python too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

import orjson

from .._bulk import BulkJobState, BulkReport, RecipientOutcome
from .._exceptions import ConfigurationError
from ._exit import UsageError
from ._io import atomic_text, dumps

__all__ = [
    "OutcomeStream",
    "default_paths",
    "load_state",
    "outcome_record",
    "outcomes_path_for_state",
    "refuse_to_overwrite",
    "save_state",
    "write_outcomes",
]

_STATE_SUFFIX = ".state.json"
_OUTCOMES_SUFFIX = ".outcomes.ndjson"


def default_paths(source: Path) -> tuple[Path, Path]:
    """``(outcomes, state)`` paths next to an input file.

    ``NAME.csv`` gives ``NAME.outcomes.ndjson`` and ``NAME.state.json``.
    """
    stem = source.with_suffix("") if source.suffix else source
    return (
        stem.with_name(stem.name + _OUTCOMES_SUFFIX),
        stem.with_name(stem.name + _STATE_SUFFIX),
    )


def outcomes_path_for_state(state_path: Path) -> Path:
    """The outcomes file that goes with a state file (``X.state.json`` -> ``X.outcomes.ndjson``)."""
    name = state_path.name
    base = name[: -len(_STATE_SUFFIX)] if name.endswith(_STATE_SUFFIX) else name
    return state_path.with_name(base + _OUTCOMES_SUFFIX)


def outcome_record(outcome: RecipientOutcome) -> dict[str, object]:
    """One recipient's line in the outcomes file."""
    reason = outcome.reason
    return {
        "send_to": outcome.send_to,
        "state": outcome.state.value,
        "sent": outcome.sent,
        "error_code": outcome.error_code,
        "reason": reason.name if reason is not None else None,
        "info": outcome.info,
        "batch_id": outcome.batch_id,
        "request_id": outcome.request_id,
        "campaign_id": outcome.campaign_id,
        "mailinglist_id": outcome.mailinglist_id,
    }


def _write_report(stream: TextIO, report: BulkReport, start: int = 0) -> int:
    """Write the outcomes of the report's batches from ``start``; return the batch count."""
    batches = report.batches
    errors = report.errors
    for record in batches[start:]:
        for outcome in record.outcomes(errors.get(record.batch_id)):
            stream.write(dumps(outcome_record(outcome)))
            stream.write("\n")
    return len(batches)


class OutcomeStream:
    """Appends each ended batch's outcomes to the outcomes file as the job runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream: TextIO | None = path.open("w", encoding="utf-8")
        self._seen = 0

    def catch_up(self, report: BulkReport) -> None:
        """Write the outcomes of batches that ended since the last call."""
        if self._stream is None or len(report.batches) == self._seen:
            return
        self._seen = _write_report(self._stream, report, self._seen)
        self._stream.flush()

    def close(self) -> None:
        """Stop appending (the final rewrite replaces the file)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()


def write_outcomes(
    path: Path, report: BulkReport, extra: Iterable[Mapping[str, object]] = ()
) -> None:
    """Rewrite the outcomes file from ``report`` (plus ``extra`` lines), atomically."""
    with atomic_text(path) as stream:
        _write_report(stream, report)
        for line in extra:
            stream.write(dumps(dict(line)))
            stream.write("\n")


def save_state(path: Path, state: BulkJobState) -> None:
    """Write the job state (``to_dict()``) as JSON, atomically."""
    with atomic_text(path) as stream:
        stream.write(dumps(state.to_dict()))
        stream.write("\n")


def load_state(path: Path) -> BulkJobState:
    """Read a job state file; ``UsageError`` when it is missing or not a job state."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    except orjson.JSONDecodeError as error:
        raise UsageError(f"{path}: not JSON ({error})") from None
    try:
        return BulkJobState.from_dict(data)
    except ConfigurationError as error:
        raise UsageError(f"{path}: {error.message}") from None


def refuse_to_overwrite(*paths: Path) -> None:
    """``UsageError`` if any of ``paths`` exists (an earlier job's files are precious)."""
    for path in paths:
        if path.exists():
            raise UsageError(
                f"{path} exists (from an earlier job?); move it, choose another path,"
                " or pass --force to overwrite"
            )
