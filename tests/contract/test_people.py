"""People are matched on any id; agents, admins, exclusions; forgetting someone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.domain.errors import NotFound, UnknownTeam
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus
from bot.flows.settling import close_conversation
from storage.schema import conversations, prompts, ratings
from storage.store import SqlStore
from tests.contract.support import (
    ADMIN,
    JAN,
    T0,
    answer,
    answered,
    ask_now,
    closed,
    sent_prompt,
    team,
)


async def test_upsert_matches_on_any_id_and_fills_the_gaps(store: SqlStore) -> None:
    jan = await store.upsert_person(PersonIdentity(email="Jan@Example.com"))
    assert jan.email == JAN
    same = await store.upsert_person(
        PersonIdentity(email="jan@example.com", slack_user_id="UJAN", display_name="Jan",
                       locale="nl-NL", timezone="Europe/Amsterdam")
    )
    assert same.id == jan.id
    assert (same.slack_user_id, same.display_name, same.locale) == ("UJAN", "Jan", "nl-NL")
    # A platform id wins over the email; missing fields are filled, names updated.
    by_slack = await store.upsert_person(
        PersonIdentity(slack_user_id="UJAN", teams_user_id="29:jan", display_name="Jan V.")
    )
    assert by_slack.id == jan.id
    assert (by_slack.teams_user_id, by_slack.display_name, by_slack.email) == (
        "29:jan", "Jan V.", JAN,
    )
    by_aad = await store.upsert_person(PersonIdentity(teams_aad_object_id="aad-1", email=JAN))
    assert by_aad.id == jan.id
    assert (await store.upsert_person(PersonIdentity(teams_aad_object_id="aad-1"))).id == jan.id
    other = await store.upsert_person(PersonIdentity(email="piet@example.com"))
    assert other.id != jan.id
    # An id another person already holds is never copied onto this one.
    kim = await store.upsert_person(PersonIdentity(teams_user_id="29:kim"))
    kept = await store.upsert_person(
        PersonIdentity(teams_user_id="29:kim", email="piet@example.com")
    )
    assert (kept.id, kept.email) == (kim.id, None)
    assert (await store.find_person(email="piet@example.com")) == other


async def test_find_person_by_each_id(store: SqlStore) -> None:
    jan = await store.upsert_person(
        PersonIdentity(email=JAN, slack_user_id="UJAN", teams_user_id="29:jan")
    )
    assert await store.find_person(email="JAN@example.com") == jan
    assert await store.find_person(slack_user_id="UJAN") == jan
    assert await store.find_person(teams_user_id="29:jan") == jan
    assert await store.find_person(email="nobody@example.com") is None
    assert await store.find_person() is None


async def test_opting_out_and_back_in(store: SqlStore) -> None:
    jan = await store.upsert_person(PersonIdentity(email=JAN))
    assert (await store.set_opted_out(jan.id, True, at=T0)).opted_out
    assert (await store.find_person(email=JAN)).opted_out  # type: ignore[union-attr]
    assert not (await store.set_opted_out(jan.id, False, at=T0)).opted_out
    with pytest.raises(NotFound):
        await store.set_opted_out(9999, True, at=T0)


async def test_agents_are_added_once_and_listed(store: SqlStore) -> None:
    await team(store)
    await team(store, "infra")
    piet = await store.add_agent("servicedesk", PersonIdentity(email="Piet@example.com"),
                                 actor=ADMIN, at=T0)
    again = await store.add_agent("servicedesk", PersonIdentity(email="piet@example.com"),
                                  actor=ADMIN, at=T0)
    await store.add_agent("infra", PersonIdentity(email="piet@example.com"), actor=ADMIN, at=T0)
    assert again.id == piet.id
    assert [(name, p.email) for name, p in await store.list_agents()] == [
        ("infra", "piet@example.com"), ("servicedesk", "piet@example.com"),
    ]
    assert [name for name, _ in await store.list_agents("infra")] == ["infra"]
    with pytest.raises(UnknownTeam):
        await store.add_agent("nope", PersonIdentity(email="x@example.com"), actor=ADMIN, at=T0)


async def test_an_agent_is_removed_from_one_team_only(store: SqlStore) -> None:
    await team(store)
    await team(store, "infra")
    for name in ("servicedesk", "infra"):
        await store.add_agent(name, PersonIdentity(email="piet@example.com"), actor=ADMIN, at=T0)
    assert await store.remove_agent("servicedesk", "Piet@Example.com", actor=ADMIN, at=T0)
    assert not await store.remove_agent("servicedesk", "piet@example.com", actor=ADMIN, at=T0)
    assert not await store.remove_agent("infra", "nobody@example.com", actor=ADMIN, at=T0)
    assert [(name, p.email) for name, p in await store.list_agents()] == [
        ("infra", "piet@example.com"),
    ]
    assert [entry.action for entry in await store.audit_log()].count("agent.remove") == 1
    with pytest.raises(UnknownTeam):
        await store.remove_agent("nope", "piet@example.com", actor=ADMIN, at=T0)


async def test_admins_and_exclusions_are_lowercased_and_report_changes(store: SqlStore) -> None:
    assert await store.add_admin("Boss@Example.COM", actor=ADMIN, at=T0)
    assert not await store.add_admin("boss@example.com", actor=ADMIN, at=T0)
    assert await store.add_admin("UADMIN", actor=ADMIN, at=T0)  # a platform id keeps its case
    assert await store.list_admins() == ["UADMIN", "boss@example.com"]
    assert await store.remove_admin("BOSS@example.com", actor=ADMIN, at=T0)
    assert not await store.remove_admin("boss@example.com", actor=ADMIN, at=T0)
    assert await store.add_exclusion("@Vendor.COM", actor=ADMIN, at=T0)
    assert not await store.add_exclusion("@vendor.com", actor=ADMIN, at=T0)
    assert await store.add_exclusion("ceo@example.com", actor=ADMIN, at=T0)
    assert await store.list_exclusions() == ["@vendor.com", "ceo@example.com"]
    assert await store.remove_exclusion("@VENDOR.com", actor=ADMIN, at=T0)
    assert not await store.remove_exclusion("@vendor.com", actor=ADMIN, at=T0)


async def test_forget_keeps_ratings_without_the_person(store: SqlStore) -> None:
    await team(store)
    await store.add_admin(JAN, actor=ADMIN, at=T0)
    await store.add_agent("servicedesk", PersonIdentity(email=JAN, slack_user_id="UJAN"),
                          actor=ADMIN, at=T0)
    rated = await sent_prompt(store, "T-1")
    await answered(store, answer(rated, 9))
    waiting = (await close_conversation(store, closed("T-2"), ask_now, now=T0)).prompt
    kept = await store.forget_person("JAN@example.com", actor=ADMIN, at=T0)
    assert kept == 1
    assert await store.find_person(email=JAN) is None
    assert await store.find_person(slack_user_id="UJAN") is None
    assert await store.list_admins() == []
    assert await store.list_agents() == []
    pending = await store.get_prompt(waiting.id)
    assert pending is not None
    assert (pending.status, pending.reason, pending.person_id) == (
        PromptStatus.SKIPPED, "forgotten", None,
    )
    async with store.engine.connect() as connection:
        rating = (await connection.execute(sa.select(ratings))).one()
        links = (await connection.execute(sa.select(prompts.c.person_id))).scalars().all()
        requesters = (
            await connection.execute(sa.select(conversations.c.requester_id))
        ).scalars().all()
    assert (rating.score, rating.person_id) == (9, None)
    assert links == [None, None]
    assert requesters == [None, None]
    with pytest.raises(NotFound):
        await store.forget_person(JAN, actor=ADMIN, at=T0)
