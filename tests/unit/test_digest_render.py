"""Rendering a digest: the text (escaping left to the platform) and the PNG chart."""

from __future__ import annotations

import struct
import sys
from datetime import UTC, datetime

import pytest

from app.chart import render_chart
from bot.domain.digest import HISTORY_WEEKS, AgentLine, Digest, WeekScore
from bot.domain.digest_text import render_digest
from bot.domain.model import Anonymity
from bot.domain.scales import Category, Scale
from bot.domain.scores import summarize
from bot.domain.tallies import DigestComment, FollowUpCounts, PromptTally, Tally
from bot.domain.trend import compare
from bot.domain.weeks import IsoWeek
from bot.ports.charts import HEIGHT_PX, WIDTH_PX

WEEK = IsoWeek(2026, 47)


def make_digest(scale: Scale = Scale.NPS, *, empty_weeks: int = 3) -> Digest:
    tallies = [Tally() if i < empty_weeks else
               Tally(n=10, promoters=3 + i % 4, passives=2, detractors=5 - i % 4,
                     score_sum=60 + i)
               for i in range(HISTORY_WEEKS)]
    history = tuple(WeekScore(WEEK.shift(i - HISTORY_WEEKS + 1), summarize(scale, t))
                    for i, t in enumerate(tallies))
    return Digest(
        team_name="servicedesk", team_display_name="R&D <Desk>", scale=scale,
        anonymity=Anonymity.IDENTIFIED, timezone="UTC", week=WEEK,
        since=datetime(2026, 11, 16, tzinfo=UTC), until=datetime(2026, 11, 23, tzinfo=UTC),
        score=history[-1].score,
        prompts=PromptTally(sent=12, answered=10, failed={"channel_not_found <x>": 2}),
        history=history,
        change=compare(scale, tallies[-1], tallies[-2]),
        comments=(
            DigestComment(Category.DETRACTOR, 3, "Slow *and*\nrude <@U123>",
                          datetime(2026, 11, 17, tzinfo=UTC), author="Bram <b>"),
        ),
        follow_ups=FollowUpCounts(opened=4, claimed=2, resolved=1),
        agents=(AgentLine("Piet & co", 6, summarize(scale, tallies[-1])),),
        min_respondents=5,
    )


def test_everything_a_person_typed_goes_through_the_escape() -> None:
    text = render_digest(make_digest(), escape=lambda s: f"[{s}]")
    assert "*[R&D <Desk>]: weekly ratings" in text
    assert "> [Slow *and* rude <@U123>] (3, detractor) — [Bram <b>]" in text
    assert "• [Piet & co]:" in text
    assert "[channel_not_found <x>]" in text
    # Unescaped by default: the platform renderer decides.
    assert "R&D <Desk>" in render_digest(make_digest())


def test_a_late_digest_says_so() -> None:
    assert "Posted late" in render_digest(make_digest(), late=True)
    assert "Posted late" not in render_digest(make_digest())


@pytest.mark.parametrize("scale", list(Scale))
def test_every_scale_renders(scale: Scale) -> None:
    text = render_digest(make_digest(scale))
    assert text.count("\n") > 5 and "None" not in text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("scale", list(Scale))
def test_the_chart_is_a_png_of_the_promised_size(scale: Scale) -> None:
    pytest.importorskip("matplotlib")
    data = render_chart(make_digest(scale))
    assert data is not None
    assert _png_size(data) == (WIDTH_PX, HEIGHT_PX) == (1200, 600)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert len(data) > 10_000  # a drawn chart, not an empty canvas


def test_no_chart_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert render_chart(make_digest()) is None
