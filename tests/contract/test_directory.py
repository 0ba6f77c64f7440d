"""The chat directory part of the store, on every engine: kept by keyed hash, written only
when changed, dropped when unseen, and gone with a person's own erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.domain.identity import PersonIdentity
from bot.ports.store.directory import DirectoryEntry
from storage.directory import chat_directory
from storage.store import SqlStore

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WAITING = "slack: waiting for the directory"


def entry(user_id: str, email: str, *, updated: int = 1, tz: str = "Europe/Amsterdam"
          ) -> DirectoryEntry:
    return DirectoryEntry(user_id=user_id, email=email, timezone=tz, locale="nl-NL",
                          updated=updated)


async def rows(store: SqlStore) -> list[dict[str, object]]:
    async with store.engine.connect() as connection:
        found = await connection.execute(sa.select(chat_directory))
        return [dict(row._mapping) for row in found]


async def test_an_entry_is_found_by_email_in_any_case_and_the_email_is_not_stored(
    store: SqlStore,
) -> None:
    page = await store.save_directory_page(
        "slack", [entry("UJAN", "Jan@Example.com")], [], at=NOW, waiting_reason=WAITING)
    assert page.written == 1
    found = await store.directory_entry("slack", "jan@EXAMPLE.com")
    assert found is not None
    assert (found.user_id, found.timezone, found.locale) == ("UJAN", "Europe/Amsterdam", "nl-NL")
    assert await store.directory_entry("slack", "piet@example.com") is None
    assert await store.directory_entry("teams", "jan@example.com") is None
    stored = await rows(store)
    assert "example.com" not in repr(stored).lower()


async def test_a_page_writes_only_what_changed_and_drops_the_gone(store: SqlStore) -> None:
    first = [entry("UJAN", "jan@example.com"), entry("UPIET", "piet@example.com")]
    await store.save_directory_page("slack", first, [], at=NOW, waiting_reason=WAITING)
    again = [entry("UJAN", "jan@example.com"),
             entry("UPIET", "piet@example.com", updated=2, tz="Europe/London")]
    later = NOW + timedelta(hours=6)
    page = await store.save_directory_page("slack", again, ["UGONE"], at=later,
                                           waiting_reason=WAITING)
    assert (page.written, page.dropped) == (1, 0)
    piet = await store.directory_entry("slack", "piet@example.com")
    assert piet is not None and piet.timezone == "Europe/London"
    # Seen again, unchanged: its row was touched, not rewritten.
    assert {r["user_id"]: r["seen_at"] for r in await rows(store)} == {
        "UJAN": later, "UPIET": later}
    page = await store.save_directory_page("slack", [], ["UJAN"], at=later,
                                           waiting_reason=WAITING)
    assert page.dropped == 1
    assert await store.directory_entry("slack", "jan@example.com") is None


async def test_entries_no_sync_saw_since_a_moment_are_dropped(store: SqlStore) -> None:
    await store.save_directory_page("slack", [entry("UOLD", "old@example.com")], [], at=NOW,
                                    waiting_reason=WAITING)
    later = NOW + timedelta(days=1)
    await store.save_directory_page("slack", [entry("UNEW", "new@example.com")], [], at=later,
                                    waiting_reason=WAITING)
    assert await store.drop_directory_unseen("slack", before=later) == 1
    assert [r["user_id"] for r in await rows(store)] == ["UNEW"]


async def test_forget_me_removes_the_entry_and_a_sync_never_brings_it_back(
    store: SqlStore,
) -> None:
    person = await store.upsert_person(
        PersonIdentity(email="jan@example.com", slack_user_id="UJAN"))
    await store.save_directory_page("slack", [entry("UJAN", "jan@example.com")], [], at=NOW,
                                    waiting_reason=WAITING)
    await store.forget_self(person.id, at=NOW)
    assert await rows(store) == []
    page = await store.save_directory_page(
        "slack", [entry("UJAN", "jan@example.com", updated=5)], [], at=NOW,
        waiting_reason=WAITING)
    assert page.written == 0
    assert await store.directory_entry("slack", "jan@example.com") is None


async def test_a_page_tells_known_people_their_slack_id_without_taking_anyones(
    store: SqlStore,
) -> None:
    jan = await store.upsert_person(PersonIdentity(email="jan@example.com", timezone="UTC"))
    # A Slack click before any close: that person row holds UPIET already.
    await store.upsert_person(PersonIdentity(slack_user_id="UPIET"))
    await store.upsert_person(PersonIdentity(email="piet@example.com"))
    await store.save_directory_page(
        "slack", [entry("UJAN", "jan@example.com"), entry("UPIET", "piet@example.com")], [],
        at=NOW, waiting_reason=WAITING)
    found = await store.find_person(email="jan@example.com")
    assert found is not None and found.id == jan.id
    # Its id now; its own time zone kept, the language it lacked filled in.
    assert (found.slack_user_id, found.timezone, found.locale) == ("UJAN", "UTC", "nl-NL")
    piet = await store.find_person(email="piet@example.com")
    assert piet is not None and piet.slack_user_id is None


async def test_an_admins_forget_drops_the_directory_entry_too(store: SqlStore) -> None:
    await store.upsert_person(PersonIdentity(email="jan@example.com", slack_user_id="UJAN"))
    await store.save_directory_page("slack", [entry("UJAN", "jan@example.com")], [], at=NOW,
                                    waiting_reason=WAITING)
    await store.forget_person("jan@example.com", actor="test:admin", at=NOW)
    assert await rows(store) == []
