"""Answers, comments and follow-ups: the reads and writes the recording flow composes.

No rule lives here: which rating a click is about, what anonymity hides and when a
follow-up opens are the core's (`bot.domain.rating_rules`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.answers import AnswerFacts, FollowUp, NewRating, RatingChange
from bot.domain.errors import InvalidValue, NotFound
from bot.domain.identity import PersonIdentity
from bot.domain.model import FollowUpStatus, Person, PromptStatus, Rating
from storage.base import InlineConnection, StoreBase, insert_on, receipt_hash
from storage.driver import OnFirstUse
from storage.lookups import MATCH_ORDER, given_values, match_person, team_row
from storage.prepared import DriverQueries, DriverQuery, prepared
from storage.prompt_view import prompt_view
from storage.rows import CATEGORY_VALUES, follow_up_from, person_from, rating_from
from storage.schema import follow_ups, prompts, ratings


class RecordingQueries(StoreBase):
    async def answer_facts(
        self,
        prompt_id: int,
        person: PersonIdentity | None = None,
        receipt: str | None = None,
        *,
        lock: bool = False,
    ) -> AnswerFacts | None:
        async with self._write() if lock else self._read() as connection:
            view = await prompt_view(connection, prompt_id, lock=lock)
            if view is None:
                return None
            receipt_rating = None
            if view.rating is None and receipt:
                receipt_rating = await _rating_by_receipt(connection, view.team.id, receipt)
            return AnswerFacts(
                prompt=view.prompt,
                team=view.team,
                recipient=view.recipient,
                clicker=None if person is None else await _clicker(
                    connection, person, view.recipient
                ),
                agent=view.agent,
                subject=view.subject,
                ticket_id=view.ticket_id,
                rating=view.rating,
                receipt_rating=receipt_rating,
            )

    async def insert_rating(self, rating: NewRating) -> Rating | None:
        values: dict[str, Any] = {
            "team_id": rating.team_id,
            "prompt_id": rating.prompt_id,
            "person_id": rating.person_id,
            "agent_id": rating.agent_id,
            "scale": rating.scale.value,
            "score": rating.score,
            "category": CATEGORY_VALUES[rating.category],
            "comment": None,
            "receipt_hash": receipt_hash(rating.receipt),
            "rated_at": rating.rated_at,
            "updated_at": rating.updated_at,
            # An anonymous rating waits for the nightly batch to lose its place.
            "awaiting_batch": rating.prompt_id is None,
        }
        if rating.id is not None:
            values["id"] = rating.id
        linked = rating.prompt_id is not None
        async with self._write() as connection:
            if isinstance(connection, InlineConnection):
                insert = "insert_rating" if linked else "insert_unlinked_rating"
                found = _driver(insert, tuple(values)).rows(connection, values)
                row = found[0] if found else None
            else:
                statement = _INSERT_RATING if linked else _INSERT_UNLINKED_RATING
                row = (await connection.execute(statement(connection), values)).first()
        # Only the id comes back: the rest is what was just written.
        return None if row is None else stored_rating(rating, int(row[0]))

    async def rating_of_prompt(self, prompt_id: int) -> Rating | None:
        async with self._read() as connection:
            row = (
                await connection.execute(_RATING_OF_PROMPT(connection), {"prompt_id": prompt_id})
            ).first()
        return None if row is None else rating_from(row)

    async def update_rating(self, rating_id: int, change: RatingChange) -> Rating:
        values: dict[str, Any] = {}
        if change.score is not None:
            values["score"] = change.score
        if change.category is not None:
            values["category"] = CATEGORY_VALUES[change.category]
        if change.comment is not None:
            values["comment"] = change.comment
        if change.receipt is not None:
            values["receipt_hash"] = receipt_hash(change.receipt)
        if change.updated_at is not None:
            values["updated_at"] = change.updated_at
        async with self._write() as connection:
            if not values:
                row = (
                    await connection.execute(sa.select(ratings).where(ratings.c.id == rating_id))
                ).first()
            elif isinstance(connection, InlineConnection):
                update = _driver("update_rating", tuple(values))
                found = update.rows(connection, {"b_id": rating_id, **values})
                row = update.named(found[0]) if found else None
            else:
                row = (
                    await connection.execute(
                        _UPDATE_RATING(connection), {"b_id": rating_id, **values}
                    )
                ).first()
        if row is None:
            raise NotFound("That rating no longer exists.")
        return rating_from(row)

    async def mark_prompt_answered(
        self, prompt_id: int, *, answered_at: datetime | None, updated_at: datetime
    ) -> None:
        values = {
            "b_id": prompt_id,
            "status": PromptStatus.ANSWERED.value,
            "answered_at": answered_at,
            "claimed_until": None,
            "updated_at": updated_at,
        }
        async with self._write() as connection:
            if isinstance(connection, InlineConnection):
                _DRIVER_UPDATE_PROMPT(0).run(connection, values)
            else:
                await connection.execute(_UPDATE_PROMPT(connection), values)

    async def open_follow_up(
        self, rating_id: int, team_id: int, *, created_at: datetime,
        follow_up_id: int | None = None,
    ) -> int | None:
        values: dict[str, Any] = {
            "rating_id": rating_id,
            "team_id": team_id,
            "status": FollowUpStatus.OPEN.value,
            "created_at": created_at,
        }
        if follow_up_id is not None:
            values["id"] = follow_up_id
        async with self._write() as connection:
            if isinstance(connection, InlineConnection):
                rows = _driver("open_follow_up", tuple(values)).rows(connection, values)
                found = rows[0][0] if rows else None
            else:
                inserted = await connection.execute(_OPEN_FOLLOW_UP(connection), values)
                found = inserted.scalar()
        return None if found is None else int(found)

    # follow-ups ------------------------------------------------------------
    async def get_follow_up(self, follow_up_id: int) -> FollowUp | None:
        async with self._read() as connection:
            row = (
                await connection.execute(
                    sa.select(follow_ups).where(follow_ups.c.id == follow_up_id)
                )
            ).first()
            return None if row is None else follow_up_from(row)

    async def claim_follow_up(
        self, follow_up_id: int, person_id: int, *, at: datetime
    ) -> FollowUp:
        return await self._move_follow_up(
            follow_up_id,
            {"status": FollowUpStatus.CLAIMED.value, "claimed_by": person_id, "claimed_at": at},
        )

    async def resolve_follow_up(
        self, follow_up_id: int, person_id: int, note: str | None, *, at: datetime
    ) -> FollowUp:
        return await self._move_follow_up(
            follow_up_id,
            {
                "status": FollowUpStatus.RESOLVED.value,
                "resolved_by": person_id,
                "resolved_at": at,
                "note": note,
            },
        )

    async def set_follow_up_alert(self, follow_up_id: int, platform: str, ref: str) -> None:
        async with self._write() as connection:
            updated = await connection.execute(
                sa.update(follow_ups)
                .where(follow_ups.c.id == follow_up_id)
                .values(alert_platform=platform, alert_ref=ref)
                .returning(follow_ups.c.id)
            )
            if updated.scalar() is None:
                raise NotFound("That follow-up no longer exists.")

    async def open_follow_ups(self, team: str | None = None) -> list[FollowUp]:
        query = (
            sa.select(follow_ups)
            .where(follow_ups.c.status != FollowUpStatus.RESOLVED.value)
            .order_by(follow_ups.c.created_at, follow_ups.c.id)
        )
        async with self._read() as connection:
            if team is not None:
                query = query.where(follow_ups.c.team_id == (await team_row(connection, team)).id)
            return [follow_up_from(row) for row in await connection.execute(query)]

    async def _move_follow_up(self, follow_up_id: int, values: dict[str, Any]) -> FollowUp:
        async with self._write() as connection:
            # One UPDATE decides: two people claiming at once cannot both see "open".
            row = (
                await connection.execute(
                    sa.update(follow_ups)
                    .where(
                        follow_ups.c.id == follow_up_id,
                        follow_ups.c.status != FollowUpStatus.RESOLVED.value,
                    )
                    .values(**values)
                    .returning(*follow_ups.c)
                )
            ).first()
            if row is not None:
                return follow_up_from(row)
            exists = (
                await connection.execute(
                    sa.select(follow_ups.c.id).where(follow_ups.c.id == follow_up_id)
                )
            ).first()
            if exists is None:
                raise NotFound("That follow-up no longer exists.")
            raise InvalidValue("This follow-up is already resolved.")


# Statements of every click, built once (see storage.prepared).
_UPDATE_PROMPT = prepared(lambda _: sa.update(prompts).where(prompts.c.id == sa.bindparam("b_id")))
_UPDATE_RATING = prepared(
    lambda _: sa.update(ratings).where(ratings.c.id == sa.bindparam("b_id")).returning(*ratings.c)
)
_RATING_OF_PROMPT = prepared(
    lambda _: sa.select(ratings).where(ratings.c.prompt_id == sa.bindparam("prompt_id"))
)
_RATING_BY_RECEIPT = prepared(
    lambda _: sa.select(ratings).where(
        ratings.c.receipt_hash == sa.bindparam("receipt_hash"),
        ratings.c.team_id == sa.bindparam("team_id"),
    )
)
_INSERT_RATING = prepared(
    lambda dialect: insert_on(dialect, ratings)
    # A concurrent first click on the same prompt may win: then nothing comes back.
    .on_conflict_do_nothing(index_elements=[ratings.c.prompt_id])
    .returning(ratings.c.id)
)
# A rating without a prompt (an anonymous one) has nothing to conflict on.
_INSERT_UNLINKED_RATING = prepared(lambda _: sa.insert(ratings).returning(ratings.c.id))
_OPEN_FOLLOW_UP = prepared(
    lambda dialect: insert_on(dialect, follow_ups)
    .on_conflict_do_nothing(index_elements=[follow_ups.c.rating_id])
    .returning(follow_ups.c.id)
)

# SQLite's texts of the same statements, run on the driver (storage.prepared.DriverQuery),
# by the names of the values they set: built on first use.
def _values(names: tuple[str, ...]) -> dict[str, Any]:
    return {name: sa.bindparam(name) for name in names}


_DRIVER_BUILDS: dict[str, Callable[[tuple[str, ...]], Any]] = {
    "insert_rating": lambda names: insert_on("sqlite", ratings).values(_values(names))
    .on_conflict_do_nothing(index_elements=[ratings.c.prompt_id]).returning(ratings.c.id),
    "insert_unlinked_rating": lambda names: sa.insert(ratings).values(_values(names))
    .returning(ratings.c.id),
    "update_rating": lambda names: sa.update(ratings)
    .where(ratings.c.id == sa.bindparam("b_id")).values(_values(names)).returning(*ratings.c),
    "open_follow_up": lambda names: insert_on("sqlite", follow_ups).values(_values(names))
    .on_conflict_do_nothing(index_elements=[follow_ups.c.rating_id]).returning(follow_ups.c.id),
}
_DRIVER: OnFirstUse[tuple[str, tuple[str, ...]], DriverQuery] = OnFirstUse(
    lambda key: DriverQuery(_DRIVER_BUILDS[key[0]](key[1]))
)
_DRIVER_UPDATE_PROMPT = DriverQueries(
    lambda _: sa.update(prompts)
    .where(prompts.c.id == sa.bindparam("b_id"))
    .values(_values(("status", "answered_at", "claimed_until", "updated_at")))
)


def _driver(kind: str, names: tuple[str, ...]) -> DriverQuery:
    return _DRIVER((kind, names))


def stored_rating(rating: NewRating, rating_id: int) -> Rating:
    """The rating `rating` became once stored as `rating_id`, as reading it back gives it."""
    return Rating(
        id=rating_id,
        team_id=rating.team_id,
        prompt_id=rating.prompt_id,
        person_id=rating.person_id,
        agent_id=rating.agent_id,
        scale=rating.scale,
        score=rating.score,
        comment=None,
        rated_at=rating.rated_at.astimezone(UTC),
    )


async def _clicker(
    connection: AsyncConnection, identity: PersonIdentity, recipient: Person | None
) -> Person | None:
    """The stored person who clicked, found as `match_person` would find them.

    Nearly every click is the recipient's own: when the identity's first id (the one
    `match_person` tries first) is the recipient's, no query is needed.
    """
    given = given_values(identity)
    first = next((key for key in MATCH_ORDER if given[key]), None)
    if recipient is not None and first is not None and getattr(recipient, first) == given[first]:
        return recipient
    row = await match_person(connection, identity)
    return None if row is None else person_from(row)


async def _rating_by_receipt(
    connection: AsyncConnection, team_id: int, receipt: str
) -> Rating | None:
    """The rating of `team_id` whose receipt this is (anonymous ratings have no other key)."""
    row = (
        await connection.execute(
            _RATING_BY_RECEIPT(connection),
            {"receipt_hash": receipt_hash(receipt), "team_id": team_id},
        )
    ).first()
    return None if row is None else rating_from(row)
