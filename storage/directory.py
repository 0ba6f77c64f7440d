"""A chat platform's directory, cached: platform user id, time zone and language by email.

The email itself is not kept: each entry is found by a keyed hash of it (the database's
erasure key, `storage.erased`), so the table names nobody to someone reading it without
the key. What the platform lists changes little between syncs; a page writes only the
entries whose change stamp moved, and marks the others seen in one statement.

A page also tells the people ratebot already knows by email who they are on Slack (their
id, and time zone and language where none is known): their prompts then go out without a
directory read or a person write of their own, which is what lets a first fan-out keep
pace with the pages.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus
from bot.domain.personal_data import erasure_markers
from bot.ports.store.directory import DirectoryEntry, DirectoryPage
from storage.base import StoreBase, insert_for, normalize_email
from storage.erased import erasure_key, known_markers
from storage.prepared import prepared
from storage.schema import metadata, people, prompts
from storage.types import UtcDateTime

chat_directory = sa.Table(
    "chat_directory",
    metadata,
    sa.Column("platform", sa.String(16), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("email_hash", sa.String(64), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("locale", sa.String(35), nullable=True),
    sa.Column("updated", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("seen_at", UtcDateTime(), nullable=False),
    sa.Index("ix_chat_directory_platform_email_hash", "platform", "email_hash"),
    sa.Index("ix_chat_directory_seen_at", "seen_at"),
)


def email_hash(key: bytes, email: str) -> str:
    """The keyed hash an entry is found by (its own domain: never equal to an erasure marker)."""
    address = normalize_email(email) or ""
    return hmac.new(key, f"directory:{address}".encode(), hashlib.sha256).hexdigest()


class DirectoryQueries(StoreBase):
    """Mixed into `SqlStore`: the `Directory` part."""

    async def save_directory_page(
        self, platform: str, entries: Sequence[DirectoryEntry], gone: Sequence[str], *,
        at: datetime, waiting_reason: str,
    ) -> DirectoryPage:
        table = chat_directory
        async with self._write() as connection:
            key = await erasure_key(connection, self.erasure_key)
            kept = await _not_erased(connection, key, entries)
            stamps = await _stamps(connection, platform, [e.user_id for e in kept])
            changed = [e for e in kept if stamps.get(e.user_id) != e.updated]
            unchanged = [e.user_id for e in kept if stamps.get(e.user_id) == e.updated]
            if changed:
                rows = [_row(platform, key, entry, at) for entry in changed]
                insert = insert_for(connection, table)
                await connection.execute(
                    insert.on_conflict_do_update(
                        index_elements=[table.c.platform, table.c.user_id],
                        set_={name: insert.excluded[name] for name in
                              ("email_hash", "timezone", "locale", "updated", "seen_at")},
                    ),
                    rows,
                )
            if unchanged:
                await connection.execute(
                    sa.update(table)
                    .where(table.c.platform == platform, table.c.user_id.in_(unchanged))
                    .values(seen_at=at)
                )
            dropped = await _drop(connection, platform, list(gone)) if gone else 0
            if platform == "slack" and kept:
                await connection.execute(_FILL_PEOPLE(connection), [
                    {"b_email": normalize_email(e.email), "b_uid": e.user_id,
                     "b_tz": e.timezone, "b_locale": e.locale, "b_at": at} for e in kept
                ])
            due = await _due_again(connection, [e.email for e in kept], at, waiting_reason)
            return DirectoryPage(written=len(changed), dropped=dropped, due_again=due)

    async def directory_entry(self, platform: str, email: str) -> DirectoryEntry | None:
        async with self._read() as connection:
            key = await erasure_key(connection, self.erasure_key, create=False)
            if key is None:
                return None  # no page was ever saved: the key is made with the first
            row = (await connection.execute(_FIND(connection), {
                "b_platform": platform, "b_hash": email_hash(key, email)})).first()
        if row is None:
            return None
        return DirectoryEntry(user_id=row.user_id, email=normalize_email(email) or email,
                              timezone=row.timezone, locale=row.locale, updated=row.updated)

    async def drop_directory_unseen(self, platform: str, *, before: datetime) -> int:
        table = chat_directory
        async with self._write() as connection:
            result = await connection.execute(
                sa.delete(table).where(table.c.platform == platform, table.c.seen_at < before)
            )
            return int(result.rowcount or 0)

    async def end_directory_waits(self, reason: str, *, at: datetime) -> int:
        async with self._write() as connection:
            result = await connection.execute(
                sa.update(prompts)
                .where(_waiting(reason, at))
                .values(next_attempt_at=at)
            )
            return int(result.rowcount or 0)


async def forget_in_directory(
    connection: AsyncConnection, who: PersonIdentity, configured_key: str
) -> int:
    """Drop every directory entry of `who` (by platform id and by email), inside an erasure."""
    table = chat_directory
    conditions = []
    if who.slack_user_id:
        conditions.append(sa.and_(table.c.platform == "slack",
                                  table.c.user_id == who.slack_user_id))
    key = await erasure_key(connection, configured_key, create=False)
    if who.email and key is not None:
        conditions.append(table.c.email_hash == email_hash(key, who.email))
    if not conditions:
        return 0
    result = await connection.execute(sa.delete(table).where(sa.or_(*conditions)))
    return int(result.rowcount or 0)


@prepared
def _FIND(dialect: str) -> sa.Select[tuple[str, str | None, str | None, int]]:
    table = chat_directory
    return (
        sa.select(table.c.user_id, table.c.timezone, table.c.locale, table.c.updated)
        .where(table.c.platform == sa.bindparam("b_platform"),
               table.c.email_hash == sa.bindparam("b_hash"))
        .limit(1)
    )


@prepared
def _FILL_PEOPLE(dialect: str) -> sa.Update:
    """Someone known by email and not yet by Slack id gets theirs (unless another person
    row holds it: a Slack click before any close), with time zone and language if unknown."""
    holder = people.alias("holder")
    return (
        sa.update(people)
        .where(
            people.c.email == sa.bindparam("b_email"),
            people.c.slack_user_id.is_(None),
            ~sa.exists().where(holder.c.slack_user_id == sa.bindparam("b_uid")),
        )
        .values(
            slack_user_id=sa.bindparam("b_uid"),
            timezone=sa.func.coalesce(people.c.timezone, sa.bindparam("b_tz", type_=sa.String)),
            locale=sa.func.coalesce(people.c.locale, sa.bindparam("b_locale", type_=sa.String)),
            updated_at=sa.bindparam("b_at", type_=UtcDateTime()),
        )
    )


def _row(platform: str, key: bytes, entry: DirectoryEntry, at: datetime) -> dict[str, object]:
    return {
        "platform": platform, "user_id": entry.user_id,
        "email_hash": email_hash(key, entry.email), "timezone": entry.timezone,
        "locale": entry.locale, "updated": entry.updated, "seen_at": at,
    }


async def _not_erased(
    connection: AsyncConnection, key: bytes, entries: Sequence[DirectoryEntry]
) -> list[DirectoryEntry]:
    """The entries of people who did not erase themselves (`forget me` keeps them out)."""
    markers = {
        entry.user_id: erasure_markers(
            key, PersonIdentity(email=entry.email, slack_user_id=entry.user_id))
        for entry in entries
    }
    erased = await known_markers(connection, [m for found in markers.values() for m in found])
    if not erased:
        return list(entries)
    return [entry for entry in entries if not erased.intersection(markers[entry.user_id])]


async def _stamps(
    connection: AsyncConnection, platform: str, user_ids: list[str]
) -> dict[str, int]:
    if not user_ids:
        return {}
    table = chat_directory
    found = await connection.execute(
        sa.select(table.c.user_id, table.c.updated)
        .where(table.c.platform == platform, table.c.user_id.in_(user_ids))
    )
    return {row.user_id: row.updated for row in found}


async def _drop(connection: AsyncConnection, platform: str, user_ids: list[str]) -> int:
    if not user_ids:
        return 0
    table = chat_directory
    result = await connection.execute(
        sa.delete(table).where(table.c.platform == platform, table.c.user_id.in_(user_ids))
    )
    return int(result.rowcount or 0)


async def _due_again(
    connection: AsyncConnection, emails: list[str], at: datetime, reason: str
) -> int:
    """Make due now the pending prompts of these people that were waiting for the directory."""
    addresses = sorted({a for a in (normalize_email(e) for e in emails) if a})
    if not addresses:
        return 0
    whose = sa.select(people.c.id).where(people.c.email.in_(addresses))
    result = await connection.execute(
        sa.update(prompts)
        .where(_waiting(reason, at), prompts.c.person_id.in_(whose))
        .values(next_attempt_at=at)
    )
    return int(result.rowcount or 0)


def _waiting(reason: str, at: datetime) -> sa.ColumnElement[bool]:
    """Pending prompts put off with `reason`, not claimed, not yet due at `at`."""
    return sa.and_(
        prompts.c.status == PromptStatus.PENDING.value,
        prompts.c.reason == reason,
        prompts.c.claim_token.is_(None),
        prompts.c.next_attempt_at > at,
    )
