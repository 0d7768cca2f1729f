"""Results-polling options shared by ``send-mass --settle`` and ``results``."""

from __future__ import annotations

import argparse

from .._bulk import SettlePolicy

__all__ = ["add_settle_options", "non_negative", "positive", "positive_int", "settle_policy"]

_DEFAULTS = SettlePolicy()


def non_negative(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number above 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def positive(text: str) -> float:
    """An argparse type: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


def add_settle_options(parser: argparse.ArgumentParser) -> None:
    """``--first-poll-delay``, ``--poll-interval``, ``--stable-window``, ``--settle-deadline``."""
    group = parser.add_argument_group(
        "results polling",
        "Mailkit answers OK while it is still processing, so a batch counts as final only"
        " after identical answers spanning the stable window, or at the deadline.",
    )
    group.add_argument(
        "--first-poll-delay",
        type=non_negative,
        default=_DEFAULTS.first_delay,
        metavar="SECONDS",
        help="wait this long after a batch was sent before asking for its results"
        f" (default {_DEFAULTS.first_delay:g}: Mailkit advises at least 30 minutes)",
    )
    group.add_argument(
        "--poll-interval",
        type=positive,
        default=_DEFAULTS.interval,
        metavar="SECONDS",
        help=f"first pause between polls, doubling up to {_DEFAULTS.max_interval:g}"
        f" (default {_DEFAULTS.interval:g})",
    )
    group.add_argument(
        "--stable-window",
        type=non_negative,
        default=_DEFAULTS.stable_window,
        metavar="SECONDS",
        help="identical answers must span this long to count as final"
        f" (default {_DEFAULTS.stable_window:g})",
    )
    group.add_argument(
        "--settle-deadline",
        type=positive,
        default=_DEFAULTS.deadline,
        metavar="SECONDS",
        help="after this long since a batch was sent its last answer stands"
        f" (default {_DEFAULTS.deadline:g})",
    )


def settle_policy(args: argparse.Namespace) -> SettlePolicy:
    """The ``SettlePolicy`` the options describe."""
    interval: float = args.poll_interval
    return SettlePolicy(
        first_delay=args.first_poll_delay,
        interval=interval,
        max_interval=max(interval, _DEFAULTS.max_interval),
        stable_window=args.stable_window,
        deadline=args.settle_deadline,
    )
