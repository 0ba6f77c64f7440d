"""The reconcile poll's checkpoints and lease: one row per helpdesk source."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.base import StoreBase, insert_for
from storage.schema import metadata
from storage.types import UtcDateTime

helpdesk_checkpoints = sa.Table(
    "helpdesk_checkpoints",
    metadata,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("checkpoint", sa.Text, nullable=True),
    sa.Column("polled_at", UtcDateTime(), nullable=True),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
)


class CheckpointQueries(StoreBase):
    """Mixed into `SqlStore`: the `Checkpoints` part."""

    async def claim_poll(self, source: str, *, now: datetime, lease: timedelta) -> bool:
        table = helpdesk_checkpoints
        async with self._write() as connection:
            inserted = await connection.execute(
                insert_for(connection, table)
                .values(source=source, claimed_at=now)
                .on_conflict_do_nothing(index_elements=[table.c.source])
                .returning(table.c.source)
            )
            if inserted.first() is not None:
                return True
            # On PostgreSQL a concurrent claimer's UPDATE waits for this one and re-checks
            # the condition against the committed row: one winner only.
            taken = await connection.execute(
                sa.update(table)
                .where(
                    table.c.source == source,
                    sa.or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - lease),
                )
                .values(claimed_at=now)
            )
            return taken.rowcount == 1

    async def release_poll(self, source: str) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(helpdesk_checkpoints)
                .where(helpdesk_checkpoints.c.source == source)
                .values(claimed_at=None)
            )

    async def poll_checkpoint(self, source: str) -> str | None:
        async with self._read() as connection:
            found = await connection.execute(
                sa.select(helpdesk_checkpoints.c.checkpoint).where(
                    helpdesk_checkpoints.c.source == source
                )
            )
            return found.scalar_one_or_none()

    async def save_checkpoint(self, source: str, checkpoint: str, *, at: datetime) -> None:
        table = helpdesk_checkpoints
        async with self._write() as connection:
            statement = insert_for(connection, table).values(
                source=source, checkpoint=checkpoint, polled_at=at, claimed_at=at
            )
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.source],
                    set_={"checkpoint": checkpoint, "polled_at": at, "claimed_at": at},
                )
            )
