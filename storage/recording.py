"""Answers, comments and the follow-ups that detractors open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.answers import Answer, AnswerCheck, AnswerContext, FollowUp, RatingResult
from bot.domain.errors import InvalidValue, NotFound, NotRecipient
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, FollowUpStatus, Person, PromptStatus, Rating, Team
from bot.domain.scales import Category
from storage.base import StoreBase, insert_on, receipt_hash
from storage.lookups import MATCH_ORDER, given_values, match_person, team_row
from storage.prepared import prepared
from storage.prompt_view import PromptView, prompt_view
from storage.rows import CATEGORY_VALUES, follow_up_from, person_from, rating_from
from storage.schema import follow_ups, prompts, ratings
from storage.types import midnight_utc


class RecordingQueries(StoreBase):
    async def answer_prompt(self, answer: Answer, check: AnswerCheck) -> RatingResult:
        async with self._write() as connection:
            view = await _viewed(connection, answer.prompt_id, lock=True)
            prompt, team = view.prompt, view.team
            existing = await _existing(connection, view, answer.receipt)
            context = AnswerContext(
                prompt=prompt,
                team=team,
                recipient=view.recipient,
                clicker=await _clicker(connection, answer.person, view.recipient),
                existing=existing,
            )
            check(context, answer)
            receipt = answer.receipt or answer.new_receipt
            if existing is None:
                rating = await _insert_rating(connection, view, answer)
                if rating is not None:
                    category = team.scale.classify(answer.score)
                    await connection.execute(
                        _UPDATE_PROMPT(connection),
                        {
                            "b_id": prompt.id,
                            "status": PromptStatus.ANSWERED.value,
                            "answered_at": None if team.anonymity is Anonymity.ANONYMOUS
                            else answer.at,
                            "claimed_until": None,
                            "updated_at": _stamp(team, answer.at),
                        },
                    )
                    return RatingResult(
                        rating=rating,
                        category=category,
                        created=True,
                        changed=True,
                        receipt=receipt,
                        follow_up_id=await _open_follow_up(
                            connection, rating.id, team, category, answer.at
                        ),
                        prompt=view.rendered,
                    )
                # A concurrent first click stored the rating first: change that one.
                existing = await _stored_rating(connection, view, answer.receipt)
                assert existing is not None
            return await _change(connection, existing, view, answer, receipt)

    async def add_comment(
        self, prompt_id: int, person: PersonIdentity, receipt: str | None, comment: str,
        *, at: datetime,
    ) -> Rating:
        async with self._write() as connection:
            view = await _viewed(connection, prompt_id, lock=False)
            rating = await _existing(connection, view, receipt)
            if rating is None:
                raise NotFound("There is no rating to comment on yet: choose a score first.")
            commenter = await _clicker(connection, person, view.recipient)
            if commenter is None or view.recipient is None or commenter.id != view.recipient.id:
                raise NotRecipient()
            updated = await connection.execute(
                _UPDATE_RATING(connection),
                {"b_id": rating.id, "comment": comment, "updated_at": _stamp(view.team, at)},
            )
            return rating_from(updated.one())

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


def _stamp(team: Team, at: datetime) -> datetime:
    """When to say a rating changed: only the day in anonymous teams, so no click is timed."""
    return midnight_utc(at) if team.anonymity is Anonymity.ANONYMOUS else at


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
    .returning(*ratings.c)
)
_INSERT_ANONYMOUS_RATING = prepared(lambda _: sa.insert(ratings).returning(*ratings.c))
_OPEN_FOLLOW_UP = prepared(
    lambda dialect: insert_on(dialect, follow_ups)
    .on_conflict_do_nothing(index_elements=[follow_ups.c.rating_id])
    .returning(follow_ups.c.id)
)


async def _viewed(connection: AsyncConnection, prompt_id: int, *, lock: bool) -> PromptView:
    view = await prompt_view(connection, prompt_id, lock=lock)
    if view is None:
        raise NotFound("This rating request no longer exists.")
    return view


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


async def _anonymous_rating(
    connection: AsyncConnection, team: Team, receipt: str | None
) -> Rating | None:
    """Nothing links an anonymous rating to its prompt: only its receipt finds it."""
    if not receipt:
        return None
    row = (
        await connection.execute(
            _RATING_BY_RECEIPT(connection),
            {"receipt_hash": receipt_hash(receipt), "team_id": team.id},
        )
    ).first()
    return None if row is None else rating_from(row)


async def _existing(
    connection: AsyncConnection, view: PromptView, receipt: str | None
) -> Rating | None:
    """The prompt's rating as the view read it; in anonymous teams, found by its receipt."""
    if view.team.anonymity is Anonymity.ANONYMOUS:
        return await _anonymous_rating(connection, view.team, receipt)
    return view.rating


