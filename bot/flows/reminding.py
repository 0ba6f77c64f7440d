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
from datetime import datetime

from bot.domain.anonymity import answered_marker
from bot.domain.model import Anonymity
from bot.domain.prompt_view import rating_prompt
from bot.domain.reminders import EXPIRY_MARGIN, ReminderCandidate, reminder_due
from bot.flows.settling import log_without_message
from bot.ports.chat import ChatPort, DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)

# Candidates read a page at a time, page after page in one round, so people outside their
# working hours (read again next round) never hide those within theirs; a round reads at
# most REMINDER_PAGES pages and the next round goes on from the oldest again.
REMINDER_BATCH = 200
REMINDER_PAGES = 50


@dataclass(frozen=True, slots=True)
class RemindingReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # due, but outside the person's working hours

    def __add__(self, other: RemindingReport) -> RemindingReport:
        return RemindingReport(self.sent + other.sent, self.failed + other.failed,
                               self.waiting + other.waiting)


async def send_reminders(
    services: Services, *, limit: int = REMINDER_BATCH, pages: int = REMINDER_PAGES
) -> RemindingReport:
    """Send the reminders due now; the rest wait for a later round."""
    report = RemindingReport()
    after: tuple[datetime, int] | None = None
    for _ in range(pages):
        candidates = await services.store.reminder_candidates(
            now=services.clock.now(), margin=EXPIRY_MARGIN, limit=limit, after=after
        )
        report = report + await _remind(services, candidates)
        if len(candidates) < limit:
            break
        last = candidates[-1].prompt
        assert last.sent_at is not None  # only sent prompts are candidates
        after = (last.sent_at, last.id)
    return report


async def _remind(services: Services, candidates: list[ReminderCandidate]) -> RemindingReport:
    now = services.clock.now()
    policy = services.policy
    sent = failed = waiting = 0
    for candidate in candidates:
        if not reminder_due(candidate, now=now, hours=policy.working_hours,
                            default_timezone=policy.timezone):
            waiting += 1
            continue
        chat = _chat_of(services, candidate)
        if chat is None:
            continue  # the platform it went out on is not configured here any more
        if await _answered_anonymously(services, candidate):
            # Claimed all the same, never sent: a reminded_at left empty would tell someone
            # reading the database who answered in a team that promised not to know.
            await services.store.claim_reminder(candidate.prompt.id, now=now)
            continue
        if not await services.store.claim_reminder(candidate.prompt.id, now=now):
            continue  # answered, expired or reminded by another worker meanwhile
        if await _send(chat, candidate):
            sent += 1
        else:
            failed += 1
    return RemindingReport(sent, failed, waiting)


async def _answered_anonymously(services: Services, candidate: ReminderCandidate) -> bool:
    """An anonymous team's answered prompt still reads "sent" (nothing on it may say who
    answered): only the keyed marker its answer left can tell."""
    if candidate.team.anonymity is not Anonymity.ANONYMOUS:
        return False
    marker = answered_marker(services.policy.anonymity_key, candidate.prompt.id)
    return await services.store.was_answered(marker)


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
