"""Logging set-up: levels, and a filter that keeps secrets out of every line.

Participants' message texts are never logged by our code; the bot token could
still slip in through a library's URL logging, so every record is scrubbed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot.config import Secret

# Libraries that log request parameters or SQL parameters (message texts, names, phone
# numbers) at DEBUG: never below these levels, whatever ``log_level`` says.
LIBRARY_FLOORS = {
    "aiosqlite": logging.WARNING,  # DEBUG: every statement with its parameters
    "telegram": logging.INFO,  # DEBUG: Bot API calls with their parameters
    "httpx": logging.WARNING,  # INFO: request URLs, which contain the token
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "tornado.access": logging.WARNING,
    "telegram.ext.Updater": logging.WARNING,
}


class RedactFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, "***")
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text = record.exc_text
            for secret in self._secrets:
                text = text.replace(secret, "***")
            record.exc_text = text
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str, token: Secret | None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    secrets = [token.get()] if token is not None else []
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries(root.level)
    quiet_job_cancellation()


def quiet_libraries(level: int) -> None:
    """Set each library logger to ``level`` but never below its floor."""
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, level))


class _JobCancelledAtShutdown(logging.Filter):
    """APScheduler logs a job cancelled by its shutdown as "Error running job" with a
    traceback; at a stop that is expected (every unit of the tick and the sender is a
    transaction, and the next start goes on), so it becomes one INFO line. Any other
    job failure stays an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, asyncio.CancelledError):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args, record.exc_info, record.exc_text = (
                "a clock job was cancelled by the stop",
                None,
                None,
                None,
            )
        return True


SHUTDOWN_FILTER = _JobCancelledAtShutdown()


def quiet_job_cancellation() -> None:
    """Install :class:`_JobCancelledAtShutdown` on APScheduler's executor logger."""
    logging.getLogger("apscheduler.executors.default").addFilter(SHUTDOWN_FILTER)
