"""The digest's top reasons and work time lost: counted in one grouped query per digest on
every engine, said in English and Dutch, shown by Slack's blocks and Teams' card alike."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from adapters.slack.render import digest_message
from adapters.teams.digest_card import digest_card
from bot.domain.digest_text import render_digest
from bot.domain.messages import DigestMessage
from bot.domain.reasons import LostTime
from bot.domain.weeks import IsoWeek
from bot.flows import admin
from bot.flows.digest import weekly_digest
from bot.services import Services
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN
from tests.flows.digest_support import Rater, store  # noqa: F401

W47 = IsoWeek(2026, 47)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


async def rate(rater: Rater, services: Services, day: int, score: int,
               reasons: tuple[str, ...] = (), lost: LostTime | None = None) -> None:
    rated = await rater.rate(at(day), score)
    for key in reasons:
        await services.store.set_reason(rated.rating.id, key, on=True)
    if lost is not None:
        await services.store.set_lost_time(rated.rating.id, lost)


async def test_the_weeks_reasons_and_work_time_lost(services: Services, clock: FakeClock
                                                    ) -> None:
    rater = Rater(services, clock)
    await rate(rater, services, 10, 3, ("slow",), LostTime.DAY_OR_MORE)  # W46: not this week
    await rate(rater, services, 16, 2, ("slow", "not_solved"), LostTime.HALF_DAY)
    await rate(rater, services, 17, 3, ("slow",), LostTime.UNDER_HOUR)
    await rate(rater, services, 17, 7, ("explain_twice",), LostTime.DAY_OR_MORE)
    await rate(rater, services, 18, 10, ("fast", "friendly"), LostTime.NONE)
    await rate(rater, services, 19, 9, ("fast",))
    clock.set(at(24))
    team = await services.store.get_team("servicedesk")
    assert team is not None
    digest = await weekly_digest(services, team, W47)
    assert digest.reasons == (("fast", 2), ("slow", 2), ("explain_twice", 1),
                              ("friendly", 1), ("not_solved", 1))
    assert (digest.lost_time[-1].answers, digest.lost_time[-1].hours) == (4, 12.5)
    assert (digest.lost_time[-2].answers, digest.lost_time[-2].hours) == (1, 8.0)
    assert len(digest.lost_time) == len(digest.history)
    text = render_digest(digest)
    assert ("Top reasons: held back: Took too long 2, Had to explain twice 1, Not solved 1; "
            "went well: Fast 2, Friendly 1") in text
    # 12.5 h from 4 answers: 3.125 h an answer, over the week's 5 ratings about 16 h.
    # From 10 h on, whole hours.
    assert "Work time lost: ≈ 13 h from 4 answers (≈ 16 h over all 5 ratings)" in text
    dutch = render_digest(dataclasses.replace(digest, locale="nl"))
    assert ("Meest gekozen redenen: kon beter: Duurde te lang 2, Moest het twee keer "
            "uitleggen 1, Niet opgelost 1; ging goed: Snel 2, Vriendelijk 1") in dutch
    assert ("Verloren werktijd: ≈ 13 uur uit 4 antwoorden (≈ 16 uur over alle 5 "
            "beoordelingen)") in dutch
    slack = str(digest_message(DigestMessage(digest)).blocks)
    teams = str(digest_card(DigestMessage(digest)))
    for shown in (slack, teams):
        assert "Top reasons" in shown and "Took too long 2" in shown
        assert "≈ 13 h from 4 answers" in shown


async def test_a_teams_own_labels_are_shown_as_typed_and_escaped(
    services: Services, clock: FakeClock
) -> None:
    await admin.set_team_option(services, "servicedesk", "reasons",
                                "low: Waited <ages> | high: Spot on", actor=ADMIN)
    rater = Rater(services, clock)
    await rate(rater, services, 16, 2, ("low:Waited <ages>",))
    await rate(rater, services, 17, 10, ("high:Spot on",))
    clock.set(at(24))
    team = await services.store.get_team("servicedesk")
    assert team is not None
    digest = dataclasses.replace(await weekly_digest(services, team, W47), locale="nl")
    assert "kon beter: Waited <ages> 1; ging goed: Spot on 1" in render_digest(digest)
    assert "Waited &lt;ages&gt; 1" in str(digest_message(DigestMessage(digest)).blocks)


async def test_no_answers_no_lines(services: Services, clock: FakeClock) -> None:
    rater = Rater(services, clock)
    await rate(rater, services, 16, 2)
    clock.set(at(24))
    team = await services.store.get_team("servicedesk")
    assert team is not None
    text = render_digest(await weekly_digest(services, team, W47))
    assert "Top reasons" not in text and "Work time lost" not in text
