"""``mailkit-async send-mass``: a campaign to every recipient of a CSV or NDJSON file.

The file is checked in full first (nothing is sent from a file that would fail half
way), then streamed through the bulk engine (``client.bulk``), each recipient at most
once. Progress goes to stderr, the summary table to stdout; every recipient's outcome
is written to the outcomes file and the job state to the state file, for ``results``.

Ctrl-C stops cleanly: no new batches start, recipients still queued end ``not sent``,
calls in flight are waited for up to ``--close-timeout`` (a second Ctrl-C stops
waiting: their recipients end ``unknown``), the files are written and the exit code
is 130.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any, TextIO

from .._bulk import BulkOptions, BulkProgress, BulkSender
from .._bulk._state import NOT_SENT
from .._client import MailkitClient
from ._connect import open_client
from ._exit import ExitCode
from ._jobfiles import (
    OutcomeStream,
    default_paths,
    refuse_to_overwrite,
    save_state,
    write_outcomes,
)
from ._policy import add_settle_options, non_negative, positive_int, settle_policy
from ._progress import ProgressLine, describe_sending, describe_settling
from ._recipients import RecipientFile
from ._signals import Interrupts
from ._summary import Tally, summary_table

__all__ = ["add_parser", "run_send_mass"]

_DEFAULTS = BulkOptions()


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``send-mass`` on the command parser."""
    parser = commands.add_parser(
        "send-mass",
        parents=parents,
        help="send a campaign to every recipient of a CSV or NDJSON file",
        description="Send a campaign to every recipient of FILE in batched sendmail_mass"
        " calls, each recipient at most once; write every recipient's outcome and the job"
        " state. Exit 0 when all were accepted, 6 when some were not (or are unknown),"
        " 130 after Ctrl-C.",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="recipients (CSV or NDJSON)")
    parser.add_argument(
        "--campaign", type=positive_int, required=True, metavar="ID", help="campaign to send"
    )
    parser.add_argument(
        "--list",
        type=positive_int,
        required=True,
        metavar="ID",
        dest="list_id",
        help="mailing list the recipients are filed in",
    )
    source = parser.add_argument_group("input")
    source.add_argument("--format", choices=("csv", "ndjson"), help="default: by file name")
    source.add_argument(
        "--delimiter",
        type=_delimiter,
        help="CSV delimiter, one character or 'tab' (default: guessed from , ; and tab)",
    )
    source.add_argument(
        "--skip-unknown-columns", action="store_true", help="ignore columns not listed in the docs"
    )
    source.add_argument(
        "--create-email",
        choices=("true", "false"),
        help="create_email for rows without a value (default: not sent, Mailkit decides)",
    )
    source.add_argument(
        "--dry-run", action="store_true", help="check the file and stop; nothing is sent"
    )
    sending = parser.add_argument_group("sending")
    sending.add_argument(
        "--batch-size",
        type=positive_int,
        default=_DEFAULTS.max_batch_recipients,
        metavar="N",
        help=f"recipients per sendmail_mass call (default {_DEFAULTS.max_batch_recipients})",
    )
    sending.add_argument(
        "--concurrency",
        type=positive_int,
        default=_DEFAULTS.max_in_flight,
        metavar="N",
        help=f"calls in flight at once (default {_DEFAULTS.max_in_flight})",
    )
    sending.add_argument(
        "--id-send-today",
        action="store_true",
        help="merge the job into the campaign's delivery of the day (one report)",
    )
    sending.add_argument(
        "--close-timeout",
        type=non_negative,
        default=_DEFAULTS.close_timeout,
        metavar="SECONDS",
        help="at the end or after Ctrl-C, how long to wait for calls in flight"
        f" (default {_DEFAULTS.close_timeout:g})",
    )
    files = parser.add_argument_group("output")
    files.add_argument(
        "--outcomes", type=Path, metavar="PATH", help="default: FILE's name + .outcomes.ndjson"
    )
    files.add_argument(
        "--state", type=Path, metavar="PATH", help="default: FILE's name + .state.json"
    )
    files.add_argument("--force", action="store_true", help="overwrite existing output files")
    files.add_argument(
        "--progress-interval",
        type=non_negative,
        default=10.0,
        metavar="SECONDS",
        help="when stderr is not a terminal, write a progress line this often (default 10)",
    )
    parser.add_argument(
        "--settle",
        action="store_true",
        help="after sending, poll results until they are final (see results polling)",
    )
    add_settle_options(parser)


def _delimiter(text: str) -> str:
    if text.lower() in ("tab", "\\t"):
        return "\t"
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"a delimiter is one character, not {text!r}")
    return text


