"""Try the bot without Telegram: the real bot, the built-in fake Bot API, a demo database and
a simulated clock, played from a web page on 127.0.0.1.

    python -m bot.simulator [--port 8080] [--workdir DIR] [--start YYYY-MM-DD] [--open]

:func:`run_simulator` is the blocking entry point (Ctrl-C stops it); :class:`Simulator` the
async one (``async with Simulator() as sim: ... sim.url``), used by the tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import sys
import webbrowser
from datetime import date
from pathlib import Path

from bot.simulator.core import ClockAction, ClockError, Simulator, SimulatorError
from bot.simulator.setup import start_on

__all__ = ["ClockAction", "ClockError", "Simulator", "SimulatorError", "run_simulator"]

log = logging.getLogger(__name__)


def run_simulator(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    workdir: Path | None = None,
    open_browser: bool = False,
    start: date | None = None,
) -> int:
    """Run the simulator until Ctrl-C (SIGINT) or SIGTERM; returns the exit status.
    ``start``: the simulated first day (08.00 WIB); default today."""
    from bot.config import Secret
    from bot.logs import setup_logging
    from bot.simulator.setup import TOKEN

    setup_logging("INFO", Secret(TOKEN))
    try:
        return asyncio.run(_serve(host, port, workdir, open_browser, start))
    except KeyboardInterrupt:  # pragma: no cover - a second Ctrl-C during shutdown
        return 130
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(port_taken(port), file=sys.stderr)
        else:
            print(f"error: could not start the simulator: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: could not start the simulator: {exc}", file=sys.stderr)
        return 2


def port_taken(port: int) -> str:
    """The one line shown when the page's port is in use, with the way out."""
    other = 8090 if port != 8090 else 8091
    return (
        f"error: port {port} is already in use (another simulator?); pick another one: "
        f"make simulate PORT={other}  (or --port {other})"
    )


async def _serve(
    host: str, port: int, workdir: Path | None, open_browser: bool, start: date | None
) -> int:
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, done.set)
    try:
        first = start_on(start) if start is not None else None
        async with Simulator(workdir, host=host, port=port, start=first) as sim:
            print(f"Simulator: {sim.url}  (Ctrl-C to stop; data in {sim.workdir})", flush=True)
            if open_browser:
                await asyncio.to_thread(webbrowser.open, sim.url)
            await done.wait()
            print("Stopping the simulator...", flush=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return 0
