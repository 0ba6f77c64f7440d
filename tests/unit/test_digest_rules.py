"""The digest's pure rules: steady / up / down, the sparkline, ISO weeks, schedules and DST."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.domain.model import Team
from bot.domain.scales import Scale
from bot.domain.sparkline import sparkline
from bot.domain.tallies import Tally
from bot.domain.trend import Direction, compare, pooled, unit_variance
from bot.domain.weeks import IsoWeek, boundaries
from bot.flows.admin import DigestSchedule
from bot.flows.digest_times import previous_fire, schedule_of
from bot.services import Policy

AMSTERDAM = "Europe/Amsterdam"


def nps_tally(promoters: int, passives: int, detractors: int) -> Tally:
    return Tally(n=promoters + passives + detractors, promoters=promoters, passives=passives,
                 detractors=detractors)


def hits(hit: int, n: int) -> Tally:
    return Tally(n=n, promoters=hit, passives=0, detractors=n - hit)


# --------------------------------------------------------------------------- steady / up / down


def test_nps_inside_the_margin_is_steady() -> None:
    # Week +30 (5/3/2 of 10), baseline +20 (8/8/4 of 20). Pooled 13/11/6 of 30:
    # p = .4333, d = .2, s² = .6333 - .2333² = .5789; m = 196 * sqrt(.5789 * (1/10 + 1/20)).
    change = compare(Scale.NPS, nps_tally(5, 3, 2), nps_tally(8, 8, 4))
    assert change.delta == pytest.approx(10.0)
    assert change.margin == pytest.approx(196 * math.sqrt((19 / 30 - (7 / 30) ** 2) * 0.15))
    assert change.margin == pytest.approx(57.76, abs=0.01)
    assert change.direction is Direction.STEADY


def test_nps_beyond_the_margin_is_down() -> None:
    # Week -80 (0/2/8), baseline +75 (30/10/0). Pooled 30/12/8 of 50: s² = .76 - .44² = .5664;
    # m = 196 * sqrt(.5664 * (1/10 + 1/40)) = 52.15.
    change = compare(Scale.NPS, nps_tally(0, 2, 8), nps_tally(30, 10, 0))
    assert change.delta == pytest.approx(-155.0)
    assert change.margin == pytest.approx(52.15, abs=0.01)
    assert change.direction is Direction.DOWN


def test_csat_up_and_steady() -> None:
    # 90% of 20 against 60% of 100: pooled .65, m = 196 * sqrt(.2275 * .06) = 22.90 < 30.
    up = compare(Scale.CSAT, hits(18, 20), hits(60, 100))
    assert up.margin == pytest.approx(22.90, abs=0.01) and up.direction is Direction.UP
    # 75% of 20 against the same: pooled .625, m = 196 * sqrt(.234375 * .06) = 23.24 > 15.
    steady = compare(Scale.CSAT, hits(15, 20), hits(60, 100))
    assert steady.margin == pytest.approx(23.24, abs=0.01)
    assert steady.direction is Direction.STEADY


def test_a_small_week_at_an_extreme_is_not_called_a_change() -> None:
    # 8 of 8 satisfied has a margin of 0 on its own; against 38 of 46 (82.6%) the
    # difference of 17.4 is inside m = 196 * sqrt(46/54 * 8/54 * (1/8 + 1/46)) = 26.7.
    change = compare(Scale.CSAT, hits(8, 8), hits(38, 46))
    assert change.delta == pytest.approx(100 - 3800 / 46)
    assert change.margin == pytest.approx(26.67, abs=0.01)
    assert change.direction is Direction.STEADY
    # Thumbs: 10 of 10 against 5 of 10 is beyond m = 196 * sqrt(.1875 * .2) = 37.95.
    assert compare(Scale.THUMBS, hits(10, 10), hits(5, 10)).direction is Direction.UP


def test_ces_uses_the_spread_of_the_scores() -> None:
    # Week 7,7,6,6 (sum 26, squares 170); baseline 3,3,2,2 (sum 10, squares 26). Pooled:
    # mean 4.5, s² = 196/8 - 20.25 = 4.25; m = 1.96 * sqrt(4.25 * (1/4 + 1/4)) = 2.857 < 4.
    week = Tally(n=4, promoters=4, score_sum=26)
    baseline = Tally(n=4, detractors=4, score_sum=10)
    assert unit_variance(Scale.CES, pooled([week, baseline]), 196) == pytest.approx(4.25)
    change = compare(Scale.CES, week, baseline, week_squares=170, baseline_squares=26)
    assert change.delta == pytest.approx(4.0)
    assert change.margin == pytest.approx(1.96 * math.sqrt(2.125))
    assert change.direction is Direction.UP
    # Without the squares there is no margin, and no change is called.
    unknown = compare(Scale.CES, week, baseline)
    assert unknown.margin is None and unknown.direction is Direction.STEADY


def test_no_comparison_without_ratings_on_either_side() -> None:
    assert compare(Scale.NPS, nps_tally(1, 0, 0), Tally()).direction is None
    assert compare(Scale.NPS, Tally(), nps_tally(1, 0, 0)).direction is None


def test_pooled_adds_the_counts() -> None:
    assert pooled([nps_tally(1, 2, 3), Tally(n=2, promoters=2, score_sum=19)]) == Tally(
        n=8, promoters=3, passives=2, detractors=3, score_sum=19
    )


# --------------------------------------------------------------------------- sparkline


def test_sparkline_scales_between_the_series_minimum_and_maximum() -> None:
    assert sparkline([None, -40, -20, 40]) == "·▁▃█"
    assert sparkline([10, 10, None]) == "▄▄·"
    assert sparkline([None, None]) == "··"
    assert sparkline([0, 100, 50]) == "▁█▅"  # 3.5 rounds to the even 4: ▅


# --------------------------------------------------------------------------- weeks


def test_iso_week_parse_and_render() -> None:
    assert IsoWeek.parse("2026-W47") == IsoWeek(2026, 47)
    assert IsoWeek.parse("2026w05") == IsoWeek(2026, 5) and str(IsoWeek(2026, 5)) == "2026-W05"
    assert IsoWeek(2026, 53) == IsoWeek.parse("2026-W53")  # 2026 has 53 ISO weeks
    for bad in ("2025-W53", "2026-47", "W47", "2026-W0"):
        with pytest.raises(ValueError):
            IsoWeek.parse(bad)
    assert IsoWeek(2026, 53).shift(1) == IsoWeek(2027, 1)


def test_last_complete_week_depends_on_the_timezone() -> None:
    # Sunday 22 Nov 23:30 UTC is already Monday 23 Nov in Amsterdam.
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert IsoWeek.last_complete(now, "UTC") == IsoWeek(2026, 46)
    assert IsoWeek.last_complete(now, AMSTERDAM) == IsoWeek(2026, 47)


def test_a_week_with_the_autumn_dst_change_lasts_169_hours() -> None:
    week = IsoWeek(2026, 43)  # 19-25 Oct; clocks go back on Sunday 25 Oct
    assert week.start(AMSTERDAM) == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
    assert week.end(AMSTERDAM) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert week.end(AMSTERDAM) - week.start(AMSTERDAM) == timedelta(hours=169)
    spring = IsoWeek(2026, 13)  # clocks go forward on Sunday 29 Mar
    assert spring.end(AMSTERDAM) - spring.start(AMSTERDAM) == timedelta(hours=167)
    edges = boundaries(IsoWeek(2026, 44), 3, AMSTERDAM)
    assert edges == [datetime(2026, 10, 11, 22, tzinfo=UTC), datetime(2026, 10, 18, 22, tzinfo=UTC),
                     datetime(2026, 10, 25, 23, tzinfo=UTC), datetime(2026, 11, 1, 23, tzinfo=UTC)]


# --------------------------------------------------------------------------- schedules


def _team(schedule: str = "mon 09:00", timezone: str | None = None) -> Team:
    return Team(id=1, name="servicedesk", display_name="Service Desk",
                digest_schedule=schedule, timezone=timezone)


def test_schedule_timezone_comes_from_the_schedule_then_the_team_then_the_policy() -> None:
    policy = Policy(timezone="UTC")
    assert schedule_of(_team(), policy)[1] == "UTC"
    assert schedule_of(_team(timezone=AMSTERDAM), policy)[1] == AMSTERDAM
    assert schedule_of(_team("fri 16:30 Asia/Tokyo", AMSTERDAM), policy) == (
        DigestSchedule(4, time(16, 30), "Asia/Tokyo"), "Asia/Tokyo"
    )
    assert schedule_of(_team("garbage"), policy)[0] == DigestSchedule(0, time(9, 0))


@pytest.mark.parametrize(("now", "expected"), [
    # Summer time: Monday 09:00 in Amsterdam is 07:00 UTC.
    (datetime(2026, 10, 19, 7, 0, tzinfo=UTC), datetime(2026, 10, 19, 7, 0, tzinfo=UTC)),
    (datetime(2026, 10, 19, 6, 59, tzinfo=UTC), datetime(2026, 10, 12, 7, 0, tzinfo=UTC)),
    # After the change on 25 Oct: 08:00 UTC. At 07:30 UTC it is only 08:30 there.
    (datetime(2026, 10, 26, 7, 30, tzinfo=UTC), datetime(2026, 10, 19, 7, 0, tzinfo=UTC)),
    (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    (datetime(2026, 10, 31, 12, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
])
def test_previous_fire_follows_daylight_saving(now: datetime, expected: datetime) -> None:
    schedule = DigestSchedule.parse("mon 09:00")
    assert previous_fire(schedule, AMSTERDAM, now) == expected


def test_the_cron_trigger_fires_when_previous_fire_says_across_dst() -> None:
    from zoneinfo import ZoneInfo

    trigger = CronTrigger(day_of_week="mon", hour=9, minute=0, timezone=ZoneInfo(AMSTERDAM))
    schedule = DigestSchedule.parse("mon 09:00")
    moment = datetime(2026, 10, 13, tzinfo=UTC)
    fired = []
    for _ in range(4):  # 19 Oct (CEST), 26 Oct, 2 Nov, 9 Nov (CET)
        nxt = trigger.get_next_fire_time(None, moment)
        assert nxt is not None
        fired.append(nxt.astimezone(UTC))
        assert previous_fire(schedule, AMSTERDAM, nxt) == nxt
        assert previous_fire(schedule, AMSTERDAM, nxt - timedelta(seconds=1)) < nxt
        moment = nxt + timedelta(seconds=1)
    assert [f.hour for f in fired] == [7, 8, 8, 8]
