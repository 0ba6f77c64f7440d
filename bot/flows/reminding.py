"""Reminding: one nudge for each sent prompt nobody answered (bot.domain.reminders).

Exactly once across replicas and crashes: a reminder is claimed in the store
(`claim_reminder`, one statement that succeeds once) before the platform is called. A
worker that dies between the claim and the send leaves that reminder unsent: at most
once is the right failure for a nudge, where "twice" would nag. Failed sends are not
retried for the same reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.prompt_view import rating_prompt
from bot.domain.reminders import EXPIRY_MARGIN, ReminderCandidate, reminder_due
from bot.flows.settling import log_without_message
from bot.ports.chat import ChatPort, DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)

# Candidates read per round; those outside their working hours are read again next round.
REMINDER_BATCH = 200


@dataclass(frozen=True, slots=True)
class RemindingReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # due, but outside the person's working hours


async def send_reminders(services: Services, *, limit: int = REMINDER_BATCH) -> RemindingReport:
    """Send the reminders due now; the rest wait for a later round."""
    now = services.clock.now()
    policy = services.policy
    candidates = await services.store.reminder_candidates(
        now=now, margin=EXPIRY_MARGIN, limit=limit
    )
    sent = failed = waiting = 0
    for candidate in candidates:
        if not reminder_due(candidate, now=now, hours=policy.working_hours,
                            default_timezone=policy.timezone):
            waiting += 1
            continue
        chat = _chat_of(services, candidate)
        if chat is None:
            continue  # the platform it went out on is not configured here any more
        if not await services.store.claim_reminder(candidate.prompt.id, now=now):
            continue  # answered, expired or reminded by another worker meanwhile
        if await _send(chat, candidate):
            sent += 1
        else:
            failed += 1
    return RemindingReport(sent, failed, waiting)


def _chat_of(services: Services, candidate: ReminderCandidate) -> ChatPort | None:
    if candidate.prompt.message_ref is None:
        return None
    platform = candidate.prompt.platform
    return next((chat for chat in services.chats if chat.platform == platform), None)


async def _send(chat: ChatPort, candidate: ReminderCandidate) -> bool:
    prompt = candidate.prompt
    assert prompt.message_ref is not None  # `_chat_of` found a platform for it
    rendered = rating_prompt(
        prompt, candidate.team, candidate.person, agent=candidate.agent,
        subject=candidate.subject, ticket_id=candidate.ticket_id,
    )
    try:
        await chat.send_reminder(rendered, prompt.message_ref)
    except DeliveryError as error:
        log.warning("reminder of prompt %s not sent: %s", prompt.id, error.reason)
        return False
    except Exception as error:
        log_without_message(f"sending the reminder of prompt {prompt.id} failed", error, to=log)
        return False
    log.info("reminded the recipient of prompt %s", prompt.id)
    return True
