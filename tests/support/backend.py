"""Which database the tests run on, and the real PostgreSQL server they start themselves.

``P2K2_TEST_BACKEND=postgresql`` (``make test`` runs the suite a second time so): every
test database is a fresh PostgreSQL database on a server started for the session from
Debian's ``postgresql`` package (``initdb`` and ``pg_ctl`` into a temporary folder, as an
unprivileged user: the ``postgres`` account when the tests run as root). The default,
``sqlite``, gives each test a SQLite file as before.

A test database is cloned from a template migrated once, and dropped after the test. The
server runs with ``fsync`` off (a test server's data need not survive a power cut; a
killed bot process loses nothing either way: the server keeps what was committed).
When PostgreSQL is asked for and the server cannot start, the run fails (never skips).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from db.dialect import kinds_of, to_postgres
from db.migrate import migrate

BACKEND = os.environ.get("P2K2_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):  # pragma: no cover - a typo in the env
    raise RuntimeError(f"P2K2_TEST_BACKEND={BACKEND!r}: use sqlite or postgresql")
POSTGRES = BACKEND == "postgresql"
TEMPLATE = "p2k2_migrated"
TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    if POSTGRES
    else "SELECT name FROM sqlite_master WHERE type = 'table'"
)
"""The names of every table of a test database."""
INTEGRITY_ERRORS = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
"""What a broken constraint raises, on either backend."""
T = TypeVar("T")


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise RuntimeError(f"PostgreSQL's {name} not found: apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A PostgreSQL server in a temporary folder, with an admin connection served by its own
    thread and event loop (so that sync code, such as writing a config, can make a database)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="p2k2-pg-"))
        self.port = _free_port()
        self.user = "postgres"
        self._as: list[str] = []
        if os.geteuid() == 0:
            # The server refuses to run as root: the package's own unprivileged account.
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres")
        else:
            self.user = os.environ.get("USER") or "postgres"
        self.data = self.folder / "data"
        self._names = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._admin: asyncpg.Connection | None = None
        self.started = False

    def start(self) -> None:
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
            "--locale=C", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip
        self.started = True
        atexit.register(self.stop)
        if threading.current_thread() is threading.main_thread():
            # A run stopped with SIGTERM (a timeout) still stops its server (atexit).
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self._thread.start()
        self.call(self._prepare())

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, cwd=self.folder, check=False
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(args[:1])} failed ({result.returncode}): {result.stderr}{tail}"
            )

    def stop(self) -> None:
        if not self.started:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        self.started = False
        with contextlib.suppress(Exception):
            if self._admin is not None:
                self.call(self._admin.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        with contextlib.suppress(RuntimeError):
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the admin loop and wait for it (from any thread)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=120)

    async def _prepare(self) -> None:
        self._admin = await asyncpg.connect(self.url("postgres"))
        await self._admin.execute(f"CREATE DATABASE {TEMPLATE}")
        conn = await asyncpg.connect(self.url(TEMPLATE))
        try:
            await migrate(conn)
        finally:
            await conn.close()

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database (migrated to the newest schema, or empty); returns its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        source = TEMPLATE if migrated else "template0"
        assert self._admin is not None
        self.call(
            self._admin.execute(f"CREATE DATABASE {name} TEMPLATE {source} STRATEGY FILE_COPY")
        )
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        assert self._admin is not None
        self.call(self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def query(self, url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows of one statement (SQLite's SQL, translated) on its own connection."""

        async def run() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(url)
            try:
                return [tuple(r) for r in await conn.fetch(to_postgres(sql), *params)]
            finally:
                await conn.close()

        return self.call(run())

    def write(self, url: str, sql: str, *params: object) -> int:
        """One changing statement (SQLite's SQL), committed; an INSERT's new ``id`` or 0."""

        async def run() -> int:
            conn = await asyncpg.connect(url)
            try:
                values = list(params)
                if sql.lstrip().upper().startswith("INSERT"):
                    with contextlib.suppress(asyncpg.UndefinedColumnError):
                        found = await conn.fetchval(
                            to_postgres(sql + " RETURNING id", kinds_of(values)), *values
                        )
                        return int(found or 0)
                await conn.execute(to_postgres(sql, kinds_of(values)), *values)
                return 0
            finally:
                await conn.close()

        return self.call(run())


_server: PostgresServer | None = None
_lock = threading.Lock()
_made: list[str] = []
_by_folder: dict[Path, str] = {}


def server() -> PostgresServer:
    """The session's server, started on first use."""
    global _server
    with _lock:
        if _server is None:
            candidate = PostgresServer()
            try:
                candidate.start()
            except (OSError, RuntimeError) as exc:
                candidate.stop()
                if os.environ.get("CI") == "true":
                    raise  # in CI a test that needs PostgreSQL fails, never skips
                pytest.skip(f"PostgreSQL could not start here ({exc}); CI runs these tests")
            _server = candidate
        return _server


def new_database(folder: Path, *, migrated: bool = True) -> str:
    """Where a test's bot keeps its data: the SQLite file ``folder/bot.db``, or (PostgreSQL)
    the URL of a fresh database, the same one again for the same ``folder`` within a test,
    dropped after it (:func:`drop_made`)."""
    if not POSTGRES:
        return str(folder / "bot.db")
    if folder in _by_folder:  # the same folder, the same database (as SQLite's file)
        return _by_folder[folder]
    url = server().new_database(migrated=migrated)
    _made.append(url)
    _by_folder[folder] = url
    return url


def drop_made() -> None:
    _by_folder.clear()
    while _made:
        url = _made.pop()
        assert _server is not None
        _server.drop_database(url)


WAIT = 10.0


def query_rows(database: Path | str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of the database of a bot under test, read beside it (SQLite: a read-only
    connection, closed again; PostgreSQL: a connection of its own)."""
    if isinstance(database, str) and database.startswith("postgresql://"):
        return server().query(database, sql, *params)
    uri = f"{Path(database).as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=WAIT)) as conn:
        return list(conn.execute(sql, params).fetchall())


def write_row(database: Path | str, sql: str, *params: object) -> int:
    """A fixture write into the database of a bot under test (it keeps running); returns
    the new row's id for an INSERT into a numbered table, else 0."""
    if isinstance(database, str) and database.startswith("postgresql://"):
        return server().write(database, sql, *params)
    with contextlib.closing(sqlite3.connect(database, timeout=WAIT)) as conn, conn:
        return int(conn.execute(sql, params).lastrowid or 0)
