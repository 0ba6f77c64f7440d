"""The HTTP client every e2e module gets for its own `ratebot` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app.bootstrap import Ratebot
from tests.e2e.support import served


@pytest.fixture
async def client(ratebot: Ratebot) -> AsyncIterator[TestClient[Any, Any]]:
    async with served(ratebot) as client:
        yield client
