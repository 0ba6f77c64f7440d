"""The pure parts of my data and forget me: the grammar, the file, the erasure markers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.domain.commands import Forget, ForgetMe, MyData, ShowHelp, parse
from bot.domain.identity import PersonIdentity
from bot.domain.personal_data import PersonalData, RatingRecord, as_json, erasure_markers

T0 = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def test_slack_and_teams_spellings_parse_to_the_same_commands() -> None:
    assert parse("my-data") == parse("my data") == parse("My Data") == MyData()
    assert parse("forget-me") == parse("forget me") == ForgetMe()
    assert parse("forget jan@example.com") == Forget("jan@example.com")
    assert not MyData.admin_only and not ForgetMe.admin_only
    wrong = parse("my ratings please")
    assert isinstance(wrong, ShowHelp) and wrong.problem is not None
    assert "my-data" in wrong.problem


def test_markers_are_keyed_and_match_an_email_in_any_case() -> None:
    jan = PersonIdentity(email="Jan@Example.com ", slack_user_id="UJAN")
    again = PersonIdentity(email="jan@example.com")
    marks = erasure_markers(b"k", jan)
    assert len(marks) == 2 and erasure_markers(b"k", again)[0] == marks[0]
    assert not set(erasure_markers(b"other", jan)) & set(marks)
    assert all("jan" not in mark.lower() for mark in marks)


def test_the_file_says_that_anonymous_ratings_are_not_in_it() -> None:
    data = PersonalData(
        email="jan@example.com", display_name="Jan", locale=None, timezone=None,
        slack_user_id="UJAN", teams_user_id=None, opted_out=False, opted_out_at=None,
        created_at=T0, ratings=[RatingRecord("it", "nps", 9, "Quick", T0)],
    )
    written = json.loads(as_json(data, exported_at=T0))
    assert written["exported_at"] == "2026-12-06T10:00:00+00:00"
    assert written["ratings"][0] == {"team": "it", "scale": "nps", "score": 9,
                                     "comment": "Quick", "rated_at": "2026-12-06T10:00:00+00:00",
                                     "reasons": [], "lost_time": None}
    assert "anonymous teams" in written["anonymous_ratings"]
    assert written["asking"] == {"opted_out": False, "opted_out_at": None}
