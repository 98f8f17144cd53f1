"""The simulator: the real bot, the fake Bot API, a demo database and a simulated clock, in
one asyncio loop, plus the web page that plays the people (see :mod:`bot.simulator.server`).

Transport: the bot talks to the fake through the in-process :class:`~fakeapi.FakeRequest`
(no second socket, nothing but the page is listening). ``build_application`` is called
exactly as ``python -m bot run`` calls it, only with ``request=`` and ``clock=``; the bot
polls ``getUpdates`` with its normal Updater, its JobQueue runs the clock tick every
``tick_seconds`` of real time, and its outbox sender delivers in the background.

Time: one :class:`~bot.clock.ManualClock` is the bot's clock and the fake's ``now``. It
moves only when the page says so (:meth:`Simulator.advance`). A jump is walked step by step:
the tick runs at every moment the bot would have acted on in between (each reminder, each
check-in window opening and closing, and at least once a day), and the outbox is drained
after each step, so a month passes as it would have passed for the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.app import ALLOWED_UPDATES, AnyApplication, build_application, tick
from bot.clock import ManualClock
from bot.config import TOKEN_ENV, Settings, load_settings
from bot.context import services_of
from bot.services import Services
from bot.simulator.page import people as page_people
from bot.simulator.page import state as page_state
from bot.simulator.seed import DemoWorld, phone_for, seed_demo, set_menus
from bot.simulator.setup import (
    BOT_NAME,
    BOT_USERNAME,
    DB_NAME,
    TOKEN,
    WIB,
    default_start,
    write_config,
)
from bot.simulator.timeline import AFTER_CLOSE, Kind, Moment, moments
from db.models import Group
from fakeapi import FakeBotAPI, FakeRequest, FakeUser

__all__ = ["ClockAction", "ClockError", "Simulator", "SimulatorError"]

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent.parent
MAX_STEPS = 2000
MAX_WAIT = 30.0
# Bot API calls that change nothing a person sees in her chat.
_INVISIBLE = ("getUpdates", "getMe", "getFile", "sendChatAction", "getMyCommands", "getChat")


class SimulatorError(Exception):
    """A request from the page that cannot be done (unknown person, bad button...)."""


class ClockError(SimulatorError):
    """A clock jump with no target (no reminder left, no meeting ahead)."""


class ClockAction(StrEnum):
    NEXT_REMINDER = "next_reminder"
    MEETING = "meeting"
    AFTER_MEETING = "after_meeting"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


FIXED_STEPS = {
    ClockAction.HOUR: timedelta(hours=1),
    ClockAction.DAY: timedelta(days=1),
    ClockAction.MONTH: timedelta(days=30),
}


@dataclass(frozen=True)
class ClockResult:
    before: datetime
    after: datetime
    steps: int
    note: str


class Simulator:
    """The running simulator. Use as ``async with Simulator(workdir) as sim:``; the page is
    then at ``sim.url``. ``port=0`` picks a free port.

    Args:
        workdir: folder for the config and the demo database (recreated on every start); a
            temporary folder, removed at the end, when None.
        host: where the page listens; loopback only (the page has no login).
        port: TCP port of the page; 0 for a free one.
        start: the simulated clock's first moment (default: today 08.00 WIB).
        tick_seconds: how often the bot's own tick runs, in real seconds.
        serve: serve the web page (tests of the simulator core may leave it out).
    """

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        start: datetime | None = None,
        content_dir: Path | None = None,
        tick_seconds: float = 2.0,
        serve: bool = True,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the simulator listens on 127.0.0.1 only, not {host!r}")
        self.host = host
        self._requested_port = port
        self._workdir_arg = workdir
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self.workdir: Path = Path()
        self.clock = ManualClock(start or default_start())
        self.fake = FakeBotAPI(
            token=TOKEN, username=BOT_USERNAME, first_name=BOT_NAME, now=self.clock.now
        )
        self._content_dir = content_dir or REPO / "content" / "modules"
        self._tick_seconds = tick_seconds
        self._serve = serve
        self.settings: Settings | None = None
        self.app: AnyApplication | None = None
        self.world: DemoWorld | None = None
        self._bumps = 0
        self._changed = asyncio.Event()
        self._clock_lock = asyncio.Lock()
        self.pressed: dict[int, list[str]] = {}
        self._app_started = False
        self._polling = False
        self._post_init_done = False
        self.closing = False
        self._web: Any = None  # bot.simulator.server.WebServer

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Prepare the workdir, build and start the bot, seed the demo, serve the page."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        if self._serve:  # take the page's port first: a port in use fails before anything
            from bot.simulator.server import WebServer

            self._web = WebServer(self, self.host, self._requested_port)
            self._web.bind()
        if self._workdir_arg is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="p2k2-simulator-")
            self.workdir = Path(self._tempdir.name)
        else:
            self.workdir = self._workdir_arg.resolve()
            self.workdir.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm", "-journal"):  # a fresh demo on every start
                (self.workdir / (DB_NAME + suffix)).unlink(missing_ok=True)
        config = write_config(self.workdir, self._content_dir, self._tick_seconds)
        self.settings = load_settings(config, env={TOKEN_ENV: TOKEN})
        app = build_application(
            self.settings, request=FakeRequest(self.fake), clock=self.clock, background=True
        )
        self.app = app
        await app.initialize()
        if app.post_init is not None:
            self._post_init_done = True
            await app.post_init(app)
        services = self.services
        self.world = await seed_demo(services, self.fake, self.clock.now())
        await set_menus(app, services, self.world)
        assert app.updater is not None
        await app.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES,
            timeout=self.settings.telegram.poll_timeout,
            drop_pending_updates=False,
        )
        self._polling = True
        await app.start()
        self._app_started = True
        await self._greet(self.world.featured)
        if self._web is not None:
            await self._web.start()
        log.info(
            "simulator ready: %s (workdir %s)", self.url if self._serve else "-", self.workdir
        )

    async def _greet(self, user_ids: list[int]) -> None:
        """Each featured person says /start, so the page opens on the bot's greetings."""
        before = {uid: len(self.fake.sent_by_bot(uid)) for uid in user_ids}
        for uid in user_ids:
            self.fake.send_text(self.fake.users[uid], "/start")
        try:
            await self.fake.wait_for(
                lambda: all(len(self.fake.sent_by_bot(u)) > before[u] for u in user_ids),
                timeout=15.0,
                description="the greetings of the featured chats",
            )
        except TimeoutError:
            log.warning("the bot did not greet every featured chat in time")

    async def stop(self) -> None:
        """Stop the page, then the bot (as ``run_polling`` would), then remove the temp dir."""
        self.closing = True
        self._bump()
        if self._web is not None:
            web, self._web = self._web, None
            await web.stop()
        app = self.app
        if app is not None:
            if self._polling and app.updater is not None:
                self._polling = False
                with contextlib.suppress(Exception):
                    await app.updater.stop()
            if self._app_started:
                self._app_started = False
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
            self.app = None
            await app.shutdown()
            if self._post_init_done and app.post_shutdown is not None:
                self._post_init_done = False
                await app.post_shutdown(app)
        if self._tempdir is not None:
            tempdir, self._tempdir = self._tempdir, None
            with contextlib.suppress(OSError):
                tempdir.cleanup()
            if Path(tempdir.name).exists():  # pragma: no cover - best effort
                shutil.rmtree(tempdir.name, ignore_errors=True)

    # -- access ------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        if self.app is None:
            raise RuntimeError("the simulator is not running")
        return services_of(self.app)

    @property
    def port(self) -> int:
        if self._web is None:
            raise RuntimeError("the page is not served")
        return int(self._web.port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def version(self) -> int:
        """Grows whenever something a person could see may have changed."""
        counts = self.fake.method_counts
        visible = sum(counts.values()) - sum(counts[m] for m in _INVISIBLE)
        return visible + self._bumps

    def _bump(self) -> None:
        self._bumps += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, since: int, timeout: float, gone: asyncio.Event) -> None:
        """Return when :attr:`version` exceeds ``since``, after ``timeout`` seconds, when the
        simulator closes, or when ``gone`` is set (the browser went away)."""

        def changed() -> bool:
            return self.version > since or self.closing

        if changed() or timeout <= 0:
            return
        waiters = {
            asyncio.ensure_future(self.fake.wait_for(changed, timeout)),
            asyncio.ensure_future(self._changed.wait()),
            asyncio.ensure_future(gone.wait()),
        }
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            for waiter in waiters:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await waiter

    def user(self, user_id: int) -> FakeUser:
        user = self.fake.users.get(user_id)
        if user is None:
            raise SimulatorError(f"tidak ada orang dengan id {user_id}")
        return user

    async def groups(self) -> list[Group]:
        if self.world is None:
            return []
        summaries = await self.services.db.groups_of(self.world.facilitator_id)
        return [s.group for s in summaries]

    # -- playing the people ------------------------------------------------------------

    def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        text = text.strip()
        if not text:
            raise SimulatorError("pesan kosong")
        if len(text) > 4096:
            raise SimulatorError("pesan terlalu panjang")
        message = self.fake.send_text(self.user(user_id), text)["message"]
        self._bump()
        return dict(message)

    def press(self, user_id: int, message_id: int, data: str) -> str:
        user = self.user(user_id)
        try:
            update = self.fake.press_button(user, message_id, data)
        except ValueError as exc:
            raise SimulatorError("tombol ini tidak ada (lagi) di pesan itu") from exc
        query_id = str(update["callback_query"]["id"])
        pressed = self.pressed.setdefault(user_id, [])
        pressed.append(query_id)
        del pressed[:-20]
        self._bump()
        return query_id

    def share_contact(self, user_id: int) -> str:
        user = self.user(user_id)
        phone = self.world.phones.get(user_id) if self.world else None
        phone = phone or phone_for(user_id)
        self.fake.send_contact(user, phone)
        self._bump()
        return phone

    def add_person(self, first_name: str, last_name: str | None = None) -> FakeUser:
        first = " ".join(first_name.split())[:40]
        last = " ".join((last_name or "").split())[:40] or None
        if not first:
            raise SimulatorError("nama kosong")
        user = self.fake.add_user(first, last)
        self._bump()
        return user

    # -- the clock ---------------------------------------------------------------------

    async def upcoming(self, until: datetime | None = None) -> list[Moment]:
        assert self.settings is not None
        return await moments(
            self.services.db, self.settings, await self.groups(), self.clock.now(), until
        )

    async def target(self, action: ClockAction) -> tuple[datetime, str]:
        """Where ``action`` moves the clock, and a short note saying why."""
        now = self.clock.now()
        if action in FIXED_STEPS:
            return now + FIXED_STEPS[action], ""
        ahead = await self.upcoming()
        kinds = {
            ClockAction.NEXT_REMINDER: {Kind.REMINDER},
            ClockAction.MEETING: {Kind.WINDOW_OPEN, Kind.START},
            ClockAction.AFTER_MEETING: {Kind.WINDOW_CLOSED},
        }[action]
        found = next((m for m in ahead if m.kind in kinds), None)
        if found is None:
            what = {
                ClockAction.NEXT_REMINDER: "Tidak ada pengingat lagi yang dijadwalkan.",
                ClockAction.MEETING: "Tidak ada pertemuan lagi yang dijadwalkan.",
                ClockAction.AFTER_MEETING: "Tidak ada pertemuan lagi yang dijadwalkan.",
            }[action]
            raise ClockError(what)
        return found.at, self.describe(found)

    def describe(self, moment: Moment) -> str:
        label = {
            Kind.REMINDER: "pengingat",
            Kind.WINDOW_OPEN: "check-in dibuka",
            Kind.START: "pertemuan dimulai",
            Kind.WINDOW_CLOSED: "check-in ditutup",
        }[moment.kind]
        at = moment.at - AFTER_CLOSE if moment.kind is Kind.WINDOW_CLOSED else moment.at
        when = self.services.catalog.datetime(at, moment.group.timezone)
        return f"{moment.group.name}: {label}, {when}"

    async def advance(self, action: ClockAction) -> ClockResult:
        async with self._clock_lock:
            target, note = await self.target(action)
            return await self._walk_to(target, note)

    async def _walk_to(self, target: datetime, note: str) -> ClockResult:
        before = self.clock.now()
        if target <= before:
            raise ClockError("Waktu simulasi hanya bisa maju.")
        stops = {m.at for m in await self.upcoming(target)}
        day = before + timedelta(days=1)
        while day < target:
            stops.add(day)
            day += timedelta(days=1)
        stops.add(target)
        ordered = sorted(stops)
        if len(ordered) > MAX_STEPS:
            raise ClockError("Lompatan waktu terlalu jauh.")
        services = self.services
        for moment in ordered:
            self.clock.set(moment)
            self._bump()
            await tick(services)
            await services.sender.drain_once()
        services.sender.wake()
        self._bump()
        return ClockResult(before, self.clock.now(), len(ordered), note)

    # -- the state the page shows ------------------------------------------------------

    def clock_label(self, tz: str = WIB) -> str:
        if self.app is None:
            return ""
        return self.services.catalog.datetime(self.clock.now(), tz)

    async def people(self) -> list[dict[str, Any]]:
        """Everyone in the simulation, as the page lists them."""
        return await page_people(self)

    async def next_events(self) -> dict[str, Any]:
        ahead = await self.upcoming()
        found: dict[str, Any] = {}
        for key, kinds in (
            ("reminder", {Kind.REMINDER}),
            ("meeting", {Kind.WINDOW_OPEN, Kind.START}),
            ("after_meeting", {Kind.WINDOW_CLOSED}),
        ):
            moment = next((m for m in ahead if m.kind in kinds), None)
            found[key] = (
                None
                if moment is None
                else {"at": moment.at.isoformat(), "label": self.describe(moment)}
            )
        return found

    async def state(self, chats: Callable[[int], bool] | None = None) -> dict[str, Any]:
        """Everything the page shows (``bot/simulator/page.py``); ``chats`` picks whose
        messages to include (all when None)."""
        return await page_state(self, chats)
