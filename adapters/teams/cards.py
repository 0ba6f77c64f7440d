"""The Adaptive Card primitives every Teams card is built of (schema 1.5), and its size."""

from __future__ import annotations

import json
from typing import Any

Card = dict[str, Any]

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses an activity over about 28 KB; the rest of the activity (addresses, ids,
# the attachment's wrapper) takes well under 2 KB of the difference.
MAX_CARD_BYTES = 26_000
PNG_DATA_URI = "data:image/png;base64,"


def card(*body: Card, actions: list[Card] | None = None) -> Card:
    content: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION,
                     "body": [block for block in body if block]}
    if actions:
        content["actions"] = actions
    return content


def text_block(markdown: str, **style: Any) -> Card:
    return {"type": "TextBlock", "text": markdown, "wrap": True, **style}


def card_bytes(content: Card) -> int:
    """The card's size as the connector receives it (non-ASCII escaped: the larger form)."""
    return len(json.dumps(content).encode())


def data_uri_bytes(png: bytes) -> int:
    return len(PNG_DATA_URI) + 4 * -(-len(png) // 3)


def has_image(content: Card) -> bool:
    return any(element.get("type") == "Image" for element in content.get("body") or [])
