"""Answers, comments and the follow-ups that detractors open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.errors import InvalidValue, NotFound, NotRecipient
from bot.model import Anonymity, FollowUpStatus, Prompt, PromptStatus, Rating, Team
from bot.ports import Answer, AnswerCheck, AnswerContext, FollowUp, PersonIdentity, RatingResult
from bot.scales import Category, Scale
from storage.base import StoreBase, insert_for, receipt_hash
from storage.lookups import match_person, person_by_id, team_by_id, team_row
from storage.rows import CATEGORY_VALUES, follow_up_from, person_from, prompt_from, rating_from
from storage.schema import conversations, follow_ups, prompts, ratings
from storage.types import midnight_utc


class RecordingQueries(StoreBase):
    async def answer_prompt(self, answer: Answer, check: AnswerCheck) -> RatingResult:
        async with self._write() as connection:
            prompt = await self._prompt(connection, answer.prompt_id, lock=True)
            team = await team_by_id(connection, prompt.team_id)
            anonymous = team.anonymity is Anonymity.ANONYMOUS
            clicker_row = await match_person(connection, answer.person)
            existing = await _rating_for(connection, prompt, team, answer.receipt)
            context = AnswerContext(
                prompt=prompt,
                team=team,
                recipient=await person_by_id(connection, prompt.person_id),
                clicker=None if clicker_row is None else person_from(clicker_row),
                existing=None if existing is None else rating_from(existing),
            )
            check(context, answer)
            receipt = answer.receipt or answer.new_receipt
            if existing is None:
                rating_id = await _insert_rating(connection, prompt, team, answer)
                if rating_id is not None:
                    category = team.scale.classify(answer.score)
                    await connection.execute(
                        sa.update(prompts)
                        .where(prompts.c.id == prompt.id)
                        .values(
                            status=PromptStatus.ANSWERED.value,
                            answered_at=None if anonymous else answer.at,
                            claimed_until=None,
                            updated_at=_stamp(team, answer.at),
                        )
                    )
                    follow_up_id = await _open_follow_up(
                        connection, rating_id, team, category, answer.at
                    )
                    return RatingResult(
                        rating=await _rating(connection, rating_id),
                        category=category,
                        created=True,
                        changed=True,
                        receipt=receipt,
                        follow_up_id=follow_up_id,
                    )
                # A concurrent first click stored the rating first: change that one.
                existing = await _rating_for(connection, prompt, team, answer.receipt)
                assert existing is not None
            return await _change(connection, existing, team, answer, receipt)

    async def add_comment(
        self, prompt_id: int, person: PersonIdentity, receipt: str | None, comment: str,
        *, at: datetime,
    ) -> Rating:
        async with self._write() as connection:
            prompt = await self._prompt(connection, prompt_id, lock=False)
            team = await team_by_id(connection, prompt.team_id)
            row = await _rating_for(connection, prompt, team, receipt)
            if row is None:
                raise NotFound("There is no rating to comment on yet: choose a score first.")
            commenter = await match_person(connection, person)
            if commenter is None or prompt.person_id is None or commenter.id != prompt.person_id:
                raise NotRecipient()
            await connection.execute(
                sa.update(ratings)
                .where(ratings.c.id == row.id)
                .values(comment=comment, updated_at=_stamp(team, at))
            )
            return await _rating(connection, row.id)

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

    async def _prompt(self, connection: AsyncConnection, prompt_id: int, *, lock: bool) -> Prompt:
        query = sa.select(prompts).where(prompts.c.id == prompt_id)
        if lock and self._postgres:
            query = query.with_for_update()
        row = (await connection.execute(query)).first()
        if row is None:
            raise NotFound("This rating request no longer exists.")
        return prompt_from(row)


def _stamp(team: Team, at: datetime) -> datetime:
    """When to say a rating changed: only the day in anonymous teams, so no click is timed."""
    return midnight_utc(at) if team.anonymity is Anonymity.ANONYMOUS else at


async def _rating_for(
    connection: AsyncConnection, prompt: Prompt, team: Team, receipt: str | None
) -> Any:
    """The prompt's stored rating: by prompt, or by receipt where nothing links them."""
    where: sa.ColumnElement[bool]
    if team.anonymity is Anonymity.ANONYMOUS:
        if not receipt:
            return None
        where = (ratings.c.receipt_hash == receipt_hash(receipt)) & (
            ratings.c.team_id == team.id
        )
    else:
        where = ratings.c.prompt_id == prompt.id
    return (await connection.execute(sa.select(ratings).where(where))).first()


