"""The summary table printed after ``send-mass`` and ``results``, and the exit code it implies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs

from .._bulk import BulkReport, Outcome
from .._bulk._state import NOT_SENT
from ._exit import ExitCode

__all__ = ["Tally", "summary_table"]


@attrs.frozen
class Tally:
    """Recipients of a job by what became of them (``rejected`` excludes ``not_sent``)."""

    accepted: int = 0
    rejected: int = 0
    not_sent: int = 0
    unknown: int = 0
    reasons: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, report: BulkReport, extra_not_sent: int = 0) -> Tally:
        """Count a report (plus recipients the report never saw that were not sent)."""
        not_sent = sum(r.count for r in report.batches if r.status == NOT_SENT)
        reasons: Counter[str] = Counter()
        if report.rejected > not_sent:
            for outcome in report.by_state(Outcome.REJECTED):
                if outcome.sent:
                    reason = outcome.reason
                    label = reason.name if reason is not None else outcome.info or "refused"
                    reasons[label] += 1
        return cls(
            accepted=report.accepted,
            rejected=report.rejected - not_sent,
            not_sent=not_sent + extra_not_sent,
            unknown=report.unknown,
            reasons=tuple(reasons.most_common()),
        )

    @property
    def total(self) -> int:
        """Every recipient counted."""
        return self.accepted + self.rejected + self.not_sent + self.unknown

    @property
    def exit_code(self) -> ExitCode:
        """``OK`` when every recipient was accepted, else ``INCOMPLETE``."""
        return ExitCode.OK if self.total == self.accepted else ExitCode.INCOMPLETE


def summary_table(tally: Tally, notes: Sequence[tuple[str, str]] = ()) -> str:
    """A small aligned table of the tally, then ``notes`` as ``label: value`` lines."""
    rows = [
        ("accepted", tally.accepted),
        ("rejected", tally.rejected),
        ("not sent", tally.not_sent),
        ("unknown", tally.unknown),
        ("total", tally.total),
    ]
    width = max(len(str(count)) for _, count in rows)
    lines = [f"{'outcome':<10} {'recipients':>{max(width, 10)}}"]
    lines += [f"{label:<10} {count:>{max(width, 10)}}" for label, count in rows]
    if tally.reasons:
        lines.append("rejected by reason: " + ", ".join(f"{n} {k}" for k, n in tally.reasons))
    if notes:
        label_width = max(len(label) for label, _ in notes)
        lines += [f"{label + ':':<{label_width + 1}} {value}" for label, value in notes]
    return "\n".join(lines)
