"""``python -m bot.simulator [--host 127.0.0.1] [--port 8080] [--workdir DIR] [--start
YYYY-MM-DD] [--open]``"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.__main__ import start_date
from bot.simulator import run_simulator


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.simulator",
        description="Try the bot without Telegram: a local simulator in the browser.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback only (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    parser.add_argument(
        "--start", type=start_date, help="the demo's first day, YYYY-MM-DD (default: today)"
    )
    args = parser.parse_args(argv)
    return run_simulator(
        host=args.host,
        port=args.port,
        workdir=args.workdir,
        open_browser=args.open,
        start=args.start,
    )


if __name__ == "__main__":
    sys.exit(main())
