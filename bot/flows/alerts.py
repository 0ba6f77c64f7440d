"""Closing the loop (principle 6): a detractor's rating alerts the team's channel.

Claiming and resolving the follow-up are user actions: `bot.flows.interactions.following_up`.
"""

from __future__ import annotations

import logging

from bot.domain.answers import NewAlert, PostedAlert
from bot.domain.errors import NotFound
from bot.domain.messages import DetractorAlert
from bot.domain.prompt_view import detractor_alert
from bot.ports.chat import DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)


async def alert_detractor(services: Services, opened: NewAlert | int) -> str | None:
    """Post a follow-up's alert to the team's alert channel; return its reference.

    `opened` is the alert a click drafted in its own transaction (`RatingResult.alert`),
    so posting it reads nothing and costs one more transaction, to keep the reference.
    Given a follow-up id instead, the alert is read first, and one already posted is
    left alone (a follow-up is never alerted twice). The first platform with an alert
    channel gets it.
    """
    if isinstance(opened, int):
        facts = await services.store.alert_facts(opened)
        if facts is None:
            return None
        if facts.follow_up.alert_ref is not None:
            return facts.follow_up.alert_ref
        opened = NewAlert(alert=detractor_alert(facts), team=facts.team)
    follow_up_id = opened.alert.follow_up_id
    for chat in services.chats:
        channel = opened.team.channel(chat.platform, "alert")
        if channel is None:
            continue
        try:
            ref = await chat.post_message(channel, opened.alert)
        except DeliveryError as error:
            # The rating is stored and the follow-up open; the digest still counts it.
            log.warning("detractor alert %s not posted: %s", follow_up_id, error.reason)
            continue
        await services.store.set_follow_up_alert(follow_up_id, chat.platform, ref)
        return ref
    return None


async def refresh(services: Services, follow_up_id: int) -> DetractorAlert:
    """Re-render the posted alert (after a claim or a resolution); return it as it reads now."""
    facts = await services.store.alert_facts(follow_up_id)
    if facts is None:
        raise NotFound("That follow-up no longer exists.")
    follow_up, alert = facts.follow_up, detractor_alert(facts)
    if follow_up.alert_ref is not None and follow_up.alert_platform is not None:
        await update_posted(services, PostedAlert(alert, follow_up.alert_platform,
                                                  follow_up.alert_ref))
    return alert


async def update_posted(services: Services, posted: PostedAlert) -> None:
    """Replace a posted alert by its new rendering, read by the caller's transaction."""
    for chat in services.chats:
        if chat.platform == posted.platform:
            try:
                await chat.update_alert(posted.ref, posted.alert)
            except DeliveryError as error:
                log.warning("alert %s not updated: %s", posted.alert.follow_up_id, error.reason)
