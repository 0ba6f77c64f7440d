"""The digest's Adaptive Card: escaped text, the chart as an inline PNG, and the fallback."""

from __future__ import annotations

import base64
import dataclasses
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.teams import render
from adapters.teams.outbound import CARD_CHART, card_chart
from app.chart import MatplotlibCharts
from bot.domain.messages import DigestMessage
from bot.domain.scales import Category, Scale
from bot.domain.tallies import DigestComment
from tests.unit.test_digest_render import make_digest


def tiny_png(width: int = 2, height: int = 1, padding: int = 0) -> bytes:
    """A valid greyscale PNG; `padding` adds an ancillary chunk to make it larger."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    extra = chunk(b"tEXt", b"pad\x00" + b"x" * padding) if padding else b""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + extra + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def png_header(data: bytes) -> tuple[int, int, int]:
    """Width, height and colour type (3: a palette) from the IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height, data[25]


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for element in card["body"] if element["type"] == "Image"]


def all_text(card: dict[str, Any]) -> str:
    """Every text the card shows, a FactSet's facts as "label: value"."""
    found: list[str] = []

    def walk(element: dict[str, Any]) -> None:
        if element.get("type") == "TextBlock":
            found.append(element["text"])
        if element.get("type") == "FactSet":
            found.extend(f"{fact['title']}: {fact['value']}" for fact in element["facts"])
        for child in element.get("items") or element.get("body") or []:
            walk(child)

    walk(card)
    return "\n".join(found)


def test_the_chart_is_an_inline_png_under_the_figures() -> None:
    png = tiny_png()
    card = render.digest_card(DigestMessage(make_digest()), png)
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    [image] = images(card)
    assert card["body"][1] is image  # under the score it draws, above the facts and comments
    assert image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].removeprefix(render.PNG_DATA_URI), validate=True) == png
    # Alt text is shown as is (no markdown), so the name is not escaped there.
    assert image["altText"].startswith("R&D <Desk>: weekly NPS over the last 9 weeks")


def test_the_text_escapes_what_people_typed() -> None:
    digest = dataclasses.replace(make_digest(), comments=(
        DigestComment(Category.DETRACTOR, 2, "See [here](https://evil.example) ${x} {{DATE(y)}}",
                      datetime(2026, 11, 18, tzinfo=UTC), author="**Bram**"),
    ))
    text = all_text(render.digest_card(DigestMessage(digest, late=True), tiny_png()))
    assert "**R&D \\<Desk\\>: weekly ratings, 2026-W47" in text
    assert "See \\[here\\]\\(https://evil.example\\)" in text
    assert "${" not in text and "{{" not in text
    assert "— \\*\\*Bram\\*\\*" in text
    assert "Posted late: the bot was offline at the scheduled time." in text
    assert "\n> " not in text  # the quote marks become a shaded container, not a stray ">"


def test_without_a_chart_the_card_is_the_text_alone_and_says_nothing_is_missing() -> None:
    message = DigestMessage(make_digest())
    with_chart = render.digest_card(message, tiny_png())
    text_only = render.digest_card(message, None)
    assert images(text_only) == []
    assert text_only["body"] == [el for el in with_chart["body"] if el["type"] != "Image"]
    lowered = all_text(text_only).lower()
    assert not any(word in lowered for word in ("chart", "picture", "image", "missing"))


def test_a_chart_that_would_make_the_card_too_large_is_left_out() -> None:
    message = DigestMessage(make_digest())
    text_only = render.digest_card(message, None)
    room = render.MAX_CARD_BYTES - render.card_bytes(text_only)
    fits = tiny_png(padding=room * 3 // 4 - 400)
    too_big = tiny_png(padding=room * 3 // 4 + 400)
    assert images(render.digest_card(message, fits))
    assert render.card_bytes(render.digest_card(message, fits)) <= render.MAX_CARD_BYTES
    assert render.digest_card(message, too_big) == text_only


def test_long_comments_leave_less_room_for_the_chart() -> None:
    long = "slow " * 400  # 2,000 characters, the most a comment can have
    digest = dataclasses.replace(make_digest(), comments=tuple(
        DigestComment(Category.DETRACTOR, 3, long, datetime(2026, 11, 17, tzinfo=UTC))
        for _ in range(5)))
    png = tiny_png(padding=12_000)
    assert images(render.digest_card(DigestMessage(make_digest()), png))
    assert not images(render.digest_card(DigestMessage(digest), png))


@pytest.mark.parametrize("scale", list(Scale))
def test_the_card_chart_is_a_small_palette_png_that_fits(scale: Scale) -> None:
    pytest.importorskip("matplotlib")
    png = card_chart(MatplotlibCharts())(make_digest(scale, empty_weeks=0))
    assert png is not None and png.endswith(b"IEND\xaeB`\x82")
    # Drawn for the 420 px a Teams chat gives a card's image, at 2x for sharp screens.
    assert CARD_CHART.shown_width == 420
    assert png_header(png) == (CARD_CHART.width_px, CARD_CHART.height_px, 3) == (840, 420, 3)
    assert len(png) > 3_000 and render.data_uri_bytes(png) < render.MAX_CARD_BYTES // 2
    card = render.digest_card(DigestMessage(make_digest(scale, empty_weeks=0)), png)
    assert len(images(card)) == 1


@pytest.mark.parametrize("scale", list(Scale))
def test_the_card_chart_fits_beside_the_longest_digest_text(scale: Scale) -> None:
    pytest.importorskip("matplotlib")
    long = "slow " * 400
    digest = dataclasses.replace(make_digest(scale, empty_weeks=0), comments=tuple(
        DigestComment(Category.DETRACTOR, 3, long, datetime(2026, 11, 17, tzinfo=UTC),
                      author="Someone With A Long Name")
        for _ in range(5)))
    png = card_chart(MatplotlibCharts())(digest)
    card = render.digest_card(DigestMessage(digest, late=True), png)
    assert len(images(card)) == 1 and long.strip() in all_text(card)
