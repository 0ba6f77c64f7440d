"""What the fault tests share: a fleet (fake Slack, database, team) on the test's engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.harness import Fleet, fleet_on


@pytest.fixture
async def fleet(tmp_path: Path, database_url: str) -> AsyncIterator[Fleet]:
    async with fleet_on(tmp_path, database_url) as made:
        yield made