async def run_send_mass(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``send-mass``; returns the exit code."""
    create_email = None if args.create_email is None else args.create_email == "true"
    source = RecipientFile(
        args.file,
        file_format=args.format,
        delimiter=args.delimiter,
        create_email=create_email,
        skip_unknown=args.skip_unknown_columns,
    )
    total = source.check()
    if args.dry_run:
        print(f"{args.file}: {total} recipients, ready to send ({source.format})", file=out)
        return ExitCode.OK
    outcomes_default, state_default = default_paths(args.file)
    outcomes_path: Path = args.outcomes or outcomes_default
    state_path: Path = args.state or state_default
    if not args.force:
        refuse_to_overwrite(outcomes_path, state_path)
    client = open_client(args)
    job = _MassSend(args, source, total, outcomes_path, state_path, out, err)
    return await job.run(client)


class _MassSend:
    """One run of ``send-mass``: feeding, progress, interruption and the files."""

    def __init__(
        self,
        args: argparse.Namespace,
        source: RecipientFile,
        total: int,
        outcomes_path: Path,
        state_path: Path,
        out: TextIO,
        err: TextIO,
    ) -> None:
        self._args = args
        self._source = source
        self._total = total
        self._outcomes_path = outcomes_path
        self._state_path = state_path
        self._out = out
        self._progress = ProgressLine(err, interval=args.progress_interval)
        self._sender: BulkSender | None = None
        self._stream: OutcomeStream | None = None
        self._settling = False
        self._saved_polls = 0
        self._read = 0
        self._last: tuple[int, dict[str, Any]] | None = None

    async def run(self, client: MailkitClient) -> int:
        args = self._args
        options = BulkOptions(
            max_batch_recipients=args.batch_size,
            max_in_flight=args.concurrency,
            id_send="today" if args.id_send_today else None,
            close_timeout=args.close_timeout,
            settle=settle_policy(args),
            on_progress=self._on_progress,
        )
        interrupts = Interrupts(self._pressed)
        async with client:
            sender = client.bulk(args.campaign, args.list_id, options=options)
            self._sender = sender
            self._stream = OutcomeStream(self._outcomes_path)
            try:
                with interrupts:
                    await self._send(client, sender, interrupts)
                    if args.settle and not interrupts.interrupted:
                        self._settling = True
                        settling = asyncio.ensure_future(sender.settle())
                        if await interrupts.run_until_stopped(settling):
                            settling.result()
            finally:
                self._finish(sender, interrupts.interrupted)
        if interrupts.interrupted:
            return ExitCode.INTERRUPTED
        return Tally.of(sender.report, self._unaccounted(sender)).exit_code

    async def _send(
        self, client: MailkitClient, sender: BulkSender, interrupts: Interrupts
    ) -> None:
        rows = self._rows()
        force = asyncio.ensure_future(_close_when(interrupts.force, client))
        failure: BaseException | None = None
        try:
            async with sender:
                feed = asyncio.ensure_future(sender.send_all(rows))
                if await interrupts.run_until_stopped(feed):
                    failure = feed.exception()
        finally:
            force.cancel()
            await rows.aclose()
        if failure is not None:
            raise failure

    async def _rows(self) -> AsyncGenerator[dict[str, Any], None]:
        for line, recipient in self._source:
            self._read += 1
            self._last = (line, recipient)
            yield recipient

    def _unaccounted(self, sender: BulkSender) -> int:
        """Rows read from the file that the sender never took (at most the last one)."""
        return max(self._read - sender.report.total, 0)

    def _pressed(self, presses: int) -> None:
        if self._settling:
            if presses > 1:
                return
            text = "stopping results polling; saving the job state"
        elif presses == 1:
            text = (
                "stopping: no new batches; waiting up to"
                f" {self._args.close_timeout:g}s for calls in flight"
                " (Ctrl-C again to stop waiting: their recipients end unknown)"
            )
        elif presses == 2:
            text = "not waiting any longer: calls still in flight end with outcome unknown"
        else:
            return
        self._progress.note(f"mailkit-async: {text}")

    def _on_progress(self, snapshot: BulkProgress) -> None:
        sender = self._sender
        if sender is None:
            return
        if self._stream is not None:
            self._stream.catch_up(sender.report)
        if not self._settling:
            self._progress.show(describe_sending(snapshot, self._total))
            return
        batches = sender.report.batches
        counts = (snapshot.accepted, snapshot.rejected, snapshot.unknown)
        self._progress.show(
            describe_settling(snapshot.batches_settled, len(batches), snapshot.polls, counts)
        )
        if snapshot.polls != self._saved_polls:
            self._saved_polls = snapshot.polls
            save_state(self._state_path, sender.state)

    def _finish(self, sender: BulkSender, interrupted: bool) -> None:
        """Write the outcomes and the state, end the progress line, print the summary."""
        if self._stream is not None:
            self._stream.close()
        self._progress.finish()
        lost = self._unaccounted(sender)
        extra = []
        if lost and self._last is not None:
            extra.append(_not_taken(self._last[1], self._args))
        write_outcomes(self._outcomes_path, sender.report, extra)
        save_state(self._state_path, sender.state)
        tally = Tally.of(sender.report, lost)
        report = sender.report
        notes = [
            ("job", report.job_id),
            ("batches sent", str(sum(1 for r in report.batches if r.status != NOT_SENT))),
            ("outcomes", str(self._outcomes_path)),
            ("state", str(self._state_path)),
        ]
        unread = self._total - self._read
        if unread > 0:
            after = self._last[0] if self._last is not None else 0
            notes.append(("not read", f"{unread} recipients of the file after line {after}"))
        if interrupted:
            notes.append(("interrupted", "yes; see the outcomes for what was sent"))
        if not report.state.settled:
            command = f"mailkit-async results --state {self._state_path}"
            notes.append(("results", f"not final yet; poll them with: {command}"))
        print(summary_table(tally, notes), file=self._out)


def _not_taken(recipient: dict[str, Any], args: argparse.Namespace) -> dict[str, object]:
    """The outcomes line of a row read just before Ctrl-C that never reached the sender."""
    return {
        "send_to": recipient.get("send_to"),
        "state": "rejected",
        "sent": False,
        "error_code": None,
        "reason": None,
        "info": "not sent: interrupted before it was queued",
        "batch_id": None,
        "request_id": None,
        "campaign_id": recipient.get("campaign_id", args.campaign),
        "mailinglist_id": recipient.get("mailinglist_id", args.list_id),
    }


async def _close_when(event: asyncio.Event, client: MailkitClient) -> None:
    """Close the client once ``event`` is set: calls in flight then end ``UNKNOWN``."""
    await event.wait()
    await client.aclose()
