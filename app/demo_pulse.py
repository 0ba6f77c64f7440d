"""The demo's relationship pulse: the Service Desk asks its requesters of the last 90 days a
fortnight before the demo ends, so the digest of the last complete week shows it closing.

Its answers draw from random numbers of their own: the rest of the story keeps its draws.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.demo_story import pick_score
from bot.domain.errors import UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.messages import RatingPrompt
from bot.domain.pulse import SCALE
from bot.domain.weeks import IsoWeek
from bot.flows.pulse import start_pulse
from bot.flows.recording import add_comment, record_rating
from bot.services import Services

TEAM = "servicedesk"
RESPONSE = 0.42  # fewer answer a relationship question than a fresh ticket's
PROMOTERS, DETRACTORS = 0.44, 0.18  # cooler than the tickets: the months, not the last fix
COMMENT_CHANCE = 0.15
COMMENTS = (
    "Generally good, but getting hold of someone takes too long.",
    "Always helpful and friendly.",
    "The self-service portal is hard to find.",
    "Good people, slow process.",
    "I would like more updates on longer tickets.",
)


def starts_at(end: datetime, timezone: str) -> datetime:
    """Thursday 10:00 two weeks before the Thursday of the last complete week, so the
    pulse (open twice the default seven-day expiry) closes inside that week."""
    week = IsoWeek.last_complete(end, timezone)
    thursday = datetime.combine(week.monday + timedelta(days=3), time(10), ZoneInfo(timezone))
    return (thursday - timedelta(days=14)).astimezone(UTC)


def numbers(start: datetime) -> random.Random:
    return random.Random(f"pulse-{start.isoformat()}")


async def start(services: Services, *, actor: str) -> None:
    await start_pulse(services, TEAM, actor=actor)


def answer_delay(rng: random.Random) -> timedelta | None:
    """When the recipient answers after delivery; None: never (the prompt expires)."""
    if rng.random() >= RESPONSE:
        return None
    return min(timedelta(minutes=rng.lognormvariate(4.0, 1.5)), timedelta(days=5))


async def answer(services: Services, prompt: RatingPrompt, rng: random.Random) -> None:
    person = PersonIdentity(email=prompt.recipient.email)
    score = pick_score(rng, SCALE, PROMOTERS, DETRACTORS)
    try:
        result = await record_rating(services, prompt.prompt_id, person, score)
    except UserFacingError:
        return  # expired meanwhile
    if rng.random() < COMMENT_CHANCE:
        await add_comment(services, prompt.prompt_id, person, rng.choice(COMMENTS),
                          receipt=result.receipt)
