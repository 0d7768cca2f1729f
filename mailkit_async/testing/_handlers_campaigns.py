"""Emulator handlers for campaign management, profile and the file manager."""

from __future__ import annotations

from ._handlers_base import Answer, handler, to_int
from ._state import Campaign, EmulatorState, mailkit_date

__all__: list[str] = []


def _campaign_row(campaign: Campaign) -> dict[str, object]:
    # Real JSON numbers and booleans here (unlike campaigns.history), and USER_LIST is
    # an array on both wires (the XML example shows a scalar; an array is what a list
    # of lists needs, and clients are told to accept both).
    return {
        "NAME": campaign.name,
        "ID_MESSAGE": campaign.id,
        "SUBJECT": campaign.subject,
        "SUBJECT_B": campaign.subject_b,
        "MSG_TYPE": campaign.msg_type,
        "CAMPAIGN_TYPE": campaign.campaign_type,
        "USE_AB": campaign.use_ab,
        "TEST_MODE": campaign.test_mode,
        "SEND_DATE": mailkit_date(campaign.send_date),
        "TIME_ZONE": campaign.time_zone,
        "LAST_SENT": mailkit_date(campaign.last_sent),
        "REPEAT": campaign.repeat,
        "REPEAT_COUNT": campaign.repeat_count,
        "PERIOD": campaign.period,
        "DAYS": campaign.days,
        "STATUS": campaign.status,
        "TYPE": campaign.type,
        "USER_LIST": list(campaign.user_lists),
    }


@handler("mailkit.campaigns.list")
def campaigns_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Every campaign, or the one ``ID_message``; an unknown ID gives an empty array."""
    raw = params.get("ID_message")
    wanted = to_int(raw)
    if raw is None or raw == "" or wanted == 0:
        campaigns = list(state.campaigns.values())
    else:
        # Documented quirk: an invalid ID_message yields an empty answer, not an error.
        found = state.campaigns.get(wanted) if wanted is not None else None
        campaigns = [found] if found is not None else []
    return Answer.value([_campaign_row(c) for c in campaigns])
