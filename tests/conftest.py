from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.harness import Harness, running_bot

# PTB 22: RetryAfter.retry_after as a timedelta, without a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(tmp_path) as harness:
        yield harness
