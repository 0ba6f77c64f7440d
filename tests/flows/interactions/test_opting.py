"""Opting out of being asked, and back in."""

from __future__ import annotations

from bot.flows.interactions import opting
from bot.services import Services
from tests.flows.interactions.conftest import JAN


async def test_opting_out_and_in(services: Services) -> None:
    out = await opting.opt(services, JAN, opted_out=True)
    assert out.person.opted_out and "won't be asked" in out.notice
    replayed = await opting.opt(services, JAN, opted_out=False, replay=True)
    assert replayed.person.opted_out  # a replayed click changes nothing again
    back = await opting.opt(services, JAN, opted_out=False)
    assert not back.person.opted_out and back.notice == "You may be asked for ratings again."
