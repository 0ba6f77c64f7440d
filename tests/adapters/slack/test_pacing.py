"""The token bucket that keeps Slack calls within their tier."""

from __future__ import annotations

from adapters.slack.pacing import TIER_3, Pacer


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def test_a_burst_goes_through_then_calls_are_spaced_at_the_rate() -> None:
    clock = FakeTime()
    pacer = Pacer(TIER_3, burst=3, now=clock.now, sleep=clock.sleep)
    for _ in range(3):
        await pacer.turn()
    assert clock.slept == []
    await pacer.turn()
    await pacer.turn()
    assert [round(s, 3) for s in clock.slept] == [1.2, 1.2]  # 50 a minute


async def test_quiet_time_refills_the_bucket_up_to_the_burst() -> None:
    clock = FakeTime()
    pacer = Pacer(1.0, burst=2, now=clock.now, sleep=clock.sleep)
    await pacer.turn()
    await pacer.turn()
    clock.t += 60  # a quiet minute earns at most `burst` calls
    for _ in range(2):
        await pacer.turn()
    assert clock.slept == []
    await pacer.turn()
    assert clock.slept == [1.0]
