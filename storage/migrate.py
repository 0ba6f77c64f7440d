"""Schema migrations, driven from code: upgrade to head and check a database is current."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection

from bot.domain.errors import SchemaOutdated
from storage.engine import WRITE, create_engine
from storage.guard import translate_unavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Alembic's config without an alembic.ini: the script folder ships in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # Kept out of the ini options, where '%' in a password would be interpolated.
        config.attributes["url"] = url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("storage/migrations has no revisions")
    return head


async def upgrade(url: str) -> None:
    """Bring the database at `url` to the head revision; a no-op when it is there."""
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    engine = create_engine(url)
    try:
        with translate_unavailable():
            async with engine.execution_options(**WRITE).begin() as connection:
                await connection.run_sync(run)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The revision the database is at; None for an empty (never migrated) database."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = create_engine(url)
    try:
        with translate_unavailable():
            async with engine.connect() as connection:
                return await connection.run_sync(read)
    finally:
        await engine.dispose()


async def check_current(url: str) -> None:
    """Raise `SchemaOutdated` unless the database is at this code's head revision."""
    current = await current_revision(url)
    head = head_revision()
    if current == head:
        return
    if current is not None and not _known(current):
        raise SchemaOutdated(
            f"the database schema is at {current}, which is newer than this ratebot "
            f"(it knows up to {head}): upgrade ratebot"
        )
    raise SchemaOutdated(
        f"the database schema is at {current or 'empty'} but this ratebot needs {head}: "
        "run `ratebot migrate`"
    )


def _known(revision: str) -> bool:
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        return False
    return True
