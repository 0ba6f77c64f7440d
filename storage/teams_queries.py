"""Microsoft Teams: stored conversation references and who started each channel thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation
from storage.base import StoreBase, insert_for, insert_on
from storage.lookups import person_by_id
from storage.prepared import HotQuery, prepared
from storage.schema import teams_conversations, teams_threads

_NEWEST = (teams_conversations.c.updated_at.desc(), teams_conversations.c.id.desc())


def _conversation(row: Any) -> TeamsConversation:
    return TeamsConversation(
        conversation_id=row.conversation_id,
        kind=row.kind,
        tenant_id=row.tenant_id,
        service_url=row.service_url,
        reference=row.reference,
        person_id=row.person_id,
        team_id=row.team_id,
        updated_at=row.updated_at,
    )


_COLUMNS = ("kind", "tenant_id", "service_url", "reference", "person_id", "team_id",
            "updated_at")


def _values(conversation: TeamsConversation, at: datetime) -> dict[str, Any]:
    return {
        "kind": conversation.kind,
        "tenant_id": conversation.tenant_id,
        "service_url": conversation.service_url,
        "reference": conversation.reference,
        "person_id": conversation.person_id,
        "team_id": conversation.team_id,
        "updated_at": at,
    }


def _save(dialect: str, *, only_news: bool = False) -> Any:
    """Insert or update one conversation; every value is a parameter (storage.prepared).

    `only_news`: update only where the new values tell something the stored row does
    not (a None tells nothing, as below), and return the row's id when it wrote.
    """
    insert = insert_on(dialect, teams_conversations).values(
        {name: sa.bindparam(name) for name in ("conversation_id", *_COLUMNS)})
    new, stored = insert.excluded, teams_conversations.c
    news = sa.or_(
        new.reference != stored.reference,
        new.service_url != stored.service_url,
        *(sa.and_(new_value.is_not(None), new_value.is_distinct_from(old))
          for new_value, old in ((new.tenant_id, stored.tenant_id),
                                 (new.person_id, stored.person_id),
                                 (new.team_id, stored.team_id))),
    )
    saving = insert.on_conflict_do_update(
        index_elements=[stored.conversation_id],
        set_={
            "kind": new.kind, "service_url": new.service_url, "reference": new.reference,
            "updated_at": new.updated_at,
            # A later activity may lack what an earlier one told (the tenant, the team):
            # keep what is known.
            "tenant_id": sa.func.coalesce(new.tenant_id, stored.tenant_id),
            "person_id": sa.func.coalesce(new.person_id, stored.person_id),
            "team_id": sa.func.coalesce(new.team_id, stored.team_id),
        },
        where=news if only_news else None,
    )
    return saving.returning(stored.id) if only_news else saving


# Every activity's conversation may be saved: built once.
_SAVE = prepared(_save)
_REMEMBER = HotQuery(lambda dialect: _save(dialect, only_news=True))
_BY_ID = sa.select(teams_conversations).where(
    teams_conversations.c.conversation_id == sa.bindparam("id")
)


class TeamsQueries(StoreBase):
    """Mixed into `SqlStore`."""

    async def save_teams_conversation(
        self, conversation: TeamsConversation, *, at: datetime
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                _SAVE(connection), {"conversation_id": conversation.conversation_id,
                                    **_values(conversation, at)}
            )

    async def remember_teams_conversation(
        self, conversation: TeamsConversation, *, at: datetime
    ) -> bool:
        values = {"conversation_id": conversation.conversation_id,
                  **_values(conversation, at)}
        async with self._write() as connection:
            return bool(await _REMEMBER.rows(connection, values))

    async def teams_conversation(self, conversation_id: str) -> TeamsConversation | None:
        async with self._read() as connection:
            row = (await connection.execute(_BY_ID, {"id": conversation_id})).first()
        return None if row is None else _conversation(row)

    async def teams_personal_conversation(self, person_id: int) -> TeamsConversation | None:
        query = (
            sa.select(teams_conversations)
            .where(
                teams_conversations.c.person_id == person_id,
                teams_conversations.c.kind == "personal",
            )
            .order_by(*_NEWEST)
            .limit(1)
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _conversation(row)

    async def teams_team_conversations(self, tenant_id: str | None) -> list[TeamsConversation]:
        query = (
            sa.select(teams_conversations)
            .where(teams_conversations.c.team_id.is_not(None))
            .order_by(*_NEWEST)
        )
        if tenant_id is not None:
            query = query.where(teams_conversations.c.tenant_id == tenant_id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        seen: set[str] = set()
        found = []
        for row in rows:
            if row.team_id not in seen:
                seen.add(row.team_id)
                found.append(_conversation(row))
        return found

    async def teams_newest_conversation(self, tenant_id: str | None) -> TeamsConversation | None:
        query = sa.select(teams_conversations).order_by(*_NEWEST).limit(1)
        if tenant_id is not None:
            query = query.where(teams_conversations.c.tenant_id == tenant_id)
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _conversation(row)

    async def save_teams_thread(self, thread_id: str, person_id: int, *, at: datetime) -> None:
        async with self._write() as connection:
            await connection.execute(
                insert_for(connection, teams_threads)
                .values(thread_id=thread_id, person_id=person_id, created_at=at)
                # The first author is the requester: a later message never replaces them.
                .on_conflict_do_nothing(index_elements=[teams_threads.c.thread_id])
            )

    async def teams_thread_author(self, thread_id: str) -> Person | None:
        async with self._read() as connection:
            person_id = (
                await connection.execute(
                    sa.select(teams_threads.c.person_id).where(
                        teams_threads.c.thread_id == thread_id
                    )
                )
            ).scalar()
            return await person_by_id(connection, person_id)

    async def forget_teams_person(self, person_id: int) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.delete(teams_conversations).where(teams_conversations.c.person_id == person_id)
            )
            await connection.execute(
                sa.delete(teams_threads).where(teams_threads.c.person_id == person_id)
            )
