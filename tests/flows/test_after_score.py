"""Questions after the score: reasons tapped and the work time lost, recorded with the
rating on every engine, kept through a change of score on the same side, refused where
they do not belong, and in anonymous teams found through the receipt alone."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.escape import escape
from app.delivery_worker import DeliveryWorker
from bot.domain.commands import ShowHelp
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.reasons import AfterScore, LostTime
from bot.flows import admin
from bot.flows.anonymity import release_anonymous_batches
from bot.flows.command_handlers import help_text, team_line
from bot.flows.interactions import after_score, answering, commenting
from bot.flows.interactions.views import PromptView
from bot.services import Services
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com", display_name="Jan Jansen")
KIM = PersonIdentity(email="kim@example.com")


async def set_option(services: Services, option: str, value: str) -> None:
    await admin.set_team_option(services, "servicedesk", option, value, actor=ADMIN)


async def rated(services: Services, close: Close, score: int, ticket: str = "T-1"
                ) -> tuple[int, PromptView]:
    outcome = await close(ticket, "jan@example.com")
    await DeliveryWorker(services).run_once()
    await services.store.upsert_person(JAN)
    view = await answering.answer(services, outcome.prompt.id, JAN, score, None)
    return outcome.prompt.id, view


def receipt_of(view: PromptView) -> str | None:
    assert view.update is not None
    return view.update.receipt


def after_of(view: PromptView) -> AfterScore:
    assert view.update is not None, view.notice
    return view.update.after


async def test_reasons_are_offered_by_default_and_several_can_be_chosen(
    services: Services, close: Close
) -> None:
    prompt_id, view = await rated(services, close, 3)
    assert view.update is not None and view.update.prompt.reasons is None  # the defaults
    assert not view.update.prompt.lost_time  # lost time is off unless the team asks it
    receipt = receipt_of(view)
    await after_score.choose_reason(services, prompt_id, JAN, "slow", receipt, on=True)
    shown = await after_score.choose_reason(services, prompt_id, JAN, "unfriendly", receipt,
                                            on=True)
    assert after_of(shown).reasons == ("slow", "unfriendly")
    # The same tap delivered again sets the same state.
    again = await after_score.choose_reason(services, prompt_id, JAN, "slow", receipt, on=True)
    assert after_of(again).reasons == ("slow", "unfriendly")
    dropped = await after_score.choose_reason(services, prompt_id, JAN, "slow", receipt,
                                              on=False)
    assert after_of(dropped).reasons == ("unfriendly",)
    rating = await services.store.rating_of_prompt(prompt_id)
    assert rating is not None
    assert (await services.store.after_score(rating.id)).reasons == ("unfriendly",)


async def test_a_new_score_on_the_same_side_keeps_the_reasons_the_other_side_drops_them(
    services: Services, close: Close
) -> None:
    await set_option(services, "lost-time", "on")
    prompt_id, view = await rated(services, close, 2)
    receipt = receipt_of(view)
    await after_score.choose_reason(services, prompt_id, JAN, "not_solved", receipt, on=True)
    await after_score.answer_lost_time(services, prompt_id, JAN, "half_day", receipt)
    passive = await answering.answer(services, prompt_id, JAN, 7, receipt)
    assert after_of(passive) == AfterScore(("not_solved",), LostTime.HALF_DAY)
    promoter = await answering.answer(services, prompt_id, JAN, 10, receipt)
    assert after_of(promoter) == AfterScore((), LostTime.HALF_DAY)
    # A comment redraws the prompt with the answers too.
    await after_score.choose_reason(services, prompt_id, JAN, "fast", receipt, on=True)
    commented = await commenting.comment(services, prompt_id, JAN, "Thanks!", receipt)
    assert after_of(commented) == AfterScore(("fast",), LostTime.HALF_DAY)


async def test_lost_time_is_one_answer_that_can_be_changed(
    services: Services, close: Close
) -> None:
    await set_option(services, "lost-time", "on")
    prompt_id, view = await rated(services, close, 5)
    assert view.update is not None and view.update.prompt.lost_time
    receipt = receipt_of(view)
    await after_score.answer_lost_time(services, prompt_id, JAN, "under_1h", receipt)
    shown = await after_score.answer_lost_time(services, prompt_id, JAN, "day_plus", receipt)
    assert after_of(shown).lost_time is LostTime.DAY_OR_MORE


async def test_what_does_not_belong_is_refused_and_nothing_is_stored(
    services: Services, close: Close
) -> None:
    prompt_id, view = await rated(services, close, 3)
    receipt = receipt_of(view)
    wrong_side = await after_score.choose_reason(services, prompt_id, JAN, "fast", receipt,
                                                 on=True)
    assert wrong_side.problem == "That answer is not offered with this score."
    with pytest.raises(InvalidValue):
        await after_score.answer_lost_time(services, prompt_id, JAN, "a week", receipt)
    await services.store.upsert_person(KIM)
    someone_else = await after_score.choose_reason(services, prompt_id, KIM, "slow", receipt,
                                                   on=True)
    assert someone_else.problem is not None and someone_else.update is None
    rating = await services.store.rating_of_prompt(prompt_id)
    assert rating is not None
    assert await services.store.after_score(rating.id) == AfterScore()


async def test_a_tap_before_any_score_is_refused(services: Services, close: Close) -> None:
    outcome = await close("T-1", "jan@example.com")
    await DeliveryWorker(services).run_once()
    await services.store.upsert_person(JAN)
    view = await after_score.choose_reason(services, outcome.prompt.id, JAN, "slow", None,
                                           on=True)
    assert view.problem == "Choose a score first, then tell us more."


async def test_a_teams_own_labels_and_off(services: Services, close: Close) -> None:
    await set_option(services, "reasons", "low: Waited ages; Wrong fix | high: Spot on")
    team = await services.store.get_team("servicedesk")
    assert team is not None
    assert team.reasons == "low: Waited ages; Wrong fix | high: Spot on"
    assert ", reasons low: Waited ages; Wrong fix | high: Spot on" in team_line(team, str)
    prompt_id, view = await rated(services, close, 4)
    shown = await after_score.choose_reason(services, prompt_id, JAN, "low:Wrong fix",
                                            receipt_of(view), on=True)
    assert after_of(shown).reasons == ("low:Wrong fix",)
    refused = await after_score.choose_reason(services, prompt_id, JAN, "slow",
                                              receipt_of(view), on=True)
    assert refused.problem is not None  # the defaults are not this team's reasons
    await set_option(services, "reasons", "off")
    off = await answering.answer(services, prompt_id, JAN, 5, receipt_of(view))
    assert off.update is not None and off.update.prompt.reasons == "off"
    with pytest.raises(InvalidValue, match="give at most 6 labels a side"):
        await set_option(services, "reasons", "low: a; b; c; d; e; f; g")
    with pytest.raises(InvalidValue, match="'maybe' is not a valid lost-time: use one of"):
        await set_option(services, "lost-time", "maybe")


async def test_anonymous_answers_are_found_by_the_receipt_and_follow_the_nightly_batch(
    services: Services, close: Close, clock: FakeClock, store_engine: AsyncEngine
) -> None:
    await set_option(services, "anonymity", "anonymous")
    await set_option(services, "lost-time", "on")
    prompt_id, view = await rated(services, close, 9)
    receipt = receipt_of(view)
    without = await after_score.choose_reason(services, prompt_id, JAN, "fast", None, on=True)
    assert without.problem == "Choose a score first, then tell us more."  # no receipt: no rating
    await after_score.choose_reason(services, prompt_id, JAN, "fast", receipt, on=True)
    shown = await after_score.answer_lost_time(services, prompt_id, JAN, "none", receipt)
    assert after_of(shown) == AfterScore(("fast",), LostTime.NONE)
    async with store_engine.connect() as db:
        [row] = (await db.execute(sa.text("SELECT * FROM ratings"))).mappings().all()
        reasons = (await db.execute(sa.text("SELECT * FROM rating_reasons"))).mappings().all()
    assert row["person_id"] is None and row["prompt_id"] is None
    assert row["lost_time"] == "none"
    assert [dict(r) for r in reasons] == [{"rating_id": row["id"], "reason": "fast"}]
    clock.advance(days=1)
    one_is_enough = replace(services, policy=replace(services.policy, min_respondents=1))
    assert (await release_anonymous_batches(one_is_enough, rng=random.Random(3))).released == 1
    async with store_engine.connect() as db:
        [moved] = (await db.execute(sa.text("SELECT id, lost_time FROM ratings"))).all()
        reasons = (await db.execute(sa.text("SELECT * FROM rating_reasons"))).mappings().all()
    assert moved.id != row["id"]  # the batch gave the rating a new id ...
    assert [dict(r) for r in reasons] == [{"rating_id": moved.id, "reason": "fast"}]  # ... and
    # the receipt still finds it, with its answers.
    again = await after_score.choose_reason(services, prompt_id, JAN, "clear", receipt, on=True)
    assert after_of(again) == AfterScore(("clear", "fast"), LostTime.NONE)


def test_the_help_says_how_to_set_a_teams_own_reasons_in_both_languages() -> None:
    english = help_text(ShowHelp(), escape)
    assert ("Reasons asked after the score: `team set &lt;team&gt; reasons off`, `default`, or "
            "the team's own labels, like `low: Took too long; Not solved | high: Fast; "
            "Friendly` (at most 6 a side, 40 characters each).") in english
    dutch = help_text(ShowHelp(), escape, "nl")
    assert "Redenen na de score: `team set &lt;team&gt; reasons off`" in dutch


async def test_after_the_prompt_expired_nothing_more_is_recorded(
    services: Services, close: Close, clock: FakeClock
) -> None:
    prompt_id, view = await rated(services, close, 3)
    clock.advance(days=8)
    late = await after_score.choose_reason(services, prompt_id, JAN, "slow", receipt_of(view),
                                           on=True)
    assert late.problem is not None and "expired" in late.problem
    rating = await services.store.rating_of_prompt(prompt_id)
    assert rating is not None
    assert await services.store.after_score(rating.id) == AfterScore()
