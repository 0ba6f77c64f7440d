"""A click on SQLite runs its read and writes on the driver: it stores and reads exactly
what SQLAlchemy's statements did.

The same answers are recorded once on the driver and once with the driver path turned
off (SQLAlchemy's statements on the same connection); the stored text, the results and
what the normal store reads back must not differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import storage.prompt_view
import storage.recording
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, Prompt
from bot.flows.recording import record_answer
from storage.store import SqlStore
from tests.contract.support import ADMIN, PIET, T0, answer, sent_prompt, team

# Not UTC, with microseconds: both need converting on the way in and out.
AT = datetime(2026, 11, 25, 17, 42, 7, 123456, tzinfo=timezone(timedelta(hours=1)))
RATING_TEXT = (
    "SELECT team_id, person_id, agent_id, scale, score, category, comment, rated_at,"
    " updated_at, awaiting_batch, prompt_id IS NULL FROM ratings WHERE id = ?"
)
FOLLOW_UP_TEXT = (
    "SELECT team_id, status, created_at, claimed_by, note FROM follow_ups WHERE rating_id = ?"
)
LATER = AT + timedelta(minutes=3, microseconds=1)
PROMPT_TEXT = (
    "SELECT status, answered_at, claimed_until, updated_at, attempts FROM prompts WHERE id = ?"
)


@pytest.fixture
def engine_name() -> str:
    return "sqlite"  # the driver path is SQLite's alone


class _Nothing:
    """What no connection is: with it in place of `InlineConnection`, SQLAlchemy runs all."""


@contextmanager
def sqlalchemy_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as patched:
        patched.setattr(storage.recording, "InlineConnection", _Nothing)
        patched.setattr(storage.prompt_view, "InlineConnection", _Nothing)
        yield


@contextmanager
def statements_through_sqlalchemy() -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()).upper())

    sa.event.listen(Engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(Engine, "before_cursor_execute", before)


async def _raw(store: SqlStore, text: str, key: int) -> tuple[Any, ...]:
    async with store.engine.connect() as connection:
        return tuple((await connection.exec_driver_sql(text, (key,))).one())


async def _prompts(store: SqlStore) -> tuple[Prompt, Prompt]:
    await store.upsert_person(PersonIdentity(email=PIET, slack_user_id="UPIET"))
    await store.set_team_channel("servicedesk", "slack", "alert", "C-ALERTS", actor=ADMIN, at=T0)
    await store.set_team_channel("servicedesk", "slack", "digest", "C-DIGEST", actor=ADMIN, at=T0)
    return await sent_prompt(store, "T-1"), await sent_prompt(store, "T-2")


async def test_a_first_click_stores_on_the_driver_what_sqlalchemy_stored(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await team(store)
    on_driver, on_sqlalchemy = await _prompts(store)
    with statements_through_sqlalchemy() as seen:
        first = await record_answer(store, answer(on_driver, 3, at=AT))
    assert not any(text.startswith(("INSERT INTO RATINGS", "UPDATE PROMPTS")) for text in seen)
    with sqlalchemy_path(monkeypatch), statements_through_sqlalchemy() as seen:
        second = await record_answer(store, answer(on_sqlalchemy, 3, at=AT))
    assert any(text.startswith("INSERT INTO RATINGS") for text in seen)
    assert await _raw(store, RATING_TEXT, first.rating.id) == await _raw(
        store, RATING_TEXT, second.rating.id
    )
    assert await _raw(store, PROMPT_TEXT, on_driver.id) == await _raw(
        store, PROMPT_TEXT, on_sqlalchemy.id
    )
    for result, prompt in ((first, on_driver), (second, on_sqlalchemy)):
        # What the click returns is what the normal store reads back.
        assert result.rating == await store.rating_of_prompt(prompt.id)
        assert result.rating.rated_at == AT and result.rating.rated_at.tzinfo is UTC
        assert result.follow_up_id is not None  # a detractor: the same follow-up opened
    assert await store.get_prompt(on_driver.id) == _renumbered(
        await store.get_prompt(on_sqlalchemy.id), on_driver
    )
    assert await _raw(store, FOLLOW_UP_TEXT, first.rating.id) == await _raw(
        store, FOLLOW_UP_TEXT, second.rating.id
    )


async def test_a_changed_click_stores_on_the_driver_what_sqlalchemy_stored(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await team(store)
    on_driver, on_sqlalchemy = await _prompts(store)
    firsts = [await record_answer(store, answer(prompt, 8, at=AT))
              for prompt in (on_driver, on_sqlalchemy)]
    with statements_through_sqlalchemy() as seen:
        first = await record_answer(
            store, answer(on_driver, 2, at=LATER, receipt=firsts[0].receipt)
        )
    assert not any(text.startswith(("UPDATE RATINGS", "INSERT INTO FOLLOW_UPS")) for text in seen)
    with sqlalchemy_path(monkeypatch):
        second = await record_answer(
            store, answer(on_sqlalchemy, 2, at=LATER, receipt=firsts[1].receipt)
        )
    assert (first.changed, first.follow_up_id is not None) == (True, True)
    assert await _raw(store, RATING_TEXT, first.rating.id) == await _raw(
        store, RATING_TEXT, second.rating.id
    )
    assert await _raw(store, FOLLOW_UP_TEXT, first.rating.id) == await _raw(
        store, FOLLOW_UP_TEXT, second.rating.id
    )
    for result, prompt in ((first, on_driver), (second, on_sqlalchemy)):
        assert result.rating == await store.rating_of_prompt(prompt.id)
        assert result.rating.score == 2 and result.rating.rated_at == AT


def _renumbered(prompt: Prompt | None, like: Prompt) -> Prompt:
    assert prompt is not None
    return prompt.__class__(**{
        **{name: getattr(prompt, name) for name in prompt.__dataclass_fields__},
        "id": like.id, "conversation_id": like.conversation_id, "message_ref": like.message_ref,
    })


async def test_an_anonymous_click_stores_the_same_on_both_paths(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await team(store, anonymity=Anonymity.ANONYMOUS)
    on_driver, on_sqlalchemy = await _prompts(store)
    first = await record_answer(store, answer(on_driver, 9, at=AT), anonymity_key="k")
    with sqlalchemy_path(monkeypatch):
        second = await record_answer(store, answer(on_sqlalchemy, 9, at=AT), anonymity_key="k")
    # Kept apart from their prompts, under the random ids the core chose.
    assert first.rating.prompt_id is None and second.rating.prompt_id is None
    assert await _raw(store, RATING_TEXT, first.rating.id) == await _raw(
        store, RATING_TEXT, second.rating.id
    )
    assert first.rating == second.rating.__class__(**{
        **{name: getattr(second.rating, name) for name in second.rating.__dataclass_fields__},
        "id": first.rating.id,
    })


async def test_the_facts_of_a_click_read_the_same_on_both_paths(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await team(store)
    prompt, unanswered = await _prompts(store)
    await record_answer(store, answer(prompt, 4, at=AT))
    # A boolean and a timestamp of the recipient's, converted on the way out.
    await store.set_opted_out(prompt.person_id or 0, True, at=AT)
    for prompt_id in (prompt.id, unanswered.id, 9999):
        for lock in (False, True):
            clicker = PersonIdentity(slack_user_id="UPIET")
            on_driver = await store.answer_facts(prompt_id, clicker, None, lock=lock)
            with sqlalchemy_path(monkeypatch):
                on_sqlalchemy = await store.answer_facts(prompt_id, clicker, None, lock=lock)
            assert on_driver == on_sqlalchemy
    facts = await store.answer_facts(prompt.id)
    assert facts is not None and facts.rating is not None and facts.rating.rated_at == AT
    assert facts.team.channels == {("slack", "alert"): "C-ALERTS", ("slack", "digest"): "C-DIGEST"}
    assert facts.prompt.answered_at == AT and facts.prompt.created_at.tzinfo is UTC
    assert facts.recipient is not None and facts.recipient.opted_out is True
