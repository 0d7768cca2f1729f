"""Turn what callers submit (dicts or ``MassRecipient``) into ``sendmail_mass`` wire structs.

This is the per-recipient hot path of a bulk job, so the common case (a plain dict of
text fields) is a checked shallow copy; anything else goes through ``MassRecipient``,
which base64-encodes the fields Mailkit wants encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import orjson

from .._exceptions import ConfigurationError
from ..models import MassRecipient

__all__ = ["Prepared", "RecipientPreparer", "as_id"]

_FUNCTION: Final = "mailkit.sendmail_mass"
# Keys whose values go on the wire as they are (no base64 step).
_PLAIN_KEYS: Final = frozenset(
    {
        "send_to",
        "subject",
        "create_email",
        "customs",
        "template_file",
        "campaign_id",
        "mailinglist_id",
    }
)

# The same, for a recipient of the job's default campaign and list.
_DEFAULT_GROUP_KEYS: Final = _PLAIN_KEYS - {"campaign_id", "mailinglist_id"}
# create_email: a bool, or None (or absent) to leave it out.
_FLAG_TYPES: Final = frozenset({bool, type(None)})

Group = tuple[int, int]
"""(campaign_id, mailinglist_id): one ``sendmail_mass`` call carries one of each."""

Run = tuple[Group, list[dict[str, Any]], int]
"""Prepared recipients to queue together: (group, wire structs, estimated bytes of each)."""


class Prepared:
    """What ``prepare_many`` made: runs, how many recipients they hold, what stopped it."""

    __slots__ = ("count", "error", "runs")

    def __init__(self, runs: list[Run], count: int) -> None:
        self.runs = runs
        self.count = count
        self.error: ConfigurationError | None = None


def as_id(value: object, name: str) -> int:
    """A Mailkit ID from an int or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value)
    raise ConfigurationError(
        f"{name} must be a positive integer ID, got {value!r}", function=_FUNCTION
    )


def _bad(item: object, why: str) -> ConfigurationError:
    who = item.get("send_to") if isinstance(item, Mapping) else getattr(item, "send_to", None)
    return ConfigurationError(f"recipient {who!r}: {why}", function=_FUNCTION)


class RecipientPreparer:
    """Prepares recipients for one job's default campaign and mailing list.

    ``prepare`` returns the wire struct, the (campaign, list) group it belongs to and an
    estimate of its encoded size. The estimate for plain recipients is learned from
    the bodies actually encoded (``learn``); recipients with base64 payloads add the
    payload's size.
    """

    def __init__(self, campaign_id: int, mailinglist_id: int) -> None:
        self.group: Group = (campaign_id, mailinglist_id)
        self.base_size = 512

    def learn(self, body_bytes: int, recipients: int) -> None:
        """Update the per-recipient size estimate from one encoded body."""
        if recipients > 0:
            self.base_size = max(64, int(0.7 * self.base_size + 0.3 * body_bytes / recipients))

    def prepare(self, item: object) -> tuple[dict[str, Any], Group, int]:
        """``(wire struct, group, estimated bytes)`` for one submitted recipient.

        Raises ``ConfigurationError`` for something that is not a recipient (unknown
        keys, ``send_to`` not text, ``create_email`` not a bool, bad IDs). A None member
        stays in the struct; every wire leaves it out of the request.
        """
        if type(item) is dict and _PLAIN_KEYS.issuperset(item):
            if type(item.get("send_to")) is not str:
                raise _bad(item, "send_to must be the address as text")
            flag = item.get("create_email")
            if flag is not None and type(flag) is not bool:
                raise _bad(item, "create_email must be True or False")
            own_ids = "campaign_id" in item or "mailinglist_id" in item
            campaign_id, mailinglist_id = group = self._group_of(item) if own_ids else self.group
            wire = dict(item, campaign_id=campaign_id, mailinglist_id=mailinglist_id)
            return wire, group, self.base_size
        return self._prepare_other(item)

    def prepare_many(self, items: list[Any]) -> Prepared:
        """Prepare a list of recipients as ``(group, wire structs, bytes)`` runs.

        The same checks as ``prepare``. The common case, plain dicts of text fields for
        the default campaign and list, is checked and copied in one pass over the list
        (the submitted dicts can be freed at once; a None member stays in the copy and
        the wire encoder leaves it out); anything else goes through ``prepare``, with the
        runs in submission order within each group. Stops at the first recipient that is
        not one: its ``ConfigurationError`` comes back with the runs of the recipients
        before it; those after it are not prepared.
        """
        campaign_id, mailinglist_id = self.group
        try:
            wires = [
                dict(item, campaign_id=campaign_id, mailinglist_id=mailinglist_id)
                for item in items
                if type(item) is dict
                and type(item["send_to"]) is str
                and type(item.get("create_email")) in _FLAG_TYPES
            ]
        except KeyError:  # a dict without send_to
            wires = []
        # Every item kept, and no key beyond the known ones (one pass over all of them).
        if len(wires) == len(items) and _DEFAULT_GROUP_KEYS.issuperset(set().union(*items)):
            return Prepared([(self.group, wires, self.base_size)] if wires else [], len(wires))
        return self._prepare_each(items)

    def _prepare_each(self, items: list[Any]) -> Prepared:
        """``prepare_many`` item by item, up to the first recipient that is not one."""
        prepared = Prepared([], 0)
        last: dict[Group, Run] = {}
        for item in items:
            try:
                wire, group, size = self.prepare(item)
            except ConfigurationError as exc:
                prepared.error = exc
                return prepared
            prepared.count += 1
            run = last.get(group)
            if run is not None and run[2] == size:
                run[1].append(wire)
            else:
                last[group] = run = (group, [wire], size)
                prepared.runs.append(run)
        return prepared

    def _group_of(self, item: Mapping[str, Any]) -> Group:
        campaign_id, mailinglist_id = self.group
        raw_campaign = item.get("campaign_id")
        raw_list = item.get("mailinglist_id")
        return (
            campaign_id if raw_campaign is None else as_id(raw_campaign, "campaign_id"),
            mailinglist_id if raw_list is None else as_id(raw_list, "mailinglist_id"),
        )

    def _prepare_other(self, item: object) -> tuple[dict[str, Any], Group, int]:
        if isinstance(item, MassRecipient):
            group = self.group
            recipient = item
        elif isinstance(item, Mapping):
            group = self._group_of(item)
            try:
                recipient = MassRecipient.from_mapping(item)
            except (ValueError, TypeError) as exc:
                raise _bad(item, str(exc)) from None
        else:
            raise ConfigurationError(
                f"a recipient is a dict or a MassRecipient, not {type(item).__name__}",
                function=_FUNCTION,
            )
        if not isinstance(recipient.send_to, str):
            raise _bad(item, "send_to must be the address as text")
        if recipient.create_email is not None and not isinstance(recipient.create_email, bool):
            raise _bad(item, "create_email must be True or False")
        try:
            wire = recipient.to_wire(*group)
        except (ValueError, TypeError, AttributeError) as exc:
            raise _bad(item, str(exc)) from None
        try:
            payload = len(orjson.dumps(wire, option=orjson.OPT_NON_STR_KEYS))
        except (TypeError, orjson.JSONEncodeError):
            payload = 0  # the wire encoder will tell which recipient it cannot carry
        return wire, group, self.base_size + payload
