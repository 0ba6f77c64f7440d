"""The weekly digest as an Adaptive Card, with its chart inline when the card stays in bounds."""

from __future__ import annotations

import base64

from adapters.teams.cards import MAX_CARD_BYTES, PNG_DATA_URI, Card, card, card_bytes, text_block
from adapters.teams.escape import escape, plain, teams_markdown
from bot.domain.digest import HISTORY_WEEKS
from bot.domain.digest_text import render_digest, scale_label
from bot.domain.messages import DigestMessage


def digest_card(message: DigestMessage, chart_png: bytes | None = None) -> Card:
    """The weekly digest; with its chart as an inline image when the card stays in bounds.

    Without a chart, or when it would make the card too large for Teams, the card is the
    text alone and says nothing about a picture.
    """
    rendered = teams_markdown(
        render_digest(message.digest, escape=escape, late=message.late)
    )
    groups = [group.split("\n") for group in rendered.split("\n\n")]
    body = [_digest_group(lines, first=index == 0) for index, lines in enumerate(groups)]
    text_only = card(*body)
    if chart_png is None:
        return text_only
    digest = message.digest
    image: Card = {
        "type": "Image", "url": PNG_DATA_URI + base64.b64encode(chart_png).decode("ascii"),
        "size": "Stretch", "msTeams": {"allowExpand": True},  # click to see it full size
        "altText": plain(f"{digest.team_display_name}: weekly {scale_label(digest.scale)} "
                         f"over the last {HISTORY_WEEKS} weeks, with its margin of error"),
    }
    # The picture goes under the figures it draws, above the comments.
    with_chart = card(body[0], image, *body[1:])
    return with_chart if card_bytes(with_chart) <= MAX_CARD_BYTES else text_only


def _digest_group(lines: list[str], *, first: bool) -> Card:
    """One paragraph of the digest: a line per TextBlock, comments set off as quotes."""
    blocks: list[Card] = []
    for line in lines:
        # Only the core writes a leading "> " (a comment): a person's ">" arrives escaped.
        if line.startswith("> "):
            blocks.append({"type": "Container", "style": "emphasis", "spacing": "Small",
                           "items": [text_block(line[2:])]})
        else:
            blocks.append(text_block(line, spacing="None"))
    if first and blocks:
        blocks[0].update(size="Medium")
    return {"type": "Container", "items": blocks, "spacing": "Medium"}


