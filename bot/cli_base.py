"""What the command line shares: the error it reports without a traceback, and the lock
that keeps one running bot per SQLite database."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class CliError(Exception):
    """Ends the command with one line on stderr and exit status 2."""


class InstanceLock:
    """One running bot per database: a second ``run`` would fight over the token.

    The lock is an OS lock (``flock``) on the database file itself, not on a file named
    after the path as written: the same database reached through a symlink, a relative
    path, another spelling or a hard link is the same open file for the kernel, so a
    second ``run`` on it is refused. ``flock`` locks do not interact with SQLite's own
    POSIX (``fcntl``) locks; the descriptor stays open, untouched, until the bot has
    closed the database (closing a descriptor only drops POSIX locks held on the file,
    and SQLite's connections are closed by then). The file is created empty if it does
    not exist yet (SQLite reads an empty file as an empty database).
    """

    def __init__(self, database: Path) -> None:
        self.path = database
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CliError(
                f"another bot is already running on {self.path.resolve()}; stop it first"
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
