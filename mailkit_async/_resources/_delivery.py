"""Delivery methods, which live on the client itself: ``client.sendmail_mass`` etc."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import cattrs

from .._exceptions import ConfigurationError
from .._types import WireValue
from ..models import MassRecipient, MassResults, MassSendResult
from ._base import invoke

__all__ = ["DeliveryMethods", "mass_recipients"]


def mass_recipients(
    recipients: Iterable[MassRecipient | Mapping[str, Any]],
    campaign_id: int,
    mailinglist_id: int,
) -> list[dict[str, Any]]:
    """The wire structs of a sendmail_mass call (one campaign for all, as Mailkit requires)."""
    out = []
    for item in recipients:
        if isinstance(item, Mapping):
            for key, expected in (("campaign_id", campaign_id), ("mailinglist_id", mailinglist_id)):
                if key in item and int(item[key]) != expected:
                    raise ConfigurationError(
                        f"recipient {item.get('send_to')!r} has {key}={item[key]}, but one"
                        f" sendmail_mass call sends {key}={expected} to everyone",
                        function="mailkit.sendmail_mass",
                    )
            try:
                item = MassRecipient.from_mapping(item)
            except ValueError as exc:
                raise ConfigurationError(str(exc), function="mailkit.sendmail_mass") from None
        out.append(item.to_wire(campaign_id, mailinglist_id))
    if not out:
        raise ConfigurationError("no recipients to send to", function="mailkit.sendmail_mass")
    return out


class DeliveryMethods:
    """``sendmail``, ``sendmail_mass``, ``sendmail_mass_results`` and ``sendsms``."""

    if TYPE_CHECKING:
        converter: cattrs.Converter

        async def call(
            self, function: str, params: Mapping[str, Any] | None = None
        ) -> WireValue: ...

    async def sendmail_mass(
        self,
        campaign_id: int,
        mailinglist_id: int,
        recipients: Iterable[MassRecipient | Mapping[str, Any]],
        *,
        id_send: str | None = None,
    ) -> MassSendResult:
        """Send one campaign to many recipients in one call (``mailkit.sendmail_mass``).

        Not safe to repeat: a call that may have reached Mailkit is never retried. For
        large or continuous sends use :meth:`bulk`, which batches, limits concurrency
        and accounts for every recipient.

        Args:
            campaign_id: The campaign every recipient gets.
            mailinglist_id: The list the recipients are filed in.
            recipients: ``MassRecipient`` objects or dicts of the same fields.
            id_send: ``"today"`` merges this call into the campaign's delivery of the
                day, for one report instead of one per call.
        """
        return await invoke(
            self,
            "mailkit.sendmail_mass",
            {
                "recipients": mass_recipients(recipients, campaign_id, mailinglist_id),
                "options": {"id_send": id_send} if id_send is not None else None,
            },
            MassSendResult,
        )

    async def sendmail_mass_results(
        self, request_id: int, *, id_send: int | None = None
    ) -> MassResults:
        """Recipients of a sendmail_mass call that failed, so far.

        Calls ``mailkit.sendmail_mass.results``. Mailkit advises waiting at least 30
        minutes after the send; ``status == "OK"`` only means "no failures so far",
        also while the request is still being processed.
        """
        return await invoke(
            self,
            "mailkit.sendmail_mass.results",
            {"ID_send": id_send, "request_id": request_id},
            MassResults,
        )
