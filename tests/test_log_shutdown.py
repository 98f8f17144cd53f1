"""Stopping while a clock job is in flight is a normal stop, not an error: APScheduler
cancels the job at shutdown and logs that as "Error running job" with a traceback, which
a crash test saw as a failure (the tick and the sender are safe to cancel: each unit is a
transaction). The real scheduler, a job held in flight, then the shutdown."""

from __future__ import annotations

import asyncio
import logging

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

from bot.logs import SHUTDOWN_FILTER, quiet_job_cancellation


async def _shutdown_while_running(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    running = asyncio.Event()

    async def job() -> None:
        running.set()
        await asyncio.Event().wait()  # held until the shutdown cancels it

    scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
    scheduler.add_job(job)
    scheduler.start()
    await asyncio.wait_for(running.wait(), 5)
    scheduler.shutdown(wait=False)
    for _ in range(5):
        await asyncio.sleep(0)  # let the cancelled job's callback run
    return [r for r in caplog.records if r.name.startswith("apscheduler")]


async def test_a_job_cancelled_at_shutdown_is_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="apscheduler")
    quiet_job_cancellation()
    try:
        records = await _shutdown_while_running(caplog)
    finally:
        logging.getLogger("apscheduler.executors.default").removeFilter(SHUTDOWN_FILTER)
    assert not [r for r in records if r.levelno >= logging.ERROR]
    assert any("cancelled" in r.getMessage() for r in records)


async def test_other_job_errors_are_still_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="apscheduler")
    quiet_job_cancellation()
    done = asyncio.Event()

    async def broken() -> None:
        done.set()
        raise RuntimeError("a real failure")

    scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
    scheduler.add_job(broken)
    try:
        scheduler.start()
        await asyncio.wait_for(done.wait(), 5)
        for _ in range(5):
            await asyncio.sleep(0)
    finally:
        scheduler.shutdown(wait=False)
        logging.getLogger("apscheduler.executors.default").removeFilter(SHUTDOWN_FILTER)
    assert any(r.levelno >= logging.ERROR and r.exc_info for r in caplog.records)
