"""The weekly digest as an Adaptive Card, with its chart inline when the card stays in bounds.

Laid out for a chat's width: the title, the score large with what it is compared with
beneath, the chart, the week's facts as a FactSet (a label column and a value column),
then the comments as shaded quotes and the per-agent figures as a second FactSet.
"""

from __future__ import annotations

import base64

from adapters.teams.cards import MAX_CARD_BYTES, PNG_DATA_URI, Card, card, card_bytes, text_block
from adapters.teams.escape import escape, plain
from bot.domain.digest_after_score import weekly_lost_hours
from bot.domain.digest_text import DigestLayout, Fact, layout, scale_label
from bot.domain.messages import DigestMessage
from bot.domain.texts import text


def digest_card(message: DigestMessage, chart_png: bytes | None = None) -> Card:
    """The weekly digest; with its chart as an inline image when the card stays in bounds.

    Without a chart, or when it would make the card too large for Teams, the card is the
    text alone and says nothing about a picture.
    """
    parts = layout(message.digest, escape=escape, late=message.late)
    head, rest = _headline(parts), _details(parts)
    text_only = card(*head, *rest)
    if chart_png is None:
        return text_only
    digest = message.digest
    image: Card = {
        "type": "Image", "url": PNG_DATA_URI + base64.b64encode(chart_png).decode("ascii"),
        "size": "Stretch", "spacing": "Medium",
        "msTeams": {"allowExpand": True},  # click to see it full size
        "altText": plain(text("chart.alt", digest.locale, team=digest.team_display_name,
                              scale=scale_label(digest.scale, digest.locale),
                              weeks=len(digest.trend))
                         + (text("chart.alt_lost", digest.locale)
                            if weekly_lost_hours(digest) else "")
                         + (text("chart.alt_pulse", digest.locale)
                            if digest.pulse_on_chart is not None else "")),
    }
    # The picture goes under the score it draws, above the facts and comments.
    with_chart = card(*head, image, *rest)
    return with_chart if card_bytes(with_chart) <= MAX_CARD_BYTES else text_only


def _headline(parts: DigestLayout) -> list[Card]:
    """The title, and the score large with its respondents and change beneath: one block."""
    items = [text_block(f"**{parts.title}**", size="Medium")]
    if parts.late:
        items.append(text_block(parts.late, isSubtle=True, spacing="None", size="Small"))
    items.append(text_block(parts.headline, size="ExtraLarge" if parts.respondents else
                            "Default", weight="Bolder", spacing="Medium"))
    if parts.respondents is not None:
        items.append(text_block(f"n={parts.respondents} · {parts.change}", isSubtle=True,
                                spacing="None"))
    return [{"type": "Container", "items": items}]


def _details(parts: DigestLayout) -> list[Card]:
    blocks = [_facts(parts.facts, separator=True)]
    if parts.comments:
        quotes = [{"type": "Container", "style": "emphasis", "spacing": "Small",
                   "items": [text_block(line)]} for line in parts.comments]
        blocks.append({"type": "Container", "separator": True, "spacing": "Medium",
                       "items": [text_block(f"**{parts.comments_heading}**"), *quotes]})
    if parts.agents_heading:
        blocks.append({"type": "Container", "separator": True, "spacing": "Medium",
                       "items": [text_block(f"**{parts.agents_heading}**"),
                                 _facts(parts.agents, separator=False)]})
    return blocks


def _facts(facts: tuple[Fact, ...], *, separator: bool) -> Card:
    """Label and value in two aligned columns; Teams renders markdown in both."""
    fact_set: Card = {"type": "FactSet", "spacing": "Medium",
                      "facts": [{"title": fact.label, "value": fact.value} for fact in facts]}
    if separator:
        fact_set["separator"] = True
    return fact_set
