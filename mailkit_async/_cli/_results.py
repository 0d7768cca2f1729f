"""``mailkit-async results --state PATH``: resume results polling of a saved bulk job.

Reads the state file ``send-mass`` wrote, asks ``sendmail_mass.results`` for each batch
that is not final (only reads: nothing is sent again), saves the state after every
round and rewrites the outcomes file at the end. Ctrl-C stops polling, saves both
files and exits 130; running the command again carries on.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any, TextIO

from .._bulk import BulkJobState, BulkReport, Outcome, PollRound, poll_once, settle
from ._connect import open_client
from ._exit import ExitCode
from ._jobfiles import load_state, outcomes_path_for_state, save_state, write_outcomes
from ._policy import add_settle_options, non_negative, settle_policy
from ._progress import ProgressLine, describe_settling
from ._signals import Interrupts
from ._summary import Tally, summary_table

__all__ = ["add_parser", "run_results"]


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``results`` on the command parser."""
    parser = commands.add_parser(
        "results",
        parents=parents,
        help="resume results polling of a send-mass job from its state file",
        description="Poll sendmail_mass.results for every batch of a saved job until the"
        " results are final, then rewrite the outcomes file. Exit 0 when every recipient"
        " was accepted, 6 when some were not (or are unknown), 130 after Ctrl-C.",
    )
    parser.add_argument("--state", type=Path, required=True, metavar="PATH")
    parser.add_argument(
        "--outcomes",
        type=Path,
        metavar="PATH",
        help="outcomes file to rewrite (default: the state file's name with .outcomes.ndjson)",
    )
    parser.add_argument(
        "--once", action="store_true", help="poll the batches that are due once, then stop"
    )
    parser.add_argument(
        "--progress-interval",
        type=non_negative,
        default=10.0,
        metavar="SECONDS",
        help="when stderr is not a terminal, write a progress line this often (default 10)",
    )
    add_settle_options(parser)


async def run_results(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``results``; returns the exit code."""
    state_path: Path = args.state
    state = load_state(state_path)
    outcomes_path: Path = args.outcomes or outcomes_path_for_state(state_path)
    policy = settle_policy(args)
    progress = ProgressLine(err, interval=args.progress_interval)
    polls = 0

    def after_round(round_: PollRound) -> None:
        nonlocal polls
        polls += round_.polled
        save_state(state_path, state)
        progress.show(_describe(state, polls))

    def pressed(presses: int) -> None:
        if presses == 1:
            progress.note("mailkit-async: stopping results polling; saving the job state")

    interrupts = Interrupts(pressed)
    client = open_client(args)
    progress.show(_describe(state, polls))
    async with client:
        try:
            with interrupts:
                work: asyncio.Future[Any]
                if args.once:
                    work = asyncio.ensure_future(poll_once(client, state, policy=policy))
                else:
                    work = asyncio.ensure_future(
                        settle(client, state, policy=policy, on_round=after_round)
                    )
                if await interrupts.run_until_stopped(work):
                    if args.once:
                        after_round(work.result())
                    else:
                        work.result()
        finally:
            progress.finish()
            save_state(state_path, state)
            report = BulkReport(state)
            write_outcomes(outcomes_path, report)
            tally = Tally.of(report)
            notes = [
                ("job", state.job_id),
                ("polls", str(polls)),
                ("outcomes", str(outcomes_path)),
                ("state", str(state_path)),
            ]
            if not state.settled:
                notes.append(("results", "not final yet; run this command again later"))
            print(summary_table(tally, notes), file=out)
    if interrupts.interrupted:
        return ExitCode.INTERRUPTED
    return tally.exit_code


def _describe(state: BulkJobState, polls: int) -> str:
    counts = state.counts()
    settled = sum(1 for record in state.batches if record.settled)
    tally = (counts[Outcome.ACCEPTED], counts[Outcome.REJECTED], counts[Outcome.UNKNOWN])
    return describe_settling(settled, len(state.batches), polls, tally)
