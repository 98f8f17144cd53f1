from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.backend import BACKEND, POSTGRES, drop_made
from tests.support.harness import Harness, running_bot

# PTB 22: RetryAfter.retry_after as a timedelta, without a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_bot(tmp_path) as harness:
        yield harness


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """PostgreSQL runs: the databases a test made are dropped after it."""
    yield
    drop_made()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: checks SQLite itself (query plans, files, pragmas)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not POSTGRES:
        return
    skip = pytest.mark.skip(reason="checks SQLite itself; the SQLite run covers it")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {BACKEND} (P2K2_TEST_BACKEND)"
