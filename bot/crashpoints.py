"""Named crash points for the crash tests: ``os._exit`` at a chosen moment.

The crash tests (``tests/test_crash.py``) start the real ``python -m bot run`` with
``P2K2_CRASH_AT=<name>``; when the code passes :func:`crash_point` with that name, the
process ends at once, like ``kill -9`` there: no clean-up, no flush, no confirmation of
the update being handled to Telegram. Without the variable (always, in production) a
crash point costs one dictionary look-up.
"""

from __future__ import annotations

import logging
import os

ENV = "P2K2_CRASH_AT"
EXIT_STATUS = 86
"""The exit status of a pinned crash, so a test can tell it from any other end."""

log = logging.getLogger(__name__)


def crash_point(name: str) -> None:
    """End the process here if ``P2K2_CRASH_AT`` names this point."""
    if os.environ.get(ENV) == name:
        log.warning("crash point %s reached: exiting now", name)
        logging.shutdown()
        os._exit(EXIT_STATUS)
