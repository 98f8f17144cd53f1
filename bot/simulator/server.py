"""The simulator's web page and its small JSON API (tornado, on 127.0.0.1).

Endpoints (JSON in and out; POST bodies must be ``application/json``):

* ``GET /`` — the page; ``GET /static/<file>`` — its script and style sheet.
* ``GET /api/state?since=N&wait=S&chats=ID,ID`` — everything the page shows: ``version``,
  the simulated ``clock``, the ``next`` reminder/meeting/window end, ``groups`` with their
  join links, ``people`` (role, group, ``/`` menu) and ``chats`` (the fake's Bot API
  ``Message`` objects, the reply keyboard, button toasts) for the listed ids (all if
  ``chats`` is absent). Long polling: answers as soon as ``version`` exceeds ``since``, or
  after ``wait`` seconds (at most 30; 0 answers at once).
* ``GET /api/chats`` — the people and their roles, without messages.
* ``POST /api/send`` ``{"user_id", "text"}`` — she types a message (commands included).
* ``POST /api/press`` ``{"user_id", "message_id", "data"}`` — she presses an inline button.
* ``POST /api/contact`` ``{"user_id"}`` — she shares her own phone number.
* ``POST /api/people`` ``{"first_name", "last_name"?, "start"?}`` — a new stranger; with
  ``start`` (e.g. ``"g_<code>"``) she opens that link at once (``/start <payload>``).
* ``POST /api/clock`` ``{"action"}`` — ``next_reminder``, ``meeting``, ``after_meeting``,
  ``hour``, ``day`` or ``month``; answers when the tick has run and the outbox is drained.
* ``GET /api/files/<file_id>[?download=1]`` — a file the bot sent (or a user), from the fake
  (pictures and voice notes inline, so the page shows and plays them).

Only requests whose ``Host`` is the loopback address are served (no DNS rebinding), and POSTs
need a JSON content type (no cross-site form posts).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, HTTPError, RequestHandler, StaticFileHandler

from bot.simulator.core import ClockAction, ClockError, Simulator, SimulatorError

__all__ = ["STATIC_DIR", "WebServer"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class _Base(RequestHandler):
    sim: Simulator

    def initialize(self, sim: Simulator) -> None:
        self.sim = sim
        self._gone = asyncio.Event()

    def prepare(self) -> None:
        host = self.request.host or ""
        name = host.split("]", 1)[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
        if name not in _LOOPBACK:
            raise HTTPError(403, "loopback only")

    def on_connection_close(self) -> None:
        self._gone.set()

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")

    def check_xsrf_cookie(self) -> None:
        """No cookies: POSTs need a JSON content type instead (see :meth:`body`)."""

    def send_json(self, body: Any, status: int = 200) -> None:
        if self._gone.is_set():
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": self._reason}, ensure_ascii=False))

    def body(self) -> dict[str, Any]:
        if not self.request.headers.get("Content-Type", "").startswith("application/json"):
            raise HTTPError(415, "send JSON (Content-Type: application/json)")
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise HTTPError(400, "invalid JSON") from None
        if not isinstance(data, dict):
            raise HTTPError(400, "JSON body must be an object")
        return data

    @staticmethod
    def integer(data: dict[str, Any], name: str) -> int:
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise HTTPError(400, f"{name} must be a number")
        try:
            return int(value)
        except ValueError:
            raise HTTPError(400, f"{name} must be a number") from None

    @staticmethod
    def text(data: dict[str, Any], name: str, *, required: bool = True) -> str:
        value = data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            raise HTTPError(400, f"{name} must be a string")
        return value


class _Page(_Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", PAGE_CSP)
        self.finish((STATIC_DIR / "index.html").read_bytes())


class _Static(StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-cache")


class _State(_Base):
    async def get(self) -> None:
        try:
            since = int(self.get_query_argument("since", "0"))
            wait = min(max(float(self.get_query_argument("wait", "0")), 0.0), 30.0)
        except ValueError:
            raise HTTPError(400, "since and wait must be numbers") from None
        raw = self.get_query_argument("chats", None)
        wanted: set[int] | None = None
        if raw is not None:
            try:
                wanted = {int(part) for part in raw.split(",") if part.strip()}
            except ValueError:
                raise HTTPError(400, "chats must be ids separated by commas") from None
        await self.sim.wait_for_change(since, wait, self._gone)
        if self._gone.is_set():
            return
        state = await self.sim.state(None if wanted is None else wanted.__contains__)
        self.send_json(state)


class _Chats(_Base):
    async def get(self) -> None:
        self.send_json({"people": await self.sim.people()})


class _Action(_Base):
    async def post(self, action: str) -> None:
        data = self.body()
        sim = self.sim
        try:
            if action == "send":
                message = sim.send_text(self.integer(data, "user_id"), self.text(data, "text"))
                self.send_json({"ok": True, "message_id": message["message_id"]})
            elif action == "press":
                query_id = sim.press(
                    self.integer(data, "user_id"),
                    self.integer(data, "message_id"),
                    self.text(data, "data"),
                )
                self.send_json({"ok": True, "query_id": query_id})
            elif action == "contact":
                phone = sim.share_contact(self.integer(data, "user_id"))
                self.send_json({"ok": True, "phone_number": phone})
            elif action == "people":
                user = sim.add_person(
                    self.text(data, "first_name"), self.text(data, "last_name", required=False)
                )
                payload = self.text(data, "start", required=False).strip()
                if payload:
                    sim.send_text(user.id, f"/start {payload}")
                self.send_json({"ok": True, "user": user.to_dict()})
            elif action == "clock":
                try:
                    what = ClockAction(self.text(data, "action"))
                except ValueError:
                    raise HTTPError(400, "unknown clock action") from None
                result = await sim.advance(what)
                self.send_json(
                    {
                        "ok": True,
                        "from": result.before.isoformat(),
                        "to": result.after.isoformat(),
                        "steps": result.steps,
                        "note": result.note,
                        "label": sim.clock_label(),
                    }
                )
            else:
                raise HTTPError(404, "unknown action")
        except ClockError as exc:
            self.send_json({"error": str(exc)}, 409)
        except SimulatorError as exc:
            self.send_json({"error": str(exc)}, 400)


class _File(_Base):
    def get(self, file_id: str) -> None:
        try:
            stored = self.sim.fake.file(file_id)
        except KeyError:
            raise HTTPError(404, "no such file") from None
        mime = stored.mime_type or "application/octet-stream"
        image = mime in ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/ogg")
        name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
        download = self.get_query_argument("download", "") not in ("", "0")
        disposition = "inline" if image and not download else "attachment"
        self.set_header("Content-Type", mime if image or download else "application/octet-stream")
        self.set_header("Content-Disposition", f"{disposition}; filename*=UTF-8''{quote(name)}")
        self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
        self.finish(stored.data)


class WebServer:
    """Serves the page for one :class:`Simulator` on the current loop."""

    def __init__(self, sim: Simulator, host: str, port: int) -> None:
        self.sim = sim
        self.host = "127.0.0.1" if host == "localhost" else host
        self._requested_port = port
        self._server: HTTPServer | None = None
        self._sockets: list[socket.socket] | None = None
        self.port = 0

    def application(self) -> Application:
        args = {"sim": self.sim}
        return Application(
            [
                (r"/", _Page, args),
                (r"/static/(.*)", _Static, {"path": str(STATIC_DIR)}),
                (r"/api/state", _State, args),
                (r"/api/chats", _Chats, args),
                (r"/api/files/([A-Za-z0-9_-]+)", _File, args),
                (r"/api/(send|press|contact|people|clock)", _Action, args),
            ],
            log_function=lambda handler: None,
        )

    def bind(self) -> None:
        """Take the port (before the bot starts, so a port in use fails at once)."""
        if self._sockets is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            self._sockets = bind_sockets(self._requested_port, self.host, family=family)

    async def start(self) -> None:
        self.bind()
        assert self._sockets is not None
        sockets, self._sockets = self._sockets, []
        server = HTTPServer(self.application())
        server.add_sockets(sockets)
        self._server = server
        self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        for unused in self._sockets or []:  # bound, but the start failed before serving
            unused.close()
        self._sockets = None
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        await asyncio.sleep(0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.close_all_connections(), 5.0)
