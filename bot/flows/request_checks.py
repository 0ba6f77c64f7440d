"""Mutual rating: send each agent's check once, and count the answers for admins.

A check is opened when its conversation's close is settled (`bot.flows.settling`, one
per conversation), and sent here, by the delivery worker, right away: the agent has just
closed the conversation, so no working hours are waited for. Exactly once across workers:
a check is claimed (pending to sending, one statement that succeeds once) before the
platform is called. A platform that fails is tried again after `RETRY_WAITS`, then given
up; a worker that dies between the claim and the send leaves that check unsent (at most
once: a question asked twice would nag). An agent no platform can reach gets nothing.
Logs name checks by id only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.model import Person
from bot.domain.request_checks import FIGURES_DAYS, RequestCheck, RequestFigures, retry_wait
from bot.domain.texts import locale_for
from bot.flows.settling import log_without_message
from bot.ports.chat import ChatPort, DeliveryError, RecipientUnreachable
from bot.ports.store.request_checks import CheckFacts
from bot.services import Services

log = logging.getLogger(__name__)

CHECK_BATCH = 100  # checks read per round; the rest go the next round


@dataclass(frozen=True, slots=True)
class CheckReport:
    sent: int = 0
    failed: int = 0  # given up or to be tried again


async def send_request_checks(services: Services, *, limit: int = CHECK_BATCH) -> CheckReport:
    """Send the checks due now."""
    if not services.chats:
        return CheckReport()  # left pending until a platform is configured
    now = services.clock.now()
    sent = failed = 0
    for facts in await services.store.due_request_checks(now=now, limit=limit):
        if not await services.store.claim_request_check(facts.id):
            continue  # another worker took it
        if await _send(services, facts, now):
            sent += 1
        else:
            failed += 1
    return CheckReport(sent, failed)


def check_locale(services: Services, facts: CheckFacts) -> str:
    """The agent's language, else the team's: the check is said and redrawn in it."""
    return locale_for(facts.agent.locale, facts.team.locale or services.policy.locale)


def shown_check(services: Services, facts: CheckFacts, expires_at: datetime) -> RequestCheck:
    return RequestCheck(
        check_id=facts.id, team_display_name=facts.team.display_name, agent=facts.agent,
        expires_at=expires_at, locale=check_locale(services, facts), subject=facts.subject,
        ticket_id=facts.ticket_id,
    )


async def _send(services: Services, facts: CheckFacts, now: datetime) -> bool:
    if not facts.team.mutual or facts.agent.opted_out:  # changed since the close: not sent
        await services.store.request_check_not_sent(facts.id, attempts=facts.attempts,
                                                    retry_at=None)
        return False
    expires_at = now + timedelta(days=facts.team.expiry_days)
    check = shown_check(services, facts, expires_at)
    attempts = facts.attempts + 1
    for chat in _platforms_for(services.chats, facts.agent):
        try:
            await chat.send_request_check(check)
        except RecipientUnreachable:
            continue  # another platform may know them
        except DeliveryError as error:
            log.warning("request check %s not sent: %s", facts.id, error.reason)
            wait = retry_wait(attempts) if error.transient else None
            if wait is not None and error.retry_after:
                wait = max(wait, timedelta(seconds=error.retry_after))
            retry_at = None if wait is None else now + wait
            await services.store.request_check_not_sent(facts.id, attempts=attempts,
                                                        retry_at=retry_at)
            return False
        except Exception as error:
            log_without_message(f"sending request check {facts.id} failed", error, to=log)
            await services.store.request_check_not_sent(facts.id, attempts=attempts,
                                                        retry_at=None)
            return False
        await services.store.request_check_sent(facts.id, platform=chat.platform,
                                                 expires_at=expires_at)
        log.info("sent request check %s", facts.id)
        return True
    log.info("request check %s not sent: no platform can reach the agent", facts.id)
    await services.store.request_check_not_sent(facts.id, attempts=attempts, retry_at=None)
    return False


def _platforms_for(chats: tuple[ChatPort, ...], person: Person) -> list[ChatPort]:
    """Where the agent was seen first (their id is known there), then the rest: a platform
    may still find them by email."""
    known = {"slack": person.slack_user_id, "teams": person.teams_user_id}
    return sorted(chats, key=lambda chat: not known.get(chat.platform))


async def request_figures(
    services: Services, team_ids: list[int]
) -> dict[int, RequestFigures]:
    """Each team's answers of the last `FIGURES_DAYS` days, only where at least the minimum
    number of respondents answered: never a figure that could point at someone."""
    since = services.clock.now() - timedelta(days=FIGURES_DAYS)
    found = await services.store.request_figures(since=since, team_ids=team_ids)
    minimum = services.policy.min_respondents
    return {team: figures for team, figures in found.items() if figures.n >= minimum}


def figures_line(team: str, figures: RequestFigures) -> str:
    """One admin statistics line, in English (chat says it in the caller's language)."""
    def percent(part: int, of: int) -> str:
        return f"{figures.share(part, of=of)}%" if of else "—"

    clarity, reach = figures.clarity_answers, figures.reach_answers
    return (
        f"• {team}, requests as agents saw them (last {FIGURES_DAYS} days): "
        f"clear {percent(figures.clear, clarity)}, partly {percent(figures.partly, clarity)}, "
        f"unclear {percent(figures.unclear, clarity)}; "
        f"reachable {percent(figures.reachable, reach)} (n={figures.n})"
    )
