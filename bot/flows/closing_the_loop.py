"""Closing the loop with the people behind a rating (principle 6), in private.

"You said, we did": once a detractor's follow-up is resolved with a note, the person who
gave the rating is told what was done, in their own language. Never in anonymous teams:
their ratings carry no person, by design, and none is looked for.

Coaching (a team setting, off by default): the agent who helped gets their own ratings,
privately: praise at once for a promoter, a detractor's feedback once its follow-up is
resolved. Never who rated (not even in identified teams), and never in anonymous teams.

These notices are best effort. The follow-up is resolved whatever the platform answers;
a notice that fails is logged without anything personal, counted (telemetry
`delivery_failed(platform, "notice")`) and not retried.
"""

from __future__ import annotations

import logging

from bot.domain.answers import AlertFacts
from bot.domain.messages import RatingPrompt, TextMessage
from bot.domain.model import Anonymity, Person
from bot.domain.texts import locale_for, text
from bot.ports.chat import ChatPort, DeliveryError, RecipientUnreachable
from bot.services import Services

log = logging.getLogger(__name__)

NOTICE = "notice"  # the telemetry kind of a private notice that was not delivered


async def follow_up_resolved(services: Services, follow_up_id: int) -> None:
    """Tell whoever should hear of a resolved follow-up; never raises for a platform."""
    facts = await services.store.alert_facts(follow_up_id)
    if facts is not None:
        await tell_requester(services, facts)
        await coach_on_feedback(services, facts)


async def tell_requester(services: Services, facts: AlertFacts) -> bool:
    """Send the resolution note to the person who rated; True when it was delivered.

    Nothing without a note, in anonymous teams, for a forgotten person, or for someone
    who asked not to be messaged (opted out).
    """
    note, person = facts.follow_up.note, facts.requester
    if note is None or person is None or person.opted_out:
        return False
    if facts.team.anonymity is Anonymity.ANONYMOUS:
        return False
    locale = locale_for(person.locale, facts.team.locale or services.policy.locale)
    key = "loop.you_said_about" if facts.subject else "loop.you_said"
    message = TextMessage(text(key, locale, team=facts.team.display_name,
                               subject=facts.subject or "", note=note))
    return await send_privately(services, person, message,
                                what=f"resolution of follow-up {facts.follow_up.id}")


async def send_privately(
    services: Services, person: Person, message: TextMessage, *, what: str
) -> bool:
    """Deliver `message` to `person` on the first platform that knows them.

    `what` names the notice in the log: ids only, never a name, address or text.
    """
    for chat in _platforms_for(services.chats, person):
        try:
            await chat.send_direct(person, message)
            return True
        except RecipientUnreachable:
            continue  # another platform may know them
        except DeliveryError as error:
            log.warning("%s not sent on %s: %s", what, chat.platform, error.reason)
            services.telemetry.delivery_failed(chat.platform, NOTICE)
            return False
        except Exception as error:  # a bug in an adapter must not undo the resolution
            log.warning("%s not sent on %s: %s", what, chat.platform, type(error).__name__)
            services.telemetry.delivery_failed(chat.platform, NOTICE)
            return False
    log.warning("%s not sent: no chat platform knows the person", what)
    services.telemetry.delivery_failed("none", NOTICE)
    return False


async def praise_agent(services: Services, prompt: RatingPrompt, score: int) -> bool:
    """A promoter's rating, told to the agent at once when the team coaches; True when sent."""
    agent = prompt.coach
    if agent is None or agent.opted_out or prompt.anonymity is Anonymity.ANONYMOUS:
        return False
    locale = locale_for(agent.locale, services.policy.locale)
    key = "coach.praise_about" if prompt.subject else "coach.praise"
    message = TextMessage(text(key, locale, team=prompt.team_display_name,
                               subject=prompt.subject or "", score=score,
                               high=prompt.scale.spec.high))
    return await send_privately(services, agent, message,
                                what=f"praise for the rating of prompt {prompt.prompt_id}")


async def coach_on_feedback(services: Services, facts: AlertFacts) -> bool:
    """A detractor's rating, told to its agent once followed up; True when sent."""
    team, agent, rating = facts.team, facts.agent, facts.rating
    if not team.coaching or team.anonymity is Anonymity.ANONYMOUS:
        return False
    if agent is None or agent.opted_out:
        return False
    locale = locale_for(agent.locale, team.locale or services.policy.locale)
    key = "coach.feedback_about" if facts.subject else "coach.feedback"
    lines = [text(key, locale, team=team.display_name, subject=facts.subject or "",
                  score=rating.score, high=rating.scale.spec.high)]
    if rating.comment:
        lines.append(text("coach.comment", locale, comment=rating.comment))
    if facts.follow_up.note:
        lines.append(text("coach.done", locale, note=facts.follow_up.note))
    return await send_privately(services, agent, TextMessage("\n".join(lines)),
                                what=f"feedback of follow-up {facts.follow_up.id}")


def _platforms_for(chats: tuple[ChatPort, ...], person: Person) -> list[ChatPort]:
    """The platforms where the person was seen first (their id is known there)."""
    known = {"slack": person.slack_user_id,
             "teams": person.teams_user_id or person.teams_aad_object_id}
    return sorted(chats, key=lambda chat: known.get(chat.platform) is None)
