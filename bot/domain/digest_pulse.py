"""The digest's words for a relationship pulse that closed in its week, beside the ticket score.

"Relationship pulse: NPS +28 ± 15 from 45 of 120 asked (closed Thu) · tickets this week
NPS +41". A week without a closing pulse says nothing about pulses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.domain.digest import Digest
from bot.domain.pulse import SCALE
from bot.domain.texts import text


def pulse_lines(digest: Digest, escape: Callable[[str], str]) -> list[tuple[str, str]]:
    """The pulse's facts as (label, value): its score beside the tickets', and its question
    when the admin wrote one; none without a pulse closing this week."""
    pulse, locale = digest.pulse, digest.locale
    if pulse is None:
        return []
    closed = pulse.closes_at.astimezone(ZoneInfo(digest.timezone))
    value = text(
        "digest.pulse.value", locale, label=text(f"scale.{SCALE.value}", locale),
        score=_number(pulse.score.text, locale), answered=pulse.score.n, asked=pulse.asked,
        day=text(f"weekday.{closed.weekday()}", locale),
        ticket_label=text(f"scale.{digest.scale.value}", locale),
        tickets=_number(digest.score.text, locale),
    )
    facts = [(text("digest.pulse", locale), value)]
    english_default = SCALE.spec.question.format(team=digest.team_display_name)
    if pulse.question != english_default:
        facts.append((text("digest.pulse.question", locale), escape(pulse.question)))
    return facts


def _number(value: str, locale: str) -> str:
    """Dutch decimal commas, as `digest_text.number` writes them."""
    return re.sub(r"(?<=\d)\.(?=\d)", ",", value) if locale == "nl" else value
