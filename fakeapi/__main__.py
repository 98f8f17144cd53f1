"""Serve a fake Telegram Bot API standalone, for manual trials.

    python -m fakeapi --port 8081 [--token 123:ABC...] [--user Ani]

prints the ``base_url`` / ``base_file_url`` to give the bot, then serves until interrupted.
Play users through the control API, e.g.::

    curl -X POST localhost:8081/_fake/add_user -d '{"first_name": "Ani"}'
    curl -X POST localhost:8081/_fake/send_text -d '{"user_id": 1000000001, "text": "/start"}'
    curl 'localhost:8081/_fake/messages?chat_id=1000000001'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from fakeapi.core import FakeBotAPI
from fakeapi.server import FakeBotAPIServer


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fakeapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--username", default="p2k2_test_bot")
    parser.add_argument(
        "--user", action="append", default=[], help="create a user with this first name"
    )
    parser.add_argument("--flood-limit", action="store_true", help="answer 429 like Telegram")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument(
        "--auto-users",
        action="store_true",
        help="treat every chat id the bot writes to as a user (benchmarks); keep no messages",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run the server until SIGINT/SIGTERM."""
    api = FakeBotAPI(
        token=args.token,
        username=args.username,
        flood_limit=args.flood_limit,
        auto_users=args.auto_users,
        keep_messages=not args.auto_users,
    )
    for name in args.user:
        user = api.add_user(name)
        print(f"user {name}: id {user.id}", flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, done.set)
    async with FakeBotAPIServer(
        api, host=args.host, port=args.port, access_log=args.access_log
    ) as server:
        print(f"base_url {server.base_url}", flush=True)
        print(f"base_file_url {server.base_file_url}", flush=True)
        await done.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