async def _rating(connection: AsyncConnection, rating_id: int) -> Rating:
    row = (await connection.execute(sa.select(ratings).where(ratings.c.id == rating_id))).one()
    return rating_from(row)


async def _insert_rating(
    connection: AsyncConnection, prompt: Prompt, team: Team, answer: Answer
) -> int | None:
    """Store a first rating; None when another transaction stored this prompt's first."""
    if not answer.new_receipt:
        raise ValueError("a first rating needs a new receipt")
    category = CATEGORY_VALUES[team.scale.classify(answer.score)]
    values: dict[str, Any] = {
        "team_id": team.id,
        "scale": team.scale.value,
        "score": answer.score,
        "category": category,
        "receipt_hash": receipt_hash(answer.new_receipt),
    }
    if team.anonymity is Anonymity.ANONYMOUS:
        day = midnight_utc(answer.at)
        values.update(prompt_id=None, person_id=None, agent_id=None, rated_at=day, updated_at=day)
        inserted = await connection.execute(
            sa.insert(ratings).values(**values).returning(ratings.c.id)
        )
        return int(inserted.scalar_one())
    agent_id = (
        await connection.execute(
            sa.select(conversations.c.agent_id).where(
                conversations.c.id == prompt.conversation_id
            )
        )
    ).scalar()
    values.update(
        prompt_id=prompt.id,
        person_id=prompt.person_id,
        agent_id=agent_id,
        rated_at=answer.at,
        updated_at=answer.at,
    )
    inserted = await connection.execute(
        insert_for(connection, ratings)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[ratings.c.prompt_id])
        .returning(ratings.c.id)
    )
    found = inserted.scalar()
    return None if found is None else int(found)


async def _change(
    connection: AsyncConnection, row: Any, team: Team, answer: Answer, receipt: str
) -> RatingResult:
    scale = Scale(row.scale)  # the scale it was given on, even if the team changed since
    category = scale.classify(answer.score)
    changed = row.score != answer.score
    values: dict[str, Any] = {}
    if changed:
        values.update(
            score=answer.score,
            category=CATEGORY_VALUES[category],
            updated_at=_stamp(team, answer.at),
        )
    if (
        answer.receipt is None
        and answer.new_receipt
        and team.anonymity is not Anonymity.ANONYMOUS
    ):
        # The click carried no receipt: the one returned now must find the rating again.
        values["receipt_hash"] = receipt_hash(answer.new_receipt)
    if values:
        await connection.execute(sa.update(ratings).where(ratings.c.id == row.id).values(**values))
    follow_up_id = await _open_follow_up(connection, row.id, team, category, answer.at)
    return RatingResult(
        rating=await _rating(connection, row.id),
        category=category,
        created=False,
        changed=changed,
        receipt=receipt,
        follow_up_id=follow_up_id,
    )


async def _open_follow_up(
    connection: AsyncConnection, rating_id: int, team: Team, category: Category, at: datetime
) -> int | None:
    """Open the rating's follow-up when it is a detractor and has none yet."""
    if category is not Category.DETRACTOR:
        return None
    inserted = await connection.execute(
        insert_for(connection, follow_ups)
        .values(
            rating_id=rating_id,
            team_id=team.id,
            status=FollowUpStatus.OPEN.value,
            created_at=_stamp(team, at),
        )
        .on_conflict_do_nothing(index_elements=[follow_ups.c.rating_id])
        .returning(follow_ups.c.id)
    )
    found = inserted.scalar()
    return None if found is None else int(found)