async def _stored_rating(
    connection: AsyncConnection, view: PromptView, receipt: str | None
) -> Rating | None:
    """The prompt's rating read again, after a concurrent first click stored it."""
    if view.team.anonymity is Anonymity.ANONYMOUS:
        return await _anonymous_rating(connection, view.team, receipt)
    row = (
        await connection.execute(_RATING_OF_PROMPT(connection), {"prompt_id": view.prompt.id})
    ).first()
    return None if row is None else rating_from(row)


async def _insert_rating(
    connection: AsyncConnection, view: PromptView, answer: Answer
) -> Rating | None:
    """Store a first rating; None when another transaction stored this prompt's first."""
    if not answer.new_receipt:
        raise ValueError("a first rating needs a new receipt")
    team = view.team
    values: dict[str, Any] = {
        "team_id": team.id,
        "scale": team.scale.value,
        "score": answer.score,
        "category": CATEGORY_VALUES[team.scale.classify(answer.score)],
        "comment": None,
        "receipt_hash": receipt_hash(answer.new_receipt),
    }
    if team.anonymity is Anonymity.ANONYMOUS:
        day = midnight_utc(answer.at)
        values.update(prompt_id=None, person_id=None, agent_id=None, rated_at=day, updated_at=day)
        inserted = await connection.execute(_INSERT_ANONYMOUS_RATING(connection), values)
        return rating_from(inserted.one())
    values.update(
        prompt_id=view.prompt.id,
        person_id=view.prompt.person_id,
        agent_id=view.agent_id,
        rated_at=answer.at,
        updated_at=answer.at,
    )
    row = (await connection.execute(_INSERT_RATING(connection), values)).first()
    return None if row is None else rating_from(row)


async def _change(
    connection: AsyncConnection, existing: Rating, view: PromptView, answer: Answer, receipt: str
) -> RatingResult:
    team = view.team
    scale = existing.scale  # the scale it was given on, even if the team changed since
    category = scale.classify(answer.score)
    changed = existing.score != answer.score
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
    rating = existing
    if values:
        updated = await connection.execute(
            _UPDATE_RATING(connection), {"b_id": existing.id, **values}
        )
        rating = rating_from(updated.one())
    return RatingResult(
        rating=rating,
        category=category,
        created=False,
        changed=changed,
        receipt=receipt,
        follow_up_id=await _open_follow_up(connection, rating.id, team, category, answer.at),
        prompt=view.rendered,
    )


async def _open_follow_up(
    connection: AsyncConnection, rating_id: int, team: Team, category: Category, at: datetime
) -> int | None:
    """Open the rating's follow-up when it is a detractor and has none yet."""
    if category is not Category.DETRACTOR:
        return None
    inserted = await connection.execute(
        _OPEN_FOLLOW_UP(connection),
        {
            "rating_id": rating_id,
            "team_id": team.id,
            "status": FollowUpStatus.OPEN.value,
            "created_at": _stamp(team, at),
        },
    )
    found = inserted.scalar()
    return None if found is None else int(found)
