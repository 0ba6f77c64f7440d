"""The HTTP client every e2e module gets for its own `ratebot` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app.bootstrap import Ratebot
from tests.e2e.demo_run import DemoRun, seeded_run
from tests.e2e.support import served


@pytest.fixture
async def client(ratebot: Ratebot) -> AsyncIterator[TestClient[Any, Any]]:
    async with served(ratebot) as client:
        yield client


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `ratebot demo --seed 3` (twelve weeks, tens of seconds on a busy machine) for
    every test that reads what it wrote; none of them writes to it."""
    return seeded_run(tmp_path_factory.mktemp("demo"))
